// Cross-host checks a stack runs before it declares anything: a failure stops
// the program at preview, so nothing on any host changes. Each check returns
// messages naming the hosts and values; `assertTopology` throws them together.

/** 32-bit value of a dotted IPv4 address. */
function ipv4ToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** Is `ip` inside `cidr` (a.b.c.d/len)? */
export function inSubnet(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split("/");
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net) & mask);
}

/** The network of an address/prefix: 192.168.118.20/24 -> 192.168.118.0/24. */
export function networkCidr(cidr: string): string {
  const [ip, len] = cidr.split("/");
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const n = (ipv4ToInt(ip) & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".")}/${bits}`;
}

export interface HostAddresses {
  name: string;
  /** nic -> address/prefix */
  addresses: Record<string, string>;
}

/** The VIP must not be any host's own address. */
export function vipNotOwned(vip: string, hosts: HostAddresses[]): string[] {
  return hosts.flatMap((h) =>
    Object.entries(h.addresses)
      .filter(([, cidr]) => cidr.split("/")[0] === vip)
      .map(([nic]) => `the VIP ${vip} is ${h.name}'s own address on ${nic}; pick a free address`),
  );
}

/** DR real servers must share a subnet (an L2 segment) with the director's interface. */
export function drSameSubnet(director: HostAddresses, nic: string, realServers: HostAddresses[]): string[] {
  const cidr = director.addresses[nic];
  if (!cidr) return [`director ${director.name} has no address on ${nic}`];
  return realServers
    .filter((rs) => !Object.values(rs.addresses).some((a) => inSubnet(a.split("/")[0], cidr)))
    .map(
      (rs) =>
        `DR real server ${rs.name} (${Object.values(rs.addresses).join(", ")}) is not on director ${director.name}'s subnet ${cidr} (${nic}); LVS-DR needs one L2 segment`,
    );
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
