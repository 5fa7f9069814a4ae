// IpvsService: a virtual service (`ipvsadm -A/-E/-D`).
//
// Replaces on: connection host/port, protocol, address, port, fwmark, family.
// Updates in place (`ipvsadm -E` with the complete entry): scheduler,
// schedFlags, persistence, netmask, onePacket. Deleting the service removes
// its real servers too (that is what `ipvsadm -D` does).
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { ServiceKey, VirtualService, sameKey, serviceKeyText } from "./model";
import { changeIpvs, readIpvs } from "./host";
import { dropService, planService, putService } from "./plan";
import { deleteServiceArgs, serviceArgs } from "./render";
import { checkService, normalizeService, ServiceInputs } from "./validate";
import { providerRef } from "../common/providerRef";

export interface IpvsServiceArgs {
  /** The director. */
  connection: pulumi.Input<ConnectionArgs>;
  /** tcp (default), udp, sctp or fwmark. Replaces. */
  protocol?: pulumi.Input<"tcp" | "udp" | "sctp" | "fwmark">;
  /** The VIP (IPv4 or IPv6). Replaces. Not for fwmark. */
  address?: pulumi.Input<string>;
  /** The service port; 0 = all ports (needs persistence). Replaces. */
  port?: pulumi.Input<number>;
  /** Firewall mark, for protocol fwmark. Replaces. */
  fwmark?: pulumi.Input<number>;
  /** Address family of an fwmark service: inet (default) or inet6. Replaces. */
  family?: pulumi.Input<"inet" | "inet6">;
  /** One of ipvsadm's 13 schedulers. Default wlc (ipvsadm's default). In place. */
  scheduler?: pulumi.Input<string>;
  /** Scheduler flags (-b): sh-fallback, sh-port (sh), mh-fallback, mh-port (mh), flag-1..3. In place. */
  schedFlags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Persistence timeout in seconds (-p). Default: not persistent. In place. */
  persistence?: pulumi.Input<number>;
  /** Persistence netmask (-M). In place. */
  netmask?: pulumi.Input<string>;
  /** One-packet scheduling (-o), UDP only. Default false. In place. */
  onePacket?: pulumi.Input<boolean>;
}

type Props = ServiceInputs & { connection: ConnectionArgs; key?: ServiceKey };

const IDENTITY = ["protocol", "address", "port", "fwmark", "family"];
const IN_PLACE = ["scheduler", "schedFlags", "persistence", "netmask", "onePacket"];

function keyOf(s: VirtualService): ServiceKey {
  return s.protocol === "fwmark"
    ? { protocol: "fwmark", fwmark: s.fwmark, ...(s.family ? { family: s.family } : {}) }
    : { protocol: s.protocol, address: s.address, port: s.port };
}

function outputs(p: Props, svc: VirtualService): Props {
  return { ...p, ...svc, key: keyOf(svc) };
}

export const ipvsServiceProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkService(news);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = { ...olds, ...normalizeService(olds) };
    const b = { ...news, ...normalizeService(news) };
    const own = changedProps(a, b, { replace: IDENTITY, update: IN_PLACE });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0, replaces, deleteBeforeReplace: false };
  },

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
          `delete it on the host or import it into the stack first`,
      );
    }
    if (plan.action === "add") await changeIpvs(t, serviceArgs("-A", svc), putService(svc));
    return { id: `${t.target}/${serviceKeyText(svc)}`, outs: outputs(inputs, svc) };
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
};

/** An IPVS virtual service on a director. */
export class IpvsService extends pulumi.dynamic.Resource {
  /** The service's identity, to pass to IpvsRealServer's `service`. */
  declare readonly key: pulumi.Output<ServiceKey>;
  declare readonly scheduler: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string | undefined>;
  declare readonly port: pulumi.Output<number | undefined>;

  constructor(name: string, args: IpvsServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "ipvsServiceProvider", ipvsServiceProvider), name, { ...args, key: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "IpvsService");
  }
}
