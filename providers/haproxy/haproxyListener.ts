// HaproxyListener: one include file /etc/haproxy/conf.d/<name>.cfg (a
// `listen`, or a `frontend` + `backend`) next to a managed haproxy.cfg that
// holds only `global` and `defaults`. HAProxy loads the directory through
// the unit's options (/etc/default/haproxy: `-f /etc/haproxy/conf.d`). A
// change is checked with `haproxy -c` together with the host's other
// listeners, then applied by a seamless reload (master-worker re-exec, the
// listening sockets are handed over); a failing reload puts the old file back.
// The last listener removed puts back the stock files and the unit's state.
//
// Fields (which replace, which update in place): HAPROXY_LISTENER below.
// Refresh reads the files' hashes and whether haproxy runs (files/includeProvider.ts).
import * as pulumi from "@pulumi/pulumi";
import { DaemonLayout } from "../files/daemon";
import { ReadinessArgs, ReadinessProbe } from "../readiness/core";
import { includeResource, IncludeProps } from "../files/includeProvider";
import { ConnectionInput } from "../common/connection";
import {
  checkHaproxyListener,
  HaproxyListenerSpec,
  HaproxyServer,
  HaproxyTimeouts,
  renderHaproxyListener,
  renderHaproxyMain,
} from "./core";
import { LvsResource } from "../common/define";

export interface HaproxyListenerArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** Section and file name. Required. */
  name: pulumi.Input<string>;
  /** "listen" or "frontend-backend". Default "listen". */
  style?: pulumi.Input<"listen" | "frontend-backend">;
  /** "http" or "tcp". Default "http". */
  mode?: pulumi.Input<"tcp" | "http">;
  /** Addresses to listen on; address defaults to "*". Required: at least one. */
  bind: pulumi.Input<pulumi.Input<{ address?: pulumi.Input<string>; port: pulumi.Input<number> }>[]>;
  /** roundrobin, static-rr, leastconn, first, source, uri, random. Default roundrobin. */
  balance?: pulumi.Input<string>;
  /** The servers traffic goes to: at least one, with unique names. Required. */
  servers: pulumi.Input<pulumi.Input<HaproxyServer>[]>;
  /** option httpchk METHOD URI (http mode); method defaults to GET. Default: none (a checked server gets a TCP connect check). */
  httpCheck?: pulumi.Input<{ method?: "GET" | "HEAD" | "OPTIONS"; uri: string }>;
  /**
   * timeout connect, client, server and check. Default: none set here; the main file's defaults apply (connect 10s, client 1m,
   * server 1m, check 10s, queue 1m, httpRequest 10s, httpKeepAlive 10s).
   */
  timeouts?: pulumi.Input<HaproxyTimeouts>;
  /** maxconn of the section. Default: none (the main file's defaults: maxconn 3000). */
  maxconn?: pulumi.Input<number>;
  /** retries: connection attempts to a server. Default: none (the main file's defaults: retries 3). */
  retries?: pulumi.Input<number>;
  /** option redispatch: retry on another server. Default: none (on, from the main file's defaults); false sets `no option redispatch`. */
  redispatch?: pulumi.Input<boolean>;
  /** option forwardfor: add X-Forwarded-For (http mode only). Default false (not rendered). */
  forwardFor?: pulumi.Input<boolean>;
  /** When the daemon counts as ready after a change; up waits for it. Default: the first port bound on every address accepts on the host (60 s); the unit is active for address binds. */
  readiness?: pulumi.Input<ReadinessArgs>;
}

type Props = HaproxyListenerSpec & IncludeProps;

const DIR = "/etc/haproxy/conf.d";
const MAIN = "/etc/haproxy/haproxy.cfg";

/** Debian's unit reads these; `-S` keeps the master CLI the package sets up. */
export const HAPROXY_DEFAULTS = `# Managed by pulumi-lvs: HAProxy loads the listeners in ${DIR}.
EXTRAOPTS="-S /run/haproxy-master.sock -f ${DIR}"
`;

export const haproxyLayout: DaemonLayout = {
  unit: "haproxy",
  includeDir: DIR,
  ext: "cfg",
  main: { path: MAIN, content: renderHaproxyMain() },
  settings: [{ path: "/etc/default/haproxy", content: HAPROXY_DEFAULTS }],
  validateSet: `haproxy -c -f ${MAIN} -f "$v"`,
};

export const [HAPROXY_LISTENER, haproxyListenerProvider] = includeResource<Props, HaproxyListenerSpec>({
  type: "HaproxyListener",
  fields: ["style", "mode", "bind", "balance", "servers", "httpCheck", "timeouts", "maxconn", "retries", "redispatch", "forwardFor"],
  file: __filename,
  notes: "checked with `haproxy -c` with the host's other listeners, applied by a seamless reload; a failing reload puts the old file back",
  check: checkHaproxyListener,
  render: renderHaproxyListener,
  layout: () => haproxyLayout,
  readiness: (p) => ({ probe: wildcardPortProbe(p.bind), timeoutSeconds: 60 }),
});

/**
 * HAProxy is ready when its listener accepts: a TCP connection to the first
 * port bound on every address (from the host itself). A bind to one address
 * (a VIP a BACKUP does not hold) is not probed; the unit being active is.
 */
function wildcardPortProbe(bind: { address?: string; port: number }[]): ReadinessProbe {
  const any = bind.find((b) => b.address === undefined || ["*", "0.0.0.0", "::"].includes(b.address));
  return any ? { type: "tcp", port: any.port } : { type: "none" };
}

/** An HAProxy listener (or frontend + backend) on one host. */
export class HaproxyListener extends LvsResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: HaproxyListenerArgs, opts?: pulumi.CustomResourceOptions) {
    super(HAPROXY_LISTENER, haproxyListenerProvider, name, args, opts);
  }
}
