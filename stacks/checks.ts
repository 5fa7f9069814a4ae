// Cross-host checks a stack runs before it declares anything: a failure stops
// the program at preview, so nothing on any host changes. Each check returns
// messages naming the hosts and values; `assertTopology` throws them together.
// Addresses are IPv4 or IPv6 (parsed and compared with ipaddr.js, by value:
// 2001:db8::1 is 2001:0db8:0:0::1); an address or address/prefix that does
// not parse throws an Error naming it.
import * as ipaddr from "ipaddr.js";

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * One address, or undefined. IPv4 must be dotted-quad decimal without leading
 * zeros: ipaddr.js alone also reads 10.1, 0x0a.0.0.1 and octal 010.0.0.1 (as
 * 8.0.0.1). IPv6 may end in a dotted quad (::ffff:192.0.2.1) but may not be
 * the deprecated ::a.b.c.d, which ipaddr.js reads as ::ffff:a.b.c.d, nor
 * carry a zone (fe80::1%eth0).
 */
function tryParseIp(ip: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip);
  if (!ipaddr.IPv6.isValid(ip) || ip.includes("%")) return undefined;
  const tail = ip.slice(ip.lastIndexOf(":") + 1);
  if (tail.includes(".") && (!ipaddr.IPv4.isValidFourPartDecimal(tail) || ip === `::${tail}`)) return undefined;
  return ipaddr.IPv6.parse(ip);
}

/** One address; `where` (a host and interface, say) prefixes the error. */
function parseIp(ip: string, where?: string): Ip {
  const addr = tryParseIp(ip);
  if (!addr) throw new Error(`${where ? `${where}: ` : ""}not an IP address: ${JSON.stringify(ip)}`);
  return addr;
}

/** address/prefix; the prefix is decimal, at most 32 (IPv4) or 128 (IPv6). */
function parseCidr(cidr: string, where?: string): [Ip, number] {
  const bad = (why: string) => new Error(`${where ? `${where}: ` : ""}not an address/prefix: ${JSON.stringify(cidr)}${why}`);
  const m = /^([^/]+)\/(0|[1-9]\d*)$/.exec(cidr);
  if (!m) throw bad("");
  const addr = tryParseIp(m[1]);
  if (!addr) throw bad(` (not an IP address: ${JSON.stringify(m[1])})`);
  const bits = Number(m[2]);
  const max = addr.kind() === "ipv4" ? 32 : 128;
  if (bits > max) throw bad(` (an ${addr.kind() === "ipv4" ? "IPv4" : "IPv6"} prefix is at most ${max})`);
  return [addr, bits];
}

/** Is `addr` inside `net`/`bits`? Never across families (an IPv4-mapped IPv6 address is IPv6). */
function contains(net: Ip, bits: number, addr: Ip): boolean {
  return addr.kind() === net.kind() && addr.match(net, bits);
}

/** Same address, by value. */
function sameIp(a: Ip, b: Ip): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

/** Is `ip` inside `cidr` (address/prefix, IPv4 or IPv6)? Different families are never inside each other. */
export function inSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = parseCidr(cidr);
  return contains(net, bits, parseIp(ip));
}

/** The network of an address/prefix: 192.0.2.20/24 -> 192.0.2.0/24, 2001:db8::5/64 -> 2001:db8::/64. */
export function networkCidr(cidr: string): string {
  const [addr, bits] = parseCidr(cidr);
  const canonical = `${addr.toString()}/${bits}`;
  const net = addr.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(canonical) : ipaddr.IPv6.networkAddressFromCIDR(canonical);
  return `${net.toString()}/${bits}`;
}

/** The `addresses` key under which a host's `address` (no interface known) is checked. */
export const ADDRESS_KEY = "address";

export interface HostAddresses {
  name: string;
  /** nic -> address/prefix */
  addresses: Record<string, string>;
}

/** The VIP must not be any host's own address (compared by value, IPv4 or IPv6). */
export function vipNotOwned(vip: string, hosts: HostAddresses[]): string[] {
  const v = parseIp(vip, "the VIP");
  return hosts.flatMap((h) =>
    Object.entries(h.addresses)
      .filter(([nic, cidr]) => sameIp(parseIp(cidr.split("/")[0], `host ${h.name} ${nic}`), v))
      .map(([nic]) => `the VIP ${vip} is ${h.name}'s own address${nic === ADDRESS_KEY ? "" : ` on ${nic}`}; pick a free address`),
  );
}

/** DR real servers must share a subnet (an L2 segment) with the director's interface. */
export function drSameSubnet(director: HostAddresses, nic: string, realServers: HostAddresses[]): string[] {
  const cidr = director.addresses[nic];
  if (!cidr) return [`director ${director.name} has no address on ${nic}`];
  const [net, bits] = parseCidr(cidr, `director ${director.name} ${nic}`);
  return realServers
    .filter(
      (rs) => !Object.entries(rs.addresses).some(([rsNic, a]) => contains(net, bits, parseIp(a.split("/")[0], `host ${rs.name} ${rsNic}`))),
    )
    .map(
      (rs) =>
        `DR real server ${rs.name} (${Object.values(rs.addresses).join(", ")}) is not on director ${director.name}'s subnet ${cidr} (${nic}); LVS-DR needs one L2 segment`,
    );
}

/** "IPv4" or "IPv6": the family of an address; `where` prefixes the error when it is neither. */
export function familyOf(ip: string, where?: string): "IPv4" | "IPv6" {
  return parseIp(ip, where).kind() === "ipv4" ? "IPv4" : "IPv6";
}

/**
 * An IPVS service forwards to real servers of its own address family (ipvsadm refuses another family but for a
 * tunnel): each real server's address (the one the director forwards to) must be the VIP's family.
 */
export function vipFamilyMatches(vip: string, realServers: { name: string; address: string }[]): string[] {
  const want = familyOf(vip, "the VIP");
  return realServers.flatMap((rs) => {
    const got = familyOf(rs.address, `real server ${rs.name}`);
    if (got === want) return [];
    const how = want === "IPv6" ? "its inventory `addresses6` (interface: address/prefix)" : "its inventory `addresses`";
    return [
      `the VIP ${vip} is ${want} but real server ${rs.name}'s address ${rs.address} is ${got}; an IPVS service forwards within its address family: give ${rs.name} an ${want} address in ${how}, or pick an ${got} VIP`,
    ];
  });
}

/**
 * The VIP's prefix on the director is not broader than the director's segment on `nic` (the segment's prefix or
 * longer, up to a host prefix): a broader one adds an on-link route that claims addresses off the segment.
 */
export function vipPrefixOnSegment(vip: string, prefix: number, director: HostAddresses, nic: string): string[] {
  const cidr = director.addresses[nic];
  if (!cidr) return [];
  const [net, bits] = parseCidr(cidr, `director ${director.name} ${nic}`);
  const v = parseIp(vip, "the VIP");
  if (v.kind() !== net.kind() || prefix >= bits) return [];
  return [
    `the VIP ${vip}/${prefix} on director ${director.name} ${nic} is broader than its segment ${cidr}: its on-link route would claim addresses off the segment; give the VIP the segment's prefix ${bits} or ${v.kind() === "ipv4" ? 32 : 128} (vipPrefix)`,
  ];
}

export interface VrrpPeer {
  host: string;
  state: "MASTER" | "BACKUP";
  priority: number;
  virtualRouterId: number;
  /** Compared for equality only; never printed. */
  authPass?: string;
  interface: string;
}

/** A VRRP pair: same VRID and auth, distinct priorities, exactly one MASTER, the MASTER the highest. */
export function vrrpPair(peers: VrrpPeer[]): string[] {
  const out: string[] = [];
  if (peers.length < 2) out.push(`a VRRP group needs at least two hosts; got ${peers.map((p) => p.host).join(", ") || "none"}`);
  const vrids = new Set(peers.map((p) => p.virtualRouterId));
  if (vrids.size > 1)
    out.push(`hosts of one VRRP group must share virtual_router_id; got ${peers.map((p) => `${p.host}=${p.virtualRouterId}`).join(", ")}`);
  if (new Set(peers.map((p) => p.authPass ?? "")).size > 1)
    out.push(`hosts of one VRRP group must share the authentication pass (${peers.map((p) => p.host).join(", ")} differ)`);
  const prios = peers.map((p) => p.priority);
  if (new Set(prios).size !== prios.length)
    out.push(`hosts of one VRRP group need distinct priorities; got ${peers.map((p) => `${p.host}=${p.priority}`).join(", ")}`);
  const masters = peers.filter((p) => p.state === "MASTER");
  if (masters.length !== 1)
    out.push(`a VRRP group needs exactly one MASTER; got ${masters.length} (${masters.map((p) => p.host).join(", ") || "none"})`);
  else if (peers.some((p) => p !== masters[0] && p.priority > masters[0].priority)) {
    out.push(
      `the MASTER ${masters[0].host} (priority ${masters[0].priority}) must have the highest priority; got ${peers.map((p) => `${p.host}=${p.priority}`).join(", ")}`,
    );
  }
  return out;
}

/** Throws every failure at once, prefixed with the stack's name. */
export function assertTopology(stack: string, failures: string[]): void {
  if (failures.length) throw new Error(`stack ${stack}: refusing to touch any host:\n  - ${failures.join("\n  - ")}`);
}

/** The largest firewall mark (32 bits; 0 is no mark) and the most ports one iptables multiport match takes. */
const MAX_FWMARK = 4294967295;
const MAX_MULTIPORT = 15;

/**
 * A firewall-mark service: its mark 1..4294967295, and 1 to 15 distinct ports 1..65535 (the VIP's ports the
 * director's one MARK rule matches with `-m multiport --dports`).
 */
export function fwmarkService(mark: number, ports: number[]): string[] {
  const out: string[] = [];
  if (!Number.isInteger(mark) || mark < 1 || mark > MAX_FWMARK)
    out.push(`the firewall mark must be an integer 1..${MAX_FWMARK} (0 is no mark); got ${mark}`);
  if (ports.length < 1 || ports.length > MAX_MULTIPORT)
    out.push(
      `a firewall-mark service groups 1 to ${MAX_MULTIPORT} ports (one iptables multiport match); got ${ports.length} (${ports.join(", ")})`,
    );
  const bad = ports.filter((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad.length) out.push(`the firewall-mark service's ports must be integers 1..65535; got ${bad.join(", ")}`);
  const twice = [...new Set(ports.filter((p, i) => ports.indexOf(p) !== i))];
  if (twice.length)
    out.push(`the firewall-mark service's ports must be distinct; got ${twice.join(", ")} more than once (${ports.join(", ")})`);
  return out;
}
