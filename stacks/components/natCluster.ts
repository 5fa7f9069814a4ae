// LVS-NAT (the seed's first lab): forwarding on the director, SNAT of the
// inside network out of the WAN side, the real servers' default gateway set
// to the director's inside address (DIP), an IPVS service on the VIP and
// one masquerading real server per host.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, NatRule, Route, SysctlSet, VipAlias } from "../../providers";
import { assertTopology, inSubnet, networkCidr } from "../checks";
import { addressOf, Host } from "../hosts";

export interface NatClusterArgs {
  director: Host;
  /** Director interface towards the clients (the VIP side). */
  wanNic: string;
  /** Director interface towards the real servers (the DIP side). */
  lanNic: string;
  /** The VIP; the seed uses the director's own WAN address. */
  vip: string;
  port?: number;
  scheduler?: string;
  realServers: { host: Host; weight?: number }[];
}

export class NatCluster extends pulumi.ComponentResource {
  readonly vip: string;
  readonly dip: string;

  constructor(name: string, args: NatClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:NatCluster", name, {}, opts);
    const wan = args.wanNic;
    const lan = args.lanNic;
    const d = args.director;
    const lanCidr = d.addresses[lan];
    const failures: string[] = [];
    if (!lanCidr) failures.push(`director ${d.name} has no address on ${lan} (the DIP side)`);
    if (!d.addresses[wan]) failures.push(`director ${d.name} has no address on ${wan} (the VIP side)`);
    for (const r of args.realServers) {
      if (lanCidr && !Object.values(r.host.addresses).some((a) => inSubnet(a.split("/")[0], lanCidr))) {
        failures.push(
          `NAT real server ${r.host.name} is not on the director's inside subnet ${lanCidr}: its replies would not return through the director`,
        );
      }
      if (Object.values(r.host.addresses).some((a) => a.split("/")[0] === args.vip))
        failures.push(`the VIP ${args.vip} is real server ${r.host.name}'s own address`);
    }
    assertTopology(name, failures);
    this.dip = addressOf(d, lan);
    const insideNet = networkCidr(lanCidr);

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
        to: addressOf(d, wan),
      },
      { parent: this, dependsOn: [fwd] },
    );
    const ownVip = Object.values(d.addresses).some((a) => a.split("/")[0] === args.vip);
    const vipAlias = ownVip
      ? []
      : [
          new VipAlias(
            `${name}-vip`,
            {
              connection: d.connection,
              address: args.vip,
              prefix: Number(d.addresses[wan].split("/")[1]),
              interface: wan,
              label: `${wan}:0`,
              gratuitousArp: true,
            },
            { parent: this },
          ),
        ];
    const service = new IpvsService(
      `${name}-service`,
      { connection: d.connection, address: args.vip, port: args.port ?? 80, scheduler: args.scheduler ?? "rr" },
      { parent: this, dependsOn: [fwd, ...vipAlias] },
    );
    // The service's identity, known at preview (its `key` output is unknown while it is updated).
    const key = { protocol: "tcp" as const, address: args.vip, port: args.port ?? 80 };
    for (const r of args.realServers) {
      const gw = new Route(
        `${name}-${r.host.name}-gateway`,
        { connection: r.host.connection, destination: "default", via: this.dip, dev: lan },
        { parent: this },
      );
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        { connection: d.connection, service: key, address: addressOf(r.host), method: "masq", weight: r.weight ?? 1 },
        { parent: this, dependsOn: [service, gw] },
      );
    }
    this.vip = args.vip;
    this.registerOutputs({});
  }
}
