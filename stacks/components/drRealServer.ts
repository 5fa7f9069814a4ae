// What LVS-DR needs on every real server (the seed's realserver script): the
// VIP on lo:0 as /32 with a host route, and arp_ignore=1 / arp_announce=2 on
// lo and all, so only the director answers ARP for the VIP.
import * as pulumi from "@pulumi/pulumi";
import { SysctlSet, VipAlias } from "../../providers";
import type { ClusterHost } from "../hosts";

export const DR_ARP_SYSCTLS = {
  "net.ipv4.conf.lo.arp_ignore": "1",
  "net.ipv4.conf.lo.arp_announce": "2",
  "net.ipv4.conf.all.arp_ignore": "1",
  "net.ipv4.conf.all.arp_announce": "2",
};

/** The director's sysctls for DR (the seed: no forwarding, no ICMP redirects). */
export function drDirectorSysctls(nic: string): Record<string, string> {
  return {
    "net.ipv4.ip_forward": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.default.send_redirects": "0",
    [`net.ipv4.conf.${nic}.send_redirects`]: "0",
  };
}

/**
 * The VIP on lo:0 and the ARP sysctls on one real server; returns the VIP
 * resource. The resources are `<prefix>-<host>-arp` (SysctlSet) and
 * `<prefix>-<host>-vip` (VipAlias), both with `opts` (pass `{ parent }` from a
 * component) and `persist` when given; the VIP alias depends on the sysctls
 * and on `opts.dependsOn`.
 */
export function drRealServer(
  prefix: string,
  rs: ClusterHost,
  vip: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions = {},
  persist?: boolean,
): VipAlias {
  return vipOnLo(
    { prefix, rs, vip, opts, persist },
    { suffix: "arp", name: "90-lvs-dr-rs", values: DR_ARP_SYSCTLS },
    { prefix: 32, label: "lo:0", hostRoute: true },
  );
}

/**
 * The director's IPv6 sysctls for DR: no forwarding (as `net.ipv4.ip_forward=0` for IPv4), and no duplicate address
 * detection on `nic`, so the VIP answers as soon as it is added (a tentative address is neither delivered to nor
 * announced for a second or two; keepalived adds its IPv6 VIPs with nodad for the same reason). IPv6 sends no
 * redirects unless it forwards.
 */
export function drDirectorSysctls6(nic: string): Record<string, string> {
  return { "net.ipv6.conf.all.forwarding": "0", [`net.ipv6.conf.${nic.replace(/\./g, "/")}.accept_dad`]: "0" };
}

/**
 * A DR real server's IPv6 sysctls: IPv6 on lo (where the VIP goes). No ND setting is needed: Linux answers a neighbour
 * solicitation only for an address on the interface it arrived on (ndisc_recv_ns looks the target up with
 * ipv6_get_ifaddr(..., dev, strict=1)), solicits from an address of the outgoing interface only (ndisc_solicit), and
 * runs no DAD on lo (addrconf_dad_begin skips IFF_LOOPBACK): the VIP on lo is never announced on the segment.
 */
export const DR6_RS_SYSCTLS = { "net.ipv6.conf.lo.disable_ipv6": "0" };

/**
 * drRealServer for an IPv6 VIP: IPv6 on lo, and the VIP on lo as /128 (no label: labels are IPv4 only). The
 * resources are `<prefix>-<host>-sysctls` (SysctlSet) and `<prefix>-<host>-vip` (VipAlias), with `opts`; the VIP
 * depends on the sysctls and on `opts.dependsOn`.
 */
export function drRealServer6(
  prefix: string,
  rs: ClusterHost,
  vip: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions = {},
  persist?: boolean,
): VipAlias {
  return vipOnLo({ prefix, rs, vip, opts, persist }, { suffix: "sysctls", name: "90-lvs-dr6-rs", values: DR6_RS_SYSCTLS }, { prefix: 128 });
}

/**
 * The shared shape of drRealServer and drRealServer6: the SysctlSet `<prefix>-<host>-<suffix>`, then the VIP on lo as
 * VipAlias `<prefix>-<host>-vip`, which depends on the sysctls and on `opts.dependsOn`.
 */
function vipOnLo(
  on: { prefix: string; rs: ClusterHost; vip: pulumi.Input<string>; opts: pulumi.CustomResourceOptions; persist?: boolean },
  sysctls: { suffix: string; name: string; values: Record<string, string> },
  alias: { prefix: number; label?: string; hostRoute?: boolean },
): VipAlias {
  const { prefix, rs, vip, opts, persist } = on;
  const p = persist === undefined ? {} : { persist };
  const set = new SysctlSet(
    `${prefix}-${rs.name}-${sysctls.suffix}`,
    { connection: rs.connection, name: sysctls.name, values: sysctls.values, ...p },
    opts,
  );
  return new VipAlias(
    `${prefix}-${rs.name}-vip`,
    { connection: rs.connection, address: vip, interface: "lo", ...alias, ...p },
    { ...opts, dependsOn: [...dependencies(opts.dependsOn), set] },
  );
}

/**
 * `dependsOn` as a list. An Output or Promise (of a resource or a list) stays
 * one element: the SDK resolves the elements of a dependsOn list recursively.
 */
function dependencies(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}
