// HaproxyListener: one include file /etc/haproxy/conf.d/<name>.cfg (a
// `listen`, or a `frontend` + `backend`) next to a managed haproxy.cfg that
// holds only `global` and `defaults`. HAProxy loads the directory through
// the unit's options (/etc/default/haproxy: `-f /etc/haproxy/conf.d`). A
// change is checked with `haproxy -c` together with the host's other
// listeners, then applied by a seamless reload (master-worker re-exec, the
// listening sockets are handed over); a failing reload puts the old file back.
// The last listener removed puts back the stock files and the unit's state.
//
// Replaces on: connection host/port, name. In place: everything else.
// Refresh reads the files' hashes and whether haproxy runs.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sha256 } from "../files/core";
import { applyInclude, DaemonLayout, readInclude, removeInclude } from "../files/daemon";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { checkHaproxyListener, HaproxyListenerSpec, HaproxyServer, HaproxyTimeouts, renderHaproxyListener, renderHaproxyMain } from "./core";

export interface HaproxyListenerArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** Section and file name. Replaces. */
  name: pulumi.Input<string>;
  /** "listen" (default) or "frontend-backend". */
  style?: pulumi.Input<"listen" | "frontend-backend">;
  /** "http" (default) or "tcp". */
  mode?: pulumi.Input<"tcp" | "http">;
  /** Addresses to listen on; address defaults to "*". */
  bind: pulumi.Input<pulumi.Input<{ address?: pulumi.Input<string>; port: pulumi.Input<number> }>[]>;
  /** roundrobin (default), static-rr, leastconn, first, source, uri, random. */
  balance?: pulumi.Input<string>;
  servers: pulumi.Input<pulumi.Input<HaproxyServer>[]>;
  /** option httpchk METHOD URI (http mode). */
  httpCheck?: pulumi.Input<{ method?: "GET" | "HEAD" | "OPTIONS"; uri: string }>;
  timeouts?: pulumi.Input<HaproxyTimeouts>;
  maxconn?: pulumi.Input<number>;
  retries?: pulumi.Input<number>;
  redispatch?: pulumi.Input<boolean>;
  forwardFor?: pulumi.Input<boolean>;
}

type Props = HaproxyListenerSpec & {
  connection: ConnectionArgs;
  sha256?: string;
  mainInSync?: boolean;
  running?: boolean;
};

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

const FIELDS = ["style", "mode", "bind", "balance", "servers", "httpCheck", "timeouts", "maxconn", "retries", "redispatch", "forwardFor"] as const;

function spec(p: Props): HaproxyListenerSpec {
  const out: Record<string, unknown> = { name: p.name };
  for (const k of FIELDS) if (p[k] !== undefined) out[k] = p[k];
  return out as unknown as HaproxyListenerSpec;
}

export const haproxyListenerProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkHaproxyListener(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = olds as unknown as Record<string, unknown>;
    const b = news as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["name"], update: [...FIELDS] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const drift = olds.sha256 !== sha256(renderHaproxyListener(spec(olds))) || olds.mainInSync === false || olds.running === false;
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0 || drift, replaces, deleteBeforeReplace: replaces.length > 0 && !conn.replaces.length };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const content = renderHaproxyListener(spec(inputs));
    await applyInclude(t, haproxyLayout, inputs.name, content);
    return { id: `${t.target}:${DIR}/${inputs.name}.cfg`, outs: { ...inputs, sha256: sha256(content), mainInSync: true, running: true } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("HaproxyListener", id);
    const t = sshTransport(props.connection);
    const live = await readInclude(t, haproxyLayout, props.name);
    const mainInSync = live.main?.sha256 === sha256(renderHaproxyMain()) && live.settings[0]?.sha256 === sha256(HAPROXY_DEFAULTS);
    return { id, props: { ...props, sha256: live.include.sha256 ?? "absent", mainInSync, running: live.active } };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const content = renderHaproxyListener(spec(news));
    await applyInclude(t, haproxyLayout, news.name, content);
    return { outs: { ...news, sha256: sha256(content), mainInSync: true, running: true } };
  },

  async delete(_id, props) {
    await removeInclude(sshTransport(props.connection), haproxyLayout, props.name);
  },
};

/** An HAProxy listener (or frontend + backend) on one host. */
export class HaproxyListener extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: HaproxyListenerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      haproxyListenerProvider,
      name,
      { ...args, sha256: undefined, mainInSync: undefined, running: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "pulumi-lvs",
      "HaproxyListener",
    );
  }
}
