// IpvsRealServer: a real server of a virtual service (`ipvsadm -a/-e/-d`).
//
// Fields (which replace, which update in place): IPVS_REAL_SERVER below.
// Updates run `ipvsadm -e` with the complete entry. Weight 0 is honoured
// (quiesce).
// With gracefulDeleteTimeoutSeconds, delete first sets weight 0 and waits until
// ActiveConn + InActConn reach 0 (or the timeout), then removes the server.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { RealServer, ServiceKey, canonicalAddress, hostPort, sameKey, serviceKeyText } from "./model";
import { changeIpvs, saveIpvs, readIpvs } from "./host";
import { dropServer, planServer, putServer, sameServer } from "./plan";
import { deleteServerArgs, effectivePort, serverArgs } from "./render";
import { checkServer, normalizeServer, ServerInputs } from "./validate";

export interface IpvsRealServerArgs {
  /** The director holding the service. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /**
   * The service: an IpvsService's `key` output, or the same key written out ({ protocol, address, port }) with `dependsOn` the
   * service, which keeps previews exact while the service itself changes. Required.
   */
  service: pulumi.Input<ServiceKey>;
  /** The RIP. Required. */
  address: pulumi.Input<string>;
  /** Server port (must equal the service port for route/tunnel). Default: the service port. */
  port?: pulumi.Input<number>;
  /** masq (NAT, -m), route (DR, -g) or tunnel (-i). Default route. */
  method?: pulumi.Input<"masq" | "route" | "tunnel">;
  /** 0..65535; 0 quiesces the server. Default 1. */
  weight?: pulumi.Input<number>;
  /** Upper connection threshold (-x); 0 = none. Default 0. */
  upperThreshold?: pulumi.Input<number>;
  /** Lower connection threshold (-y); 0 = none. Default 0. */
  lowerThreshold?: pulumi.Input<number>;
  /** Tunnel type for method tunnel: ipip, gue, gre. Default ipip. */
  tunType?: pulumi.Input<"ipip" | "gue" | "gre">;
  /** The UDP port of a gue tunnel (--tun-port). Default: none; required with tunType gue, refused with ipip and gre (they carry no port). */
  tunPort?: pulumi.Input<number>;
  /** Drain before delete: weight 0, wait for connections to end up to this many seconds. Default: delete at once. */
  gracefulDeleteTimeoutSeconds?: pulumi.Input<number>;
}

type Props = ServerInputs & { connection: ConnectionArgs; gracefulDeleteTimeoutSeconds?: number };

/** The declared fields with defaults, for diffs (port resolved to the service port). */
function normalized(p: Props): Record<string, unknown> {
  const rs = normalizeServer(p);
  return { ...p, ...rs, port: rs.service && typeof rs.service === "object" ? effectivePort(rs) : p.port };
}

function serverText(rs: RealServer): string {
  return `${hostPort(rs.address, effectivePort(rs))} of ${serviceKeyText(rs.service)}`;
}

export const IPVS_REAL_SERVER = defineKind<Props>({
  type: "IpvsRealServer",
  id: (p) => `${targetOf(p.connection)}/${serverText(normalizeServer(p))}`,
  fields: {
    replace: ["service", "address", "port"],
    update: ["method", "weight", "upperThreshold", "lowerThreshold", "tunType", "tunPort", "gracefulDeleteTimeoutSeconds"],
  },
  file: __filename,
  notes:
    "`ipvsadm -e` with the complete entry; `gracefulDeleteTimeoutSeconds` drains (weight 0, wait for ActiveConn+InActConn = 0) before `-d`",
  check: checkServer,
  normalize: normalized,
  // Compared as declared too (not only in its normalized form).
  changes: (olds, news) => olds.gracefulDeleteTimeoutSeconds !== news.gracefulDeleteTimeoutSeconds,
  deleteBeforeReplace: () => false,
});

export const ipvsRealServerProvider = kindProvider<Props>(IPVS_REAL_SERVER, {
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
    // Already there as declared (an earlier run died after adding it): adopted, and its save for boot made sure of.
    if (plan.action === "add") await changeIpvs(t, serverArgs("-a", rs), putServer(rs));
    else await saveIpvs(t);
    return { id: IPVS_REAL_SERVER.id!(inputs), outs: { ...inputs, ...rs, port: effectivePort(rs) } };
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
        const c = counters.find(
          (x) =>
            sameKey(x.service, rs.service) && canonicalAddress(x.address) === canonicalAddress(rs.address) && x.port === effectivePort(rs),
        );
        if (!c || c.activeConn + c.inactConn === 0 || Date.now() >= until) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      ({ table } = await readIpvs(t));
      if (!table.servers.some((s) => sameServer(s, rs))) return;
    }
    await changeIpvs(t, deleteServerArgs(rs), dropServer(rs));
  },
});

/** A real server behind an IpvsService. */
export class IpvsRealServer extends LvsResource {
  declare readonly weight: pulumi.Output<number>;
  declare readonly method: pulumi.Output<string>;

  constructor(name: string, args: IpvsRealServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(IPVS_REAL_SERVER, ipvsRealServerProvider, name, args, opts);
  }
}
