// LVS-DR with one director (the seed's DR topology): the VIP as an alias on
// the director's interface, the DR sysctls, an IPVS service and one `route`
// (-g) real server per host, each prepared with drRealServer. With `fwmark`,
// the service is a firewall-mark service (ipvsadm -f) that groups several of
// the VIP's ports, marked by a MARK rule in the director's mangle table.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, NatRule, SysctlSet, VipAlias } from "../../providers";
import type { ServiceKey } from "../../providers/ipvs/model";
import { drSameSubnet, fwmarkService, HostAddresses } from "../checks";
import { ClusterHost, clusterAddress } from "../hosts";
import { drDirectorSysctls, drDirectorSysctls6, drRealServer, drRealServer6 } from "./drRealServer";
import { checkedVip } from "./known";
import { IMPORT_AS_DECLARED } from "../../providers/common/define";
import { isIPv6 } from "node:net";
import { assertTopology, vipFamilyMatches, vipPrefixOnSegment } from "../checks";
import { clusterAddress6 } from "../hosts";

export interface DrClusterArgs {
  /** The director: it holds the VIP and the IPVS table. Required. Another host replaces the director's resources. */
  director: ClusterHost;
  /** Director interface on the real servers' segment. Required. A change replaces the director's VIP alias. */
  nic: string;
  /** The VIP; may be an Output. Required. A change replaces the VIP aliases, the IPVS service and its real servers. */
  vip: pulumi.Input<string>;
  /** Prefix of the VIP alias on the director. Default 32. A change replaces the alias. */
  vipPrefix?: pulumi.Input<number>;
  /**
   * The service's TCP port (DR keeps it: the real servers listen on it too). Default 80. A change replaces the service
   * and its real servers. Not with `fwmark` (its ports say which ports the service takes).
   */
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
  /**
   * The service's address family. "ipv6": the VIP on `nic` without a label (prefix `vipPrefix`, default 64) after the
   * IPv6 director sysctls (`90-lvs-dr6`: no forwarding, no DAD on `nic`); on each real server the VIP on lo as /128
   * after `net.ipv6.conf.lo.disable_ipv6=0` (`90-lvs-dr6-rs`; an address on lo is never announced on another
   * interface, so no ND sysctl is needed); each real server reached at its IPv6 address (clusterAddress6 on `nic`).
   * Checked: every real server's address is the VIP's family and on the director's IPv6 segment on `nic`; no fwmark.
   * Default: "ipv6" when the VIP is a plain IPv6 address, else "ipv4". A change replaces every resource.
   */
  family?: "ipv4" | "ipv6";
  /**
   * One firewall-mark service for several TCP ports of the VIP instead of the VIP:port service: the director marks
   * `-d VIP -p tcp -m multiport --dports <ports>` with `mark` (a NatRule `<name>-mark` in iptables' mangle table,
   * PREROUTING) and the IPVS service is `-f <mark>`; `port` is not used. Default: none (a TCP service on VIP:port).
   * A change of the mark replaces the rule, the service and its real servers; a change of the ports replaces the rule.
   */
  fwmark?: DrFwmark;
  /**
   * Persistence timeout of the service in seconds (-p): a client's connections, to any of an fwmark service's ports,
   * go to the same real server for this long. Default: not persistent. Updated in place.
   */
  persistence?: pulumi.Input<number>;
  /**
   * Whether the VIP aliases, the sysctls and the MARK rule come back at boot (their systemd units and /etc/sysctl.d
   * files). Default true. false: live only, as a cluster built by hand leaves them. Updated in place.
   */
  persist?: boolean;
  /**
   * Take over a cluster built by hand: every child adopts the live object its own inputs name (the `import` option
   * with IMPORT_AS_DECLARED, see docs/adoption.md), so the first up changes nothing on any host, and fails, changing
   * nothing, naming each field, when a live object differs from the cluster's. `retainOnDelete` given to the cluster
   * reaches every child. Default false. A change after the first up changes nothing (it is updated in place).
   */
  adopt?: boolean;
}

/** The firewall mark and the ports of a DrCluster's fwmark service. */
export interface DrFwmark {
  /** The mark, 1..4294967295. Required. A change replaces the MARK rule, the service and its real servers. */
  mark: pulumi.Input<number>;
  /** The VIP's TCP ports it groups: 1 to 15, distinct, 1..65535. Required. A change replaces the MARK rule. */
  ports: pulumi.Input<number[]>;
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
  // adopt and persist decide what up does to hosts: only a plain boolean will do (JavaScript callers, config values).
  assertTopology(
    name,
    (["adopt", "persist"] as const)
      .filter((k) => args[k] !== undefined && typeof args[k] !== "boolean")
      .map((k) => `${k} must be true or false; got ${JSON.stringify(args[k])}`),
  );
  if (drFamily(args) === "ipv6") return checkDrCluster6(name, args);
  const d = args.director;
  const rss = args.realServers.map((r) => r.host);
  const fw = args.fwmark;
  // The mark and ports when given as plain values (else the MARK rule's own check refuses bad ones).
  const fwFailures =
    fw && typeof fw.mark === "number" && Array.isArray(fw.ports) && fw.ports.every((p) => typeof p === "number")
      ? [
          ...fwmarkService(fw.mark, fw.ports),
          ...(args.port !== undefined
            ? [`port ${String(args.port)} is not used by a firewall-mark service; give its ports in fwmark.ports`]
            : []),
        ]
      : [];
  return checkedVip(name, args.vip, [d, ...rss, ...(args.otherHosts ?? [])], (_v, known) => [
    ...(d.addresses?.[args.nic] ? drSameSubnet(known[0], args.nic, known.slice(1, 1 + rss.length)) : []),
    ...fwFailures,
  ]);
}

/**
 * LVS-DR with one director. Outputs: `vip`, `port`, `director`, `service` and
 * `realServers` (and `markRule` with `fwmark`); every child is parented to the cluster.
 */
export class DrCluster extends pulumi.ComponentResource {
  /** The VIP. */
  readonly vip: pulumi.Output<string>;
  /** The service's port (80, unused, with `fwmark`). */
  readonly port: pulumi.Output<number>;
  /** The IPVS service on the VIP, on the director. */
  readonly service: IpvsService;
  /** The director's name. */
  readonly director: string;
  /** The real servers, in the order given. */
  readonly realServers: pulumi.Output<ClusterRealServer[]>;
  /** With `fwmark`: the director's MARK rule (`<name>-mark`). */
  readonly markRule?: NatRule;

  constructor(name: string, args: DrClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything registers: a bad topology fails the preview with its own message.
    const vip = checkDrCluster(name, args);
    super("pulumi-lvs:stacks:DrCluster", name, {}, opts);
    // Every child: parented, adopting when asked, kept at destroy when the cluster is.
    const child = (o: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
      parent: this,
      ...(args.adopt ? { import: IMPORT_AS_DECLARED } : {}),
      ...(opts?.retainOnDelete !== undefined ? { retainOnDelete: opts.retainOnDelete } : {}),
      ...o,
    });
    const persist = args.persist === undefined ? {} : { persist: args.persist };
    const nic = args.nic;
    const d = args.director;
    const port = args.port ?? 80;
    // IPv6: its own sysctls, no label (IPv4 only), no gratuitous ARP (IPv4's), the segment's prefix by default.
    const v6 = drFamily(args) === "ipv6";
    const sysctls = new SysctlSet(
      `${name}-director-sysctls`,
      v6
        ? { connection: d.connection, name: "90-lvs-dr6", values: drDirectorSysctls6(nic), ...persist }
        : { connection: d.connection, name: "90-lvs-dr", values: drDirectorSysctls(nic), ...persist },
      child(),
    );
    new VipAlias(
      `${name}-director-vip`,
      v6
        ? { connection: d.connection, address: vip, prefix: args.vipPrefix ?? 64, interface: nic, ...persist }
        : {
            connection: d.connection,
            address: vip,
            prefix: args.vipPrefix ?? 32,
            interface: nic,
            label: `${nic}:0`,
            gratuitousArp: true,
            ...persist,
          },
      child({ dependsOn: [sysctls] }),
    );
    const fw = args.fwmark;
    // The rule's name is its comment (pulumi-lvs:<name>-mark) and its boot unit's (pulumi-lvs-nat-<name>-mark.service).
    this.markRule = fw
      ? new NatRule(
          `${name}-mark`,
          {
            connection: d.connection,
            name: `${name}-mark`,
            chain: "PREROUTING",
            target: "MARK",
            destination: vip,
            protocol: "tcp",
            ports: fw.ports,
            mark: fw.mark,
            ...persist,
          },
          child(),
        )
      : undefined;
    const scheduler = args.scheduler ?? "rr";
    const persistence = args.persistence !== undefined ? { persistence: args.persistence } : {};
    this.service = new IpvsService(
      `${name}-service`,
      fw
        ? { connection: d.connection, protocol: "fwmark", fwmark: fw.mark, scheduler, ...persistence }
        : { connection: d.connection, address: vip, port, scheduler, ...persistence },
      child(this.markRule ? { dependsOn: [this.markRule] } : {}),
    );
    // The service's identity, known at preview when the VIP and port (or the mark) are (the
    // service's `key` output is unknown while the service itself is updated).
    const key: pulumi.Output<ServiceKey> = fw
      ? pulumi.output(fw.mark).apply((fwmark) => ({ protocol: "fwmark" as const, fwmark }))
      : pulumi.all([vip, port]).apply(([address, p]) => ({ protocol: "tcp" as const, address, port: p }));
    const address = (h: ClusterHost) => (v6 ? realServerAddress6(h, nic) : clusterAddress(h));
    for (const r of args.realServers) {
      const alias = (v6 ? drRealServer6 : drRealServer)(name, r.host, vip, child(), args.persist);
      new IpvsRealServer(
        `${name}-${r.host.name}`,
        {
          connection: d.connection,
          service: key,
          address: address(r.host),
          method: "route",
          weight: r.weight ?? 1,
          gracefulDeleteTimeoutSeconds: 20,
        },
        child({ dependsOn: [this.service, alias] }),
      );
    }
    this.realServers = pulumi
      .all(args.realServers.map((r) => pulumi.all([address(r.host), r.weight ?? 1])))
      .apply((rs) => rs.map(([address, weight], i) => ({ host: args.realServers[i].host.name, address, weight })));
    this.vip = pulumi.output(vip);
    this.port = pulumi.output(port);
    this.director = d.name;
    this.registerOutputs({
      vip: this.vip,
      port: this.port,
      director: this.director,
      service: this.service,
      realServers: this.realServers,
      ...(this.markRule ? { markRule: this.markRule } : {}),
    });
  }
}

// ---------------------------------------------------------------------------
// The IPv6 family: the same cluster (same component, same child names) on an
// IPv6 VIP. The IPv4 path above is unchanged.

/** The cluster's address family: `family` when given, else the VIP's when it is plain, else IPv4. */
export function drFamily(args: Pick<DrClusterArgs, "vip" | "family">): "ipv4" | "ipv6" {
  return args.family ?? (typeof args.vip === "string" && isIPv6(args.vip) ? "ipv6" : "ipv4");
}

/** The address the director forwards to: the host's IPv6 address (on `nic` first), else its address (the family check names it). */
function realServerAddress6(h: ClusterHost, nic: string): pulumi.Input<string> {
  return clusterAddress6(h, nic) ?? clusterAddress(h);
}

/**
 * checkDrCluster for an IPv6 cluster: the VIP is no host's IPv6 address, and every real server's address is the VIP's
 * family and on the director's IPv6 segment on `nic` (when the director's `addresses6` give it).
 */
function checkDrCluster6(name: string, args: DrClusterArgs): pulumi.Input<string> {
  const { director: d, nic } = args;
  const rss = args.realServers.map((r) => r.host);
  const as6 = (h: ClusterHost) => ({
    name: h.name,
    addresses: h.addresses6 ?? {},
    address: h.address6 ?? (typeof h.address === "string" && isIPv6(h.address) ? h.address : undefined),
  });
  return checkedVip(name, args.vip, [as6(d), ...rss.map(as6), ...(args.otherHosts ?? [])], (v, known) => {
    if (!isIPv6(v)) return [`the cluster's family is ipv6 but the VIP ${v} is IPv4`];
    const forwarded = rss
      .map((h) => ({ name: h.name, address: realServerAddress6(h, nic) }))
      .filter((r): r is { name: string; address: string } => typeof r.address === "string");
    const failures = vipFamilyMatches(v, forwarded);
    if (args.fwmark) failures.push("an IPv6 DrCluster has no firewall-mark service; drop fwmark or use an IPv4 VIP");
    const segment = known[0].addresses[nic];
    if (segment) {
      const director = { name: d.name, addresses: { [nic]: segment } };
      const same = forwarded.filter((r) => isIPv6(r.address)).map((r) => ({ name: r.name, addresses: { [nic]: r.address } }));
      failures.push(...drSameSubnet(director, nic, same));
      if (typeof args.vipPrefix === "number") failures.push(...vipPrefixOnSegment(v, args.vipPrefix, director, nic));
    } else if (d.addresses?.[nic] || d.addresses6) {
      failures.push(
        `director ${d.name} has no IPv6 address on ${nic} (its addresses6 has ${Object.keys(d.addresses6 ?? {}).join(", ") || "none"}); add ${nic}: <address>/<prefix> to its inventory addresses6`,
      );
    }
    return failures;
  });
}
