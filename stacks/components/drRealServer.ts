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
 * component); the VIP alias depends on the sysctls and on `opts.dependsOn`.
 */
export function drRealServer(
  prefix: string,
  rs: ClusterHost,
  vip: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions = {},
): VipAlias {
  const arp = new SysctlSet(`${prefix}-${rs.name}-arp`, { connection: rs.connection, name: "90-lvs-dr-rs", values: DR_ARP_SYSCTLS }, opts);
  return new VipAlias(
    `${prefix}-${rs.name}-vip`,
    { connection: rs.connection, address: vip, prefix: 32, interface: "lo", label: "lo:0", hostRoute: true },
    { ...opts, dependsOn: [...dependencies(opts.dependsOn), arp] },
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
