// LVS-NAT (the seed's first lab): forwarding on the director, SNAT of the
// inside network out of the WAN side, the real servers' default gateway set
// to the director's inside address (DIP), an IPVS service on the VIP and
// one masquerading real server per host.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, NatRule, Route, SysctlSet, VipAlias } from "../../providers";
import { assertTopology, inSubnet, networkCidr } from "../checks";
import { addressOf, ClusterHost, clusterAddress } from "../hosts";
import { checkedVip } from "./known";
import type { ClusterRealServer } from "./drCluster";

export interface NatClusterArgs {
  /**
   * The director: forwards, SNATs the inside network and holds the IPVS table; its `addresses` must give `wanNic`
   * and `lanNic` (the SNAT rule, the DIP and the alias prefix come from them). Required. Another host replaces the
   * director's resources.
   */
  director: ClusterHost;
  /** Director interface towards the clients (the VIP side). Required. A change replaces the SNAT rule (and the VIP alias, when there is one). */
  wanNic: string;
  /** Director interface towards the real servers (the DIP side). Required. A change updates the real servers' default routes (and replaces the SNAT rule when the inside network changes). */
  lanNic: string;
  /**
   * The VIP; the seed uses the director's own WAN address (then no alias is added). A plain string: whether an alias
   * is added is decided at preview. Required. A change replaces the IPVS service and its real servers (and the VIP
   * alias).
   */
  vip: string;
  /** The service's TCP port (the real servers listen on it too). Default 80. A change replaces the service and its real servers. */
  port?: pulumi.Input<number>;
  /** IPVS scheduler (rr, wrr, lc, ...). Default rr. Updated in place. */
  scheduler?: pulumi.Input<string>;
  /** The real servers (masq, -m) on the director's inside subnet. Required. A host added or removed adds or removes its resources only. */
  realServers: {
    /** On the director's inside subnet (checked once its address is known). Required. Another host replaces its resources. */
    host: ClusterHost;
    /** IPVS weight. Default 1. Updated in place. */
    weight?: pulumi.Input<number>;
  }[];
}

/**
 * LVS-NAT with one director. Outputs: `vip`, `dip`, `port`, `director`,
 * `service` and `realServers`; every child is parented to the cluster.
 */
export class NatCluster extends pulumi.ComponentResource {
  /** The VIP. */
  readonly vip: string;
  /** The director's inside address: the real servers' default gateway. */
  readonly dip: string;
  /** The service's port. */
  readonly port: pulumi.Output<number>;
  /** The director's name. */
  readonly director: string;
  /** The IPVS service on the VIP, on the director. */
  readonly service: IpvsService;
  /** The real servers, in the order given. */
  readonly realServers: pulumi.Output<ClusterRealServer[]>;

  constructor(name: string, args: NatClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const wan = args.wanNic;
    const lan = args.lanNic;
    const d = args.director;
    const addresses = d.addresses ?? {};
    const lanCidr = addresses[lan];
    const failures: string[] = [];
    if (!lanCidr) failures.push(`director ${d.name} has no address on ${lan} (the DIP side)`);
    if (!addresses[wan]) failures.push(`director ${d.name} has no address on ${wan} (the VIP side)`);
    assertTopology(name, failures);
    const rss = args.realServers.map((r) => r.host);
    // Checked before anything registers: a bad topology fails the preview with its own message.
    // The real servers (by the addresses known, after the director in `known`).
    const vip = checkedVip(name, args.vip, [{ name: d.name }, ...rss], (_v, known) =>
      known
        .slice(1)
        .flatMap((rs) =>
          Object.values(rs.addresses).some((a) => inSubnet(a.split("/")[0], lanCidr))
            ? []
            : [
                `NAT real server ${rs.name} is not on the director's inside subnet ${lanCidr}: its replies would not return through the director`,
              ],
        ),
    );
    super("pulumi-lvs:stacks:NatCluster", name, {}, opts);
    this.dip = addressOf({ name: d.name, addresses }, lan);
    const insideNet = networkCidr(lanCidr);
    const port = args.port ?? 80;

    const fwd = new SysctlSet(
      `${name}-forwarding`,
      { connection: d.connection, name: "90-lvs-nat", values: { "net.ipv4.ip_forward": "1" } },
      { parent: this },
    );
    new NatRule(
      `${name}-snat`,
      {
        connection: d.connection,
        name: `${name}-snat`,
        chain: "POSTROUTING",
        source: insideNet,
        outInterface: wan,
        target: "SNAT",
        to: addressOf({ name: d.name, addresses }, wan),
      },
      { parent: this, dependsOn: [fwd] },
    );
    const ownVip = Object.values(addresses).some((a) => a.split("/")[0] === args.vip);
    const vipAlias = ownVip
      ? []
      : [
          new VipAlias(
            `${name}-vip`,
            {
              connection: d.connection,
              address: vip,
              prefix: Number(addresses[wan].split("/")[1]),
              interface: wan,
              label: `${wan}:0`,
              gratuitousArp: true,
            },
            { parent: this },
          ),
        ];
    this.service = new IpvsService(
      `${name}-service`,
      { connection: d.connection, address: vip, port, scheduler: args.scheduler ?? "rr" },
      { parent: this, dependsOn: [fwd, ...vipAlias] },
    );
    // The service's identity, known at preview (its `key` output is unknown while it is updated).
    const key = pulumi.all([vip, port]).apply(([address, p]) => ({ protocol: "tcp" as const, address, port: p }));
    for (const r of args.realServers) {
      const gw = new Route(
        `${name}-${r.host.name}-gateway`,
        { connection: r.host.connection, destination: "default", via: this.dip, dev: lan },
        { parent: this },
      );
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        { connection: d.connection, service: key, address: clusterAddress(r.host), method: "masq", weight: r.weight ?? 1 },
        { parent: this, dependsOn: [this.service, gw] },
      );
    }
    this.realServers = pulumi
      .all(args.realServers.map((r) => pulumi.all([clusterAddress(r.host), r.weight ?? 1])))
      .apply((rs) => rs.map(([address, weight], i) => ({ host: args.realServers[i].host.name, address, weight })));
    this.vip = args.vip;
    this.port = pulumi.output(port);
    this.director = d.name;
    this.registerOutputs({
      vip: this.vip,
      dip: this.dip,
      port: this.port,
      director: this.director,
      service: this.service,
      realServers: this.realServers,
    });
  }
}
