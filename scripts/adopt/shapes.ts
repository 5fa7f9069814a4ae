// Which of adopt's findings have the exact shape of a component, so that the
// generated program declares the component (adopting every child) instead of
// raw resources. The test is strict: the component must declare, field for
// field, what is live (its own pure functions say what it declares), or the
// findings stay raw resources. Pure: findings in, shapes and the rest out.
//
// DrCluster: a director with a TCP service on a VIP that is a `<nic>:0` alias
// of it, the DR director sysctls, real servers all `-g` on the service's port
// without thresholds, each one an adopted host whose address the inventory
// gives, with the VIP on lo:0 (host route) and the DR ARP sysctls.
import { RealServer, sameKey, VirtualService } from "../../providers/ipvs/model";
import { DR_ARP_SYSCTLS, drDirectorSysctls } from "../../stacks/components/drRealServer";
import { FoundVip, sysctlDefault } from "./discover";
import type { AdoptedHost } from "./program";

/** A hand-built DR cluster, as DrCluster's args (host names for hosts). */
export interface DrShape {
  director: string;
  nic: string;
  vip: string;
  vipPrefix: number;
  port: number;
  scheduler: string;
  persistence?: number;
  realServers: { host: string; weight: number }[];
}

/**
 * The sysctls `wanted` sets, when the host's findings (its non-default values) agree with every one of them: a wanted
 * value equal to the kernel's default must be absent from the findings. undefined when one disagrees.
 */
function claimSysctls(found: Record<string, string>, wanted: Record<string, string>): string[] | undefined {
  for (const [k, v] of Object.entries(wanted)) {
    const live = found[k] ?? sysctlDefault(k);
    if (live !== v) return undefined;
  }
  return Object.keys(wanted).filter((k) => k in found);
}

/** A real server host of a cluster: its lo:0 VIP and the ARP sysctls the cluster declares. */
interface Member {
  h: AdoptedHost;
  lo: FoundVip;
  arp: string[];
  weight: number;
}

function without<T>(list: T[], drop: T[]): T[] {
  return list.filter((x) => !drop.includes(x));
}

function omit(values: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => !keys.includes(k)));
}

/** A service DrCluster can declare: TCP on an address and port, no scheduler flags, no persistence netmask, no one-packet. */
function drService(s: VirtualService): boolean {
  return s.protocol === "tcp" && s.address !== undefined && !s.schedFlags.length && s.netmask === undefined && !s.onePacket;
}

/** A real server DrCluster can declare for service `s`: -g on the service's port, no thresholds. */
function drServer(rs: RealServer, s: VirtualService): boolean {
  return rs.method === "route" && rs.port === s.port && !rs.upperThreshold && !rs.lowerThreshold;
}

/**
 * The DR clusters among the hosts' findings, and the hosts with what the clusters declare taken out (declared raw by
 * the program as before). A host is the director of one cluster at most, and a real server of one.
 */
export function findDrClusters(hosts: AdoptedHost[]): { clusters: DrShape[]; rest: AdoptedHost[] } {
  const rest = hosts.map((h) => ({ ...h, findings: { ...h.findings } }));
  const clusters: DrShape[] = [];
  const taken = new Set<string>();
  for (const d of rest) {
    if (taken.has(d.name)) continue;
    const f = d.findings;
    for (const s of f.services.filter(drService)) {
      const vip = f.vips.find((v) => v.address === s.address && v.label === `${v.interface}:0` && !v.hostRoute);
      if (!vip) continue;
      const directorSysctls = claimSysctls(f.sysctls, drDirectorSysctls(vip.interface));
      const servers = f.realServers.filter((rs) => sameKey(rs.service, s));
      if (!directorSysctls || !servers.length || !servers.every((rs) => drServer(rs, s))) continue;
      const members = servers
        .map((rs) => {
          const h = rest.find((x) => x.name !== d.name && !taken.has(x.name) && x.address === rs.address);
          const lo = h?.findings.vips.find((v) => v.address === s.address && v.interface === "lo" && v.label === "lo:0" && v.prefix === 32);
          const arp = h ? claimSysctls(h.findings.sysctls, DR_ARP_SYSCTLS) : undefined;
          return h && lo?.hostRoute && arp ? { h, lo, arp, weight: rs.weight } : undefined;
        })
        .filter((m): m is Member => m !== undefined);
      if (members.length !== servers.length || new Set(members.map((m) => m.h.name)).size !== members.length) continue;
      clusters.push({
        director: d.name,
        nic: vip.interface,
        vip: s.address!,
        vipPrefix: vip.prefix,
        port: s.port!,
        scheduler: s.scheduler,
        ...(s.persistence !== undefined ? { persistence: s.persistence } : {}),
        realServers: members.map((m) => ({ host: m.h.name, weight: m.weight })),
      });
      d.findings = {
        ...f,
        services: without(f.services, [s]),
        realServers: without(f.realServers, servers),
        vips: without(f.vips, [vip]),
        sysctls: omit(f.sysctls, directorSysctls),
      };
      for (const m of members) {
        const g = m.h.findings;
        m.h.findings = { ...g, vips: without(g.vips, [m.lo]), sysctls: omit(g.sysctls, m.arp) };
        taken.add(m.h.name);
      }
      taken.add(d.name);
      break;
    }
  }
  return { clusters, rest };
}
