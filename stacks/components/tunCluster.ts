// LVS-TUN with one director (the course's third mode): the director holds the
// VIP and sends each request to a real server inside an IP tunnel (ipip, or
// gre), so the real servers may sit behind routers; each real server takes the
// packet off its tunnel device, where it holds the VIP, and answers the client
// directly. What each real server needs: the tunnel's kernel module (loaded
// and persisted), the VIP on the tunnel device, rp_filter off on that device
// (the client's address arrives there but routes out elsewhere), and the ARP
// settings, for a real server that shares the VIP's segment.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, KernelModule, SysctlSet, VipAlias } from "../../providers";
import { HostAddresses } from "../checks";
import { ClusterHost, clusterAddress } from "../hosts";
import type { ClusterRealServer } from "./drCluster";
import { checkedVip } from "./known";

/** The tunnel types the topology prepares real servers for: IPVS's type, the module and the device that receives. */
export const TUN_KINDS = {
  ipip: { module: "ipip", device: "tunl0" },
  gre: { module: "ip_gre", device: "gre0" },
} as const;
export type TunKind = keyof typeof TUN_KINDS;

/**
 * A TUN real server's sysctls. The kernel filters by the larger of `all` and the device's rp_filter, so both go
 * to 0 for the tunnel device; every other interface keeps its own (a strict eth0 stays strict).
 */
export function tunRealServerSysctls(device: string): Record<string, string> {
  return {
    [`net.ipv4.conf.${device}.rp_filter`]: "0",
    "net.ipv4.conf.all.rp_filter": "0",
    "net.ipv4.conf.all.arp_ignore": "1",
    "net.ipv4.conf.all.arp_announce": "2",
  };
}

export interface TunClusterArgs {
  /** The director: it holds the VIP and the IPVS table. Required. Another host replaces the director's resources. */
  director: ClusterHost;
  /** Director interface that holds the VIP (on the clients' side). Required. A change replaces the director's VIP alias. */
  nic: string;
  /** The VIP; may be an Output. Required. A change replaces the VIP aliases, the IPVS service and its real servers. */
  vip: pulumi.Input<string>;
  /** Prefix of the VIP alias on the director. Default 32. A change replaces the alias. */
  vipPrefix?: pulumi.Input<number>;
  /** The service's TCP port (the real servers listen on it too). Default 80. A change replaces the service and its real servers. */
  port?: pulumi.Input<number>;
  /** IPVS scheduler (rr, wrr, lc, ...). Default rr. Updated in place. */
  scheduler?: pulumi.Input<string>;
  /** ipip (tunl0) or gre (gre0). Default ipip. A change replaces each real server's tunnel resources. */
  tunType?: TunKind;
  /**
   * The real servers (tunnel, -i), anywhere the director routes to: unlike DR, no shared segment. Required. A host
   * added or removed adds or removes its resources only.
   */
  realServers: {
    /** Required. Another host replaces its resources. */
    host: ClusterHost;
    /** IPVS weight. Default 1. Updated in place. */
    weight?: pulumi.Input<number>;
  }[];
  /** Other hosts whose addresses the VIP must not be (clients, routers, ...); only checked. Default none. */
  otherHosts?: HostAddresses[];
}

/**
 * One TUN real server: its tunnel module, sysctls and the VIP on the tunnel device (set up, as `ifconfig tunl0
 * VIP up`); returns the VIP resource. Resources `<prefix>-<host>-module`, `-tun` and `-vip`, each with `opts`.
 */
export function tunRealServer(
  prefix: string,
  rs: ClusterHost,
  vip: pulumi.Input<string>,
  tunType: TunKind,
  opts: pulumi.CustomResourceOptions = {},
): VipAlias {
  const { module, device } = TUN_KINDS[tunType];
  const mod = new KernelModule(`${prefix}-${rs.name}-module`, { connection: rs.connection, name: module }, opts);
  const sysctls = new SysctlSet(
    `${prefix}-${rs.name}-tun`,
    { connection: rs.connection, name: "90-lvs-tun-rs", values: tunRealServerSysctls(device) },
    { ...opts, dependsOn: [mod] },
  );
  return new VipAlias(
    `${prefix}-${rs.name}-vip`,
    { connection: rs.connection, address: vip, prefix: 32, interface: device, linkUp: true },
    { ...opts, dependsOn: [sysctls] },
  );
}

/**
 * LVS-TUN with one director. Outputs: `vip`, `port`, `director`, `service` and `realServers`; every child is
 * parented to the cluster.
 */
export class TunCluster extends pulumi.ComponentResource {
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

  constructor(name: string, args: TunClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const d = args.director;
    const rss = args.realServers.map((r) => r.host);
    // Checked before anything registers: the VIP is no host's address.
    const vip = checkedVip(name, args.vip, [d, ...rss, ...(args.otherHosts ?? [])]);
    super("pulumi-lvs:stacks:TunCluster", name, {}, opts);
    const port = args.port ?? 80;
    const tunType = args.tunType ?? "ipip";
    new VipAlias(
      `${name}-director-vip`,
      {
        connection: d.connection,
        address: vip,
        prefix: args.vipPrefix ?? 32,
        interface: args.nic,
        label: `${args.nic}:0`,
        gratuitousArp: true,
      },
      { parent: this },
    );
    this.service = new IpvsService(
      `${name}-service`,
      { connection: d.connection, address: vip, port, scheduler: args.scheduler ?? "rr" },
      { parent: this },
    );
    const key = pulumi.all([vip, port]).apply(([address, p]) => ({ protocol: "tcp" as const, address, port: p }));
    for (const r of args.realServers) {
      const alias = tunRealServer(name, r.host, vip, tunType, { parent: this });
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        {
          connection: d.connection,
          service: key,
          address: clusterAddress(r.host),
          method: "tunnel",
          // ipip is IPVS's default: said only for the others (older ipvsadm lacks --tun-type).
          ...(tunType === "ipip" ? {} : { tunType }),
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
