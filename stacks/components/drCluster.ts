// LVS-DR with one director (the seed's DR topology): the VIP as an alias on
// the director's interface, the DR sysctls, an IPVS service and one `route`
// (-g) real server per host, each prepared with drRealServer.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, SysctlSet, VipAlias } from "../../providers";
import { assertTopology, drSameSubnet, HostAddresses, vipNotOwned } from "../checks";
import { addressOf, Host } from "../hosts";
import { drDirectorSysctls, drRealServer } from "./drRealServer";

export interface DrClusterArgs {
  /** The director: it holds the VIP and the IPVS table. Required. Another host replaces the director's resources. */
  director: Host;
  /** Director interface on the real servers' segment. Required. A change replaces the director's VIP alias. */
  nic: string;
  /** The VIP. Required. A change replaces the VIP aliases, the IPVS service and its real servers. */
  vip: string;
  /** Prefix of the VIP alias on the director. Default 32. A change replaces the alias. */
  vipPrefix?: number;
  /** The service's TCP port (DR keeps it: the real servers listen on it too). Default 80. A change replaces the service and its real servers. */
  port?: number;
  /** IPVS scheduler (rr, wrr, lc, ...). Default rr. Updated in place. */
  scheduler?: string;
  /** The real servers (route, -g), each with the VIP on lo:0. Required. A host added or removed adds or removes its resources only. */
  realServers: {
    /** Required. */
    host: Host;
    /** IPVS weight. Default 1. Updated in place. */
    weight?: number;
  }[];
  /** Other hosts whose addresses the VIP must not be (clients, ...); only checked. Default none. */
  otherHosts?: HostAddresses[];
}

/** A real server of a cluster, as the cluster registers it. */
export interface ClusterRealServer {
  /** The host's name. */
  host: string;
  /** The address the director forwards to. */
  address: string;
  /** Its IPVS weight. */
  weight: number;
}

/**
 * LVS-DR with one director. Outputs: `vip`, `port`, `director`, `service` and
 * `realServers`; every child is parented to the cluster.
 */
export class DrCluster extends pulumi.ComponentResource {
  /** The VIP. */
  readonly vip: string;
  /** The service's port. */
  readonly port: number;
  /** The IPVS service on the VIP, on the director. */
  readonly service: IpvsService;
  /** The director's name. */
  readonly director: string;
  /** The real servers, in the order given. */
  readonly realServers: ClusterRealServer[];

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
    this.realServers = [];
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
      this.realServers.push({ host: r.host.name, address: addressOf(r.host), weight: r.weight ?? 1 });
    }
    this.vip = args.vip;
    this.port = key.port;
    this.director = d.name;
    this.registerOutputs({ vip: this.vip, port: this.port, director: this.director, service: this.service, realServers: this.realServers });
  }
}
