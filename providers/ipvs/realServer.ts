// IpvsRealServer: a real server of a virtual service (`ipvsadm -a/-e/-d`).
//
// Replaces on: connection host/port, service, address, port.
// Updates in place (`ipvsadm -e` with the complete entry): method, weight,
// thresholds, tunnel options. Weight 0 is honoured (quiesce).
// With gracefulDeleteTimeoutSeconds, delete first sets weight 0 and waits until
// ActiveConn + InActConn reach 0 (or the timeout), then removes the server.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { RealServer, ServiceKey, canonicalAddress, hostPort, sameKey, serviceKeyText } from "./model";
import { changeIpvs, readIpvs } from "./host";
import { dropServer, planServer, putServer, sameServer } from "./plan";
import { deleteServerArgs, effectivePort, serverArgs } from "./render";
import { checkServer, normalizeServer, ServerInputs } from "./validate";
import { providerRef } from "../common/providerRef";

export interface IpvsRealServerArgs {
  /** The director holding the service. */
  connection: pulumi.Input<ConnectionArgs>;
  /** The service: an IpvsService's `key` output, or the same key written out ({ protocol, address, port }) with `dependsOn` the service, which keeps previews exact while the service itself changes. Replaces. */
  service: pulumi.Input<ServiceKey>;
  /** The RIP. Replaces. */
  address: pulumi.Input<string>;
  /** Server port; default the service port (must be equal for route/tunnel). Replaces. */
  port?: pulumi.Input<number>;
  /** masq (NAT, -m), route (DR, -g, the default) or tunnel (-i). In place. */
  method?: pulumi.Input<"masq" | "route" | "tunnel">;
  /** 0..65535, default 1; 0 quiesces the server. In place. */
  weight?: pulumi.Input<number>;
  /** Upper connection threshold (-x); 0 = none (default). In place. */
  upperThreshold?: pulumi.Input<number>;
  /** Lower connection threshold (-y); 0 = none (default). In place. */
  lowerThreshold?: pulumi.Input<number>;
  /** Tunnel type for method tunnel: ipip (default), gue, gre. In place. */
  tunType?: pulumi.Input<"ipip" | "gue" | "gre">;
  /** Tunnel port for gue/gre. In place. */
  tunPort?: pulumi.Input<number>;
  /** Drain before delete: weight 0, wait for connections to end up to this many seconds. Default: delete at once. */
  gracefulDeleteTimeoutSeconds?: pulumi.Input<number>;
}

type Props = ServerInputs & { connection: ConnectionArgs; gracefulDeleteTimeoutSeconds?: number };

const IDENTITY = ["service", "address", "port"];
const IN_PLACE = ["method", "weight", "upperThreshold", "lowerThreshold", "tunType", "tunPort"];

/** The declared fields with defaults, for diffs (port resolved to the service port). */
function normalized(p: Props): Record<string, unknown> {
  const rs = normalizeServer(p);
  return { ...p, ...rs, port: rs.service && typeof rs.service === "object" ? effectivePort(rs) : p.port };
}

function serverText(rs: RealServer): string {
  return `${hostPort(rs.address, effectivePort(rs))} of ${serviceKeyText(rs.service)}`;
}

export const ipvsRealServerProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkServer(news);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = normalized(olds);
    const b = normalized(news);
    const own = changedProps(a, b, { replace: IDENTITY, update: IN_PLACE });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const graceful = olds.gracefulDeleteTimeoutSeconds !== news.gracefulDeleteTimeoutSeconds;
    return {
      changes: own.changed.length + conn.changed.length > 0 || graceful,
      replaces: [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])],
      deleteBeforeReplace: false,
    };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const rs = normalizeServer(inputs);
    const { table } = await readIpvs(t);
    if (!table.services.some((s) => sameKey(s, rs.service))) {
      throw new Error(`ssh ${t.target}: IPVS service ${serviceKeyText(rs.service)} does not exist; create the IpvsService first`);
    }
    const plan = planServer(table, rs, "create");
    const existing = plan.live;
    if (plan.action === "conflict" && existing) {
      throw new Error(
        `ssh ${t.target}: real server ${serverText(rs)} already exists with different settings ` +
          `(method ${existing.method}, weight ${existing.weight}); delete it on the host or import it first`,
      );
    }
    if (plan.action === "add") await changeIpvs(t, serverArgs("-a", rs), putServer(rs));
    return { id: `${t.target}/${serverText(rs)}`, outs: { ...inputs, ...rs, port: effectivePort(rs) } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("IpvsRealServer", id);
    const t = sshTransport(props.connection);
    const want = normalizeServer(props);
    const { table } = await readIpvs(t);
    const live = table.servers.find((s) => sameServer(s, want));
    if (!live) return { id: "", props };
    return { id, props: { ...props, ...live, service: props.service, port: effectivePort(live) } };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const rs = normalizeServer(news);
    const plan = planServer((await readIpvs(t)).table, rs, "update");
    if (plan.action === "add") await changeIpvs(t, serverArgs("-a", rs), putServer(rs));
    else if (plan.action === "edit") await changeIpvs(t, serverArgs("-e", rs), putServer(rs));
    return { outs: { ...news, ...rs, port: effectivePort(rs) } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const rs = normalizeServer(props);
    let { table } = await readIpvs(t);
    if (!table.servers.some((s) => sameServer(s, rs))) return;
    const timeout = props.gracefulDeleteTimeoutSeconds ?? 0;
    if (timeout > 0) {
      await changeIpvs(t, serverArgs("-e", { ...rs, weight: 0 }), putServer({ ...rs, weight: 0 }));
      const until = Date.now() + timeout * 1000;
      for (;;) {
        const { counters } = await readIpvs(t, { fresh: true });
        const c = counters.find((x) => sameKey(x.service, rs.service) && canonicalAddress(x.address) === canonicalAddress(rs.address) && x.port === effectivePort(rs));
        if (!c || c.activeConn + c.inactConn === 0 || Date.now() >= until) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      ({ table } = await readIpvs(t));
      if (!table.servers.some((s) => sameServer(s, rs))) return;
    }
    await changeIpvs(t, deleteServerArgs(rs), dropServer(rs));
  },
};

/** A real server behind an IpvsService. */
export class IpvsRealServer extends pulumi.dynamic.Resource {
  declare readonly weight: pulumi.Output<number>;
  declare readonly method: pulumi.Output<string>;

  constructor(name: string, args: IpvsRealServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "ipvsRealServerProvider", ipvsRealServerProvider), name, { ...args }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "IpvsRealServer");
  }
}
