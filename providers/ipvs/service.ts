// IpvsService: a virtual service (`ipvsadm -A/-E/-D`).
//
// Fields (which replace, which update in place): IPVS_SERVICE below. Updates
// run `ipvsadm -E` with the complete entry. Deleting the service removes its
// real servers too (that is what `ipvsadm -D` does).
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { ServiceKey, VirtualService, sameKey, serviceKeyText } from "./model";
import { changeIpvs, saveIpvs, readIpvs } from "./host";
import { dropService, planService, putService } from "./plan";
import { deleteServiceArgs, serviceArgs } from "./render";
import { checkService, normalizeService, ServiceInputs } from "./validate";

export interface IpvsServiceArgs {
  /** The director. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** tcp, udp, sctp or fwmark. Default tcp. */
  protocol?: pulumi.Input<"tcp" | "udp" | "sctp" | "fwmark">;
  /** The VIP (IPv4 or IPv6). Not for fwmark. Required for tcp, udp and sctp. */
  address?: pulumi.Input<string>;
  /** The service port; 0 = all ports (needs persistence). Not for fwmark. Required for tcp, udp and sctp. */
  port?: pulumi.Input<number>;
  /** Firewall mark, for protocol fwmark. Required for fwmark; not for other protocols. */
  fwmark?: pulumi.Input<number>;
  /** Address family of an fwmark service: inet or inet6. Default inet. */
  family?: pulumi.Input<"inet" | "inet6">;
  /** One of ipvsadm's 13 schedulers. Default wlc (ipvsadm's default). */
  scheduler?: pulumi.Input<string>;
  /** Scheduler flags (-b): sh-fallback, sh-port (sh), mh-fallback, mh-port (mh), flag-1..3. Default: none (no -b). */
  schedFlags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Persistence timeout in seconds (-p). Default: not persistent. */
  persistence?: pulumi.Input<number>;
  /** Persistence netmask (-M). Default: none (no -M: ipvsadm's default, persistence per client address). Only with persistence. */
  netmask?: pulumi.Input<string>;
  /** One-packet scheduling (-o), UDP only. Default false. */
  onePacket?: pulumi.Input<boolean>;
}

type Props = ServiceInputs & {
  connection: ConnectionArgs;
  /** The service's key ({ protocol, address, port }, or { protocol: "fwmark", fwmark }): pass it to its real servers. */
  key?: ServiceKey;
};

function keyOf(s: VirtualService): ServiceKey {
  return s.protocol === "fwmark"
    ? { protocol: "fwmark", fwmark: s.fwmark, ...(s.family ? { family: s.family } : {}) }
    : { protocol: s.protocol, address: s.address, port: s.port };
}

function outputs(p: Props, svc: VirtualService): Props {
  return { ...p, ...svc, key: keyOf(svc) };
}

export const IPVS_SERVICE = defineKind<Props>({
  type: "IpvsService",
  id: (p) => `${targetOf(p.connection)}/${serviceKeyText(normalizeService(p))}`,
  fields: {
    replace: ["protocol", "address", "port", "fwmark", "family"],
    update: ["scheduler", "schedFlags", "persistence", "netmask", "onePacket"],
    output: ["key"],
  },
  file: __filename,
  notes: "`ipvsadm -E` carries the complete entry; delete (`-D`) removes its real servers",
  check: checkService,
  normalize: (p) => ({ ...p, ...normalizeService(p) }),
  deleteBeforeReplace: () => false,
});

export const ipvsServiceProvider = kindProvider<Props>(IPVS_SERVICE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const svc = normalizeService(inputs);
    const { table } = await readIpvs(t);
    const plan = planService(table, svc, "create");
    const existing = plan.live;
    if (plan.action === "conflict" && existing) {
      throw new Error(
        `ssh ${t.target}: IPVS service ${serviceKeyText(svc)} already exists with different settings ` +
          `(scheduler ${existing.scheduler}${existing.persistence !== undefined ? `, persistence ${existing.persistence}` : ""}); ` +
          `declare what is live with the \`import\` option to adopt it (docs/adoption.md), or delete it on the host`,
      );
    }
    // Already there as declared (an earlier run died after adding it): adopted, and its save for boot made sure of.
    if (plan.action === "add") await changeIpvs(t, serviceArgs("-A", svc), putService(svc));
    else await saveIpvs(t);
    return { id: IPVS_SERVICE.id!(inputs), outs: outputs(inputs, svc) };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("IpvsService", id);
    const t = sshTransport(props.connection);
    const want = normalizeService(props);
    const { table } = await readIpvs(t);
    const live = table.services.find((s) => sameKey(s, want));
    if (!live) return { id: "", props };
    const { persistence: _p, netmask: _n, ...rest } = props;
    return { id, props: outputs(rest, live) };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const svc = normalizeService(news);
    const plan = planService((await readIpvs(t)).table, svc, "update");
    if (plan.action === "add") await changeIpvs(t, serviceArgs("-A", svc), putService(svc));
    else if (plan.action === "edit") await changeIpvs(t, serviceArgs("-E", svc), putService(svc));
    return { outs: outputs(news, svc) };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const svc = normalizeService(props);
    const { table } = await readIpvs(t);
    if (table.services.some((s) => sameKey(s, svc))) await changeIpvs(t, deleteServiceArgs(svc), dropService(svc));
  },
});

/** An IPVS virtual service on a director. */
export class IpvsService extends LvsResource {
  /** The service's identity, to pass to IpvsRealServer's `service`. */
  declare readonly key: pulumi.Output<ServiceKey>;
  declare readonly scheduler: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string | undefined>;
  declare readonly port: pulumi.Output<number | undefined>;

  constructor(name: string, args: IpvsServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(IPVS_SERVICE, ipvsServiceProvider, name, args, opts);
  }
}
