// LVS-DR with one director (the seed's DR topology): the VIP as an alias on
// the director's interface, the DR sysctls, an IPVS service and one `route`
// (-g) real server per host, each prepared with drRealServer.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, SysctlSet, VipAlias } from "../../providers";
import { assertTopology, drSameSubnet, HostAddresses, vipNotOwned } from "../checks";
import { addressOf, Host } from "../hosts";
import { drDirectorSysctls, drRealServer } from "./drRealServer";

export interface DrClusterArgs {
  director: Host;
  /** Director interface on the real servers' segment. */
  nic: string;
  vip: string;
  /** Prefix of the VIP alias on the director. Default 32. */
  vipPrefix?: number;
  port?: number;
  scheduler?: string;
  realServers: { host: Host; weight?: number }[];
  /** Other hosts whose addresses the VIP must not be (clients, ...). */
  otherHosts?: HostAddresses[];
}

export class DrCluster extends pulumi.ComponentResource {
  readonly vip: string;
  readonly service: IpvsService;

  constructor(name: string, args: DrClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:DrCluster", name, {}, opts);
    const nic = args.nic;
    const rss = args.realServers.map((r) => r.host);
    assertTopology(name, [
      ...vipNotOwned(args.vip, [args.director, ...rss, ...(args.otherHosts ?? [])]),
      ...drSameSubnet(args.director, nic, rss),
    ]);
    const d = args.director;
    const sysctls = new SysctlSet(
      `${name}-director-sysctls`,
      { connection: d.connection, name: "90-lvs-dr", values: drDirectorSysctls(nic) },
      { parent: this },
    );
    new VipAlias(
      `${name}-director-vip`,
      { connection: d.connection, address: args.vip, prefix: args.vipPrefix ?? 32, interface: nic, label: `${nic}:0`, gratuitousArp: true },
      { parent: this, dependsOn: [sysctls] },
    );
    this.service = new IpvsService(
      `${name}-service`,
      { connection: d.connection, address: args.vip, port: args.port ?? 80, scheduler: args.scheduler ?? "rr" },
      { parent: this },
    );
    // The service's identity, known at preview (the service's `key` output is
    // unknown while the service itself is being updated).
    const key = { protocol: "tcp" as const, address: args.vip, port: args.port ?? 80 };
    for (const r of args.realServers) {
      const vip = drRealServer(name, r.host, args.vip, { parent: this });
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        {
          connection: d.connection,
          service: key,
          address: addressOf(r.host),
          method: "route",
          weight: r.weight ?? 1,
          gracefulDeleteTimeoutSeconds: 20,
        },
        { parent: this, dependsOn: [this.service, vip] },
      );
    }
    this.vip = args.vip;
    this.registerOutputs({});
  }
}
