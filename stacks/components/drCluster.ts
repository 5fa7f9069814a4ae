// LVS-DR with one director (the seed's DR topology): the VIP as an alias on
// the director's interface, the DR sysctls, an IPVS service and one `route`
// (-g) real server per host, each prepared with drRealServer.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, SysctlSet, VipAlias } from "../../providers";
import { drSameSubnet, HostAddresses } from "../checks";
import { ClusterHost, clusterAddress } from "../hosts";
import { drDirectorSysctls, drRealServer } from "./drRealServer";
import { checkedVip } from "./known";

export interface DrClusterArgs {
  /** The director: it holds the VIP and the IPVS table. Required. Another host replaces the director's resources. */
  director: ClusterHost;
  /** Director interface on the real servers' segment. Required. A change replaces the director's VIP alias. */
  nic: string;
  /** The VIP; may be an Output. Required. A change replaces the VIP aliases, the IPVS service and its real servers. */
  vip: pulumi.Input<string>;
  /** Prefix of the VIP alias on the director. Default 32. A change replaces the alias. */
  vipPrefix?: pulumi.Input<number>;
  /** The service's TCP port (DR keeps it: the real servers listen on it too). Default 80. A change replaces the service and its real servers. */
  port?: pulumi.Input<number>;
  /** IPVS scheduler (rr, wrr, lc, ...). Default rr. Updated in place. */
  scheduler?: pulumi.Input<string>;
  /**
   * The real servers (route, -g), each with the VIP on lo:0; on the director's subnet on `nic` (checked when the
   * director's `addresses` give it). Required. A host added or removed adds or removes its resources only.
   */
  realServers: {
    /** Required. Another host replaces its resources. */
    host: ClusterHost;
    /** IPVS weight. Default 1. Updated in place. */
    weight?: pulumi.Input<number>;
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
 * The VIP of cluster `name`, checked (no host's address; the real servers on
 * the director's subnet on `nic`, when its `addresses` give it): throws every
 * failure at once when the values are plain, else checks once they resolve
 * (see checkedVip). A program that declares resources before the cluster can
 * call it first, so that a bad cluster is refused before anything registers.
 */
export function checkDrCluster(name: string, args: DrClusterArgs): pulumi.Input<string> {
  const d = args.director;
  const rss = args.realServers.map((r) => r.host);
  return checkedVip(name, args.vip, [d, ...rss, ...(args.otherHosts ?? [])], (_v, known) =>
    d.addresses?.[args.nic] ? drSameSubnet(known[0], args.nic, known.slice(1, 1 + rss.length)) : [],
  );
}

/**
 * LVS-DR with one director. Outputs: `vip`, `port`, `director`, `service` and
 * `realServers`; every child is parented to the cluster.
 */
export class DrCluster extends pulumi.ComponentResource {
  /** The VIP. */
  readonly vip: pulumi.Output<string>;
  /** The service's port. */
  readonly port: pulumi.Output<number>;
  /** The IPVS service on the VIP, on the director. */
  readonly service: IpvsService;
  /** The director's name. */
  readonly director: string;
  /** The real servers, in the order given. */
  readonly realServers: pulumi.Output<ClusterRealServer[]>;

  constructor(name: string, args: DrClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything registers: a bad topology fails the preview with its own message.
    const vip = checkDrCluster(name, args);
    super("pulumi-lvs:stacks:DrCluster", name, {}, opts);
    const nic = args.nic;
    const d = args.director;
    const port = args.port ?? 80;
    const sysctls = new SysctlSet(
      `${name}-director-sysctls`,
      { connection: d.connection, name: "90-lvs-dr", values: drDirectorSysctls(nic) },
      { parent: this },
    );
    new VipAlias(
      `${name}-director-vip`,
      { connection: d.connection, address: vip, prefix: args.vipPrefix ?? 32, interface: nic, label: `${nic}:0`, gratuitousArp: true },
      { parent: this, dependsOn: [sysctls] },
    );
    this.service = new IpvsService(
      `${name}-service`,
      { connection: d.connection, address: vip, port, scheduler: args.scheduler ?? "rr" },
      { parent: this },
    );
    // The service's identity, known at preview when the VIP and port are (the
    // service's `key` output is unknown while the service itself is updated).
    const key = pulumi.all([vip, port]).apply(([address, p]) => ({ protocol: "tcp" as const, address, port: p }));
    for (const r of args.realServers) {
      const alias = drRealServer(name, r.host, vip, { parent: this });
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        {
          connection: d.connection,
          service: key,
          address: clusterAddress(r.host),
          method: "route",
          weight: r.weight ?? 1,
          gracefulDeleteTimeoutSeconds: 20,
        },
        { parent: this, dependsOn: [this.service, alias] },
      );
    }
    this.realServers = pulumi
      .all(args.realServers.map((r) => pulumi.all([clusterAddress(r.host), r.weight ?? 1])))
      .apply((rs) => rs.map(([address, weight], i) => ({ host: args.realServers[i].host.name, address, weight })));
    this.vip = pulumi.output(vip);
    this.port = pulumi.output(port);
    this.director = d.name;
    this.registerOutputs({ vip: this.vip, port: this.port, director: this.director, service: this.service, realServers: this.realServers });
  }
}
