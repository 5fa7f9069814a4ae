// The pure core of `npm run status`: the one command read from each host, its
// parse (addresses, daemons, the IPVS table with `--stats` and `--rate`), the
// HAProxy's servers from its stats socket (`show stat`), the cluster view
// assembled from every host's reading and the stack's outputs, and its text
// rendering. No I/O here (scripts/review/status.ts does it).
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";

export const STATUS_SEP = "__PULUMI_LVS_STATUS__";
const DAEMONS = ["keepalived", "haproxy", "nginx"] as const;

/** The one read-only command line run on each host per refresh. */
export function statusCommand(): string {
  const sep = `echo ${STATUS_SEP}`;
  return [
    "ip -o -4 addr show",
    sep,
    `systemctl is-active ${DAEMONS.join(" ")} 2>/dev/null || true`,
    sep,
    // The IPVS table only where the module is loaded: reading it must not load it.
    `if [ -e /proc/net/ip_vs ]; then ipvsadm -Ln --exact; ${sep}; ipvsadm -Ln --stats --exact; ${sep}; ipvsadm -Ln --rate --exact; else ${sep}; ${sep}; fi`,
    sep,
    // HAProxy's own view of its servers, where its stats socket is (socat, else OpenBSD netcat).
    `if [ -S ${HAPROXY_SOCKET} ]; then echo 'show stat' | { socat stdio UNIX-CONNECT:${HAPROXY_SOCKET} 2>/dev/null || nc -NU ${HAPROXY_SOCKET} 2>/dev/null; } || true; fi`,
  ].join("; ");
}

/** The stats socket the managed haproxy.cfg opens (providers/haproxy/core.ts, renderHaproxyMain). */
export const HAPROXY_SOCKET = "/run/haproxy/admin.sock";

/** One HAProxy server as its stats socket reports it. */
export interface HaproxyServerStatus {
  /** The backend (or listen section). */
  proxy: string;
  server: string;
  /** UP, DOWN, MAINT, DRAIN, "no check", ... */
  status: string;
  weight: number;
  /** Current sessions. */
  sessions: number;
  /** Sessions since start. */
  total: number;
  /** Sessions per second over the last second. */
  rate: number;
  /** The last health check's result (L4OK, L7OK, L4CON, ...), "" without checks. */
  check: string;
}

/** The servers (not FRONTEND/BACKEND rows) of `show stat`'s CSV; its header names the columns. */
export function parseHaproxyStat(csv: string): HaproxyServerStatus[] {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines.find((l) => l.startsWith("# "));
  if (!header) return [];
  const cols = header.slice(2).split(",");
  const at = (row: string[], name: string) => row[cols.indexOf(name)] ?? "";
  return lines
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.split(","))
    .filter((row) => !["FRONTEND", "BACKEND"].includes(at(row, "svname")))
    .map((row) => ({
      proxy: at(row, "pxname"),
      server: at(row, "svname"),
      status: at(row, "status"),
      weight: num(at(row, "weight")),
      sessions: num(at(row, "scur")),
      total: num(at(row, "stot")),
      rate: num(at(row, "rate")),
      check: at(row, "check_status"),
    }));
}

export interface RealServerStatus {
  address: string;
  port: number;
  forward: string;
  weight: number;
  activeConns: number;
  inactiveConns: number;
  /** Connections since the service was created (`--stats`). */
  conns: number;
  /** Connections per second (`--rate`). */
  cps: number;
  /** "up"; "quiesced" (weight 0); "removed" (declared by the stack but not in the table: a checker took it out). */
  health: "up" | "quiesced" | "removed";
}

export interface VirtualServiceStatus {
  director: string;
  /** "TCP 192.168.118.100:80", "FWM 10". */
  key: string;
  scheduler: string;
  /** Flags after the scheduler (persistent 300, ...). */
  flags: string;
  conns: number;
  cps: number;
  inBps: number;
  outBps: number;
  realServers: RealServerStatus[];
}

export interface HostReading {
  host: string;
  /** The error when the host could not be read; the rest is then empty. */
  error?: string;
  /** interface -> IPv4 addresses (without prefix). */
  addresses: Record<string, string[]>;
  /** Daemons among keepalived, haproxy, nginx that are active. */
  active: string[];
  services: VirtualServiceStatus[];
  /** HAProxy's servers, where it runs with its stats socket. */
  haproxy: HaproxyServerStatus[];
}

interface Row {
  key: string;
  fields: string[];
}

/** Service and server lines of one `ipvsadm -Ln` listing: services with their servers' rows. */
function ipvsRows(text: string): { service: Row; servers: Row[] }[] {
  const out: { service: Row; servers: Row[] }[] = [];
  for (const line of text.split("\n")) {
    const server = /^\s+->\s+(\S+)\s*(.*)$/.exec(line);
    if (server) {
      if (server[1] === "RemoteAddress:Port") continue;
      out[out.length - 1]?.servers.push({ key: server[1], fields: server[2].trim().split(/\s+/).filter(Boolean) });
      continue;
    }
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s*(.*)$/.exec(line);
    if (svc) out.push({ service: { key: `${svc[1]} ${svc[2]}`, fields: svc[3].trim().split(/\s+/).filter(Boolean) }, servers: [] });
  }
  return out;
}

/** "192.168.118.30:80" or "[2001:db8::1]:80" -> address and port. */
function hostPort(s: string): { address: string; port: number } {
  const m = /^\[?(.+?)\]?:(\d+)$/.exec(s);
  return m ? { address: m[1], port: Number(m[2]) } : { address: s, port: 0 };
}

const num = (s: string | undefined) => (s === undefined || s === "" ? 0 : Number(s));

/** The IPVS table from `ipvsadm -Ln --exact`, `--stats --exact` and `--rate --exact`. */
export function parseIpvs(director: string, list: string, stats: string, rate: string): VirtualServiceStatus[] {
  const st = new Map(ipvsRows(stats).map((r) => [r.service.key, r]));
  const rt = new Map(ipvsRows(rate).map((r) => [r.service.key, r]));
  return ipvsRows(list).map(({ service, servers }) => {
    const s = st.get(service.key);
    const r = rt.get(service.key);
    const field = (rows: Row[] | undefined, key: string, i: number) => num(rows?.find((x) => x.key === key)?.fields[i]);
    return {
      director,
      key: service.key,
      scheduler: service.fields[0] ?? "",
      flags: service.fields.slice(1).join(" "),
      conns: num(s?.service.fields[0]),
      cps: num(r?.service.fields[0]),
      inBps: num(r?.service.fields[3]),
      outBps: num(r?.service.fields[4]),
      realServers: servers.map((x) => {
        const weight = num(x.fields[1]);
        return {
          ...hostPort(x.key),
          forward: x.fields[0] ?? "",
          weight,
          activeConns: num(x.fields[2]),
          inactiveConns: num(x.fields[3]),
          conns: field(s?.servers, x.key, 0),
          cps: field(r?.servers, x.key, 0),
          health: weight === 0 ? "quiesced" : "up",
        };
      }),
    };
  });
}

/** One host's reading from the output of statusCommand(). */
export function parseReading(host: string, out: string): HostReading {
  const [addrs = "", daemons = "", list = "", stats = "", rate = "", haproxy = ""] = out.split(`${STATUS_SEP}\n`);
  const addresses: Record<string, string[]> = {};
  for (const line of addrs.split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
    if (m) (addresses[m[1]] ??= []).push(m[2]);
  }
  const states = daemons.trim().split("\n");
  const active = DAEMONS.filter((_, i) => states[i]?.trim() === "active");
  return { host, addresses, active, services: parseIpvs(host, list, stats, rate), haproxy: parseHaproxyStat(haproxy) };
}

export interface StackFacts {
  stack: string;
  vip: string;
  /** host -> role, the stack's `hosts` output. */
  roles: Record<string, string>;
  /** The stack's `vrrp` output, when it has keepalived groups. */
  vrrp: VrrpGroupDescription[];
}

export interface ClusterStatus {
  stack: string;
  vip: string;
  /** Hosts holding the VIP on an interface other than lo (DR real servers hold it on lo, by design). */
  vipHolders: string[];
  /** VRRP groups: their VIP, the hosts holding it and the members' declared roles. */
  vrrp: { vip: string; holders: string[]; members: { host: string; declared: string; holds: boolean; keepalived: boolean }[] }[];
  hosts: { host: string; role: string; reachable: boolean; error?: string; active: string[] }[];
  services: VirtualServiceStatus[];
  /** HAProxy's servers per host that runs it (the VIP holder's carry the traffic). */
  haproxy: { host: string; holdsVip: boolean; servers: HaproxyServerStatus[] }[];
  warnings: string[];
  /** One line of drift, when asked for (`--drift`). */
  drift?: string;
}

const holders = (vip: string, readings: HostReading[]) =>
  readings.filter((r) => Object.entries(r.addresses).some(([nic, a]) => nic !== "lo" && a.includes(vip))).map((r) => r.host);

/** The cluster view: who holds each VIP, the services with their real servers and health, the warnings. */
export function clusterStatus(facts: StackFacts, readings: HostReading[]): ClusterStatus {
  const warnings: string[] = [];
  for (const r of readings) if (r.error) warnings.push(`${r.host} unreachable: ${r.error}`);
  const vipHolders = holders(facts.vip, readings);
  if (vipHolders.length === 0) warnings.push(`NO HOST HOLDS THE VIP ${facts.vip}: clients get no answer`);
  if (vipHolders.length > 1) warnings.push(`SPLIT BRAIN: ${vipHolders.join(" and ")} all hold the VIP ${facts.vip}`);
  const byHost = new Map(readings.map((r) => [r.host, r]));
  const vrrp = facts.vrrp.map((g) => {
    const h = holders(
      g.vip,
      readings.filter((r) => g.members.some((m) => m.host === r.host)),
    );
    if (g.vip !== facts.vip && h.length !== 1) {
      warnings.push(h.length ? `SPLIT BRAIN: ${h.join(" and ")} all hold ${g.vip}` : `no member holds ${g.vip}`);
    }
    return {
      vip: g.vip,
      holders: h,
      members: g.members.map((m) => ({
        host: m.host,
        declared: m.state,
        holds: h.includes(m.host),
        keepalived: byHost.get(m.host)?.active.includes("keepalived") ?? false,
      })),
    };
  });
  // The services as the directors holding the VIP see them (a BACKUP's table is kept in step but carries no traffic).
  const services = readings
    .filter((r) => vipHolders.includes(r.host) || (vipHolders.length === 0 && r.services.length > 0))
    .flatMap((r) => r.services.map((s) => ({ ...s, realServers: [...s.realServers] })));
  for (const g of facts.vrrp) {
    for (const vs of g.virtualServers) {
      const key = `TCP ${vs.address}:${vs.port}`;
      for (const svc of services.filter((s) => s.key === key)) {
        for (const rs of vs.realServers) {
          if (!svc.realServers.some((x) => x.address === rs.address && x.port === rs.port)) {
            svc.realServers.push({ ...rs, forward: "", weight: 0, activeConns: 0, inactiveConns: 0, conns: 0, cps: 0, health: "removed" });
            warnings.push(`${rs.address}:${rs.port} is out of ${key} on ${svc.director} (its health check fails)`);
          }
        }
      }
    }
  }
  const haproxy = readings
    .filter((r) => r.haproxy.length > 0)
    .map((r) => ({ host: r.host, holdsVip: vipHolders.includes(r.host), servers: r.haproxy }));
  for (const h of haproxy) {
    for (const sv of h.servers.filter((x) => x.status.startsWith("DOWN") || x.status === "MAINT")) {
      warnings.push(`${sv.proxy}/${sv.server} is ${sv.status} in HAProxy on ${h.host}${sv.check ? ` (check ${sv.check})` : ""}`);
    }
  }
  const hosts = Object.keys(facts.roles).map((host) => {
    const r = byHost.get(host);
    return { host, role: facts.roles[host], reachable: !!r && !r.error, error: r?.error, active: r?.active ?? [] };
  });
  return { stack: facts.stack, vip: facts.vip, vipHolders, vrrp, hosts, services, haproxy, warnings };
}

/** The view as text: warnings first, then the VIP, the hosts, the services. */
export function renderStatus(s: ClusterStatus, at = new Date()): string {
  const lines: string[] = [];
  lines.push(`stack ${s.stack} at ${at.toISOString().replace(/\.\d+Z$/, "Z")}`);
  for (const w of s.warnings) lines.push(`!! ${w}`);
  lines.push(`VIP ${s.vip}: ${s.vipHolders.length ? `held by ${s.vipHolders.join(", ")}` : "held by no host"}`);
  for (const g of s.vrrp) {
    lines.push(
      `VRRP ${g.vip}: ${g.members
        .map((m) => `${m.host} ${m.holds ? "MASTER" : "BACKUP"} (declared ${m.declared}${m.keepalived ? "" : ", keepalived not running"})`)
        .join(", ")}`,
    );
  }
  lines.push("hosts:");
  for (const h of s.hosts) {
    lines.push(`  ${h.host.padEnd(12)} ${h.role.padEnd(28)} ${h.reachable ? h.active.join(" ") || "-" : `UNREACHABLE ${h.error ?? ""}`}`);
  }
  for (const svc of s.services) {
    lines.push(`${svc.key} ${svc.scheduler}${svc.flags ? ` ${svc.flags}` : ""} on ${svc.director}: ${svc.conns} conns, ${svc.cps}/s`);
    lines.push("  real server            fwd     weight  active  inactive  conns    conn/s  health");
    for (const r of svc.realServers) {
      const addr = r.address.includes(":") ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
      lines.push(
        `  ${addr.padEnd(22)} ${r.forward.padEnd(7)} ${String(r.weight).padStart(6)}  ${String(r.activeConns).padStart(6)}  ${String(
          r.inactiveConns,
        ).padStart(8)}  ${String(r.conns).padStart(5)}  ${String(r.cps).padStart(8)}  ${r.health}`,
      );
    }
  }
  for (const h of s.haproxy) {
    lines.push(`HAProxy on ${h.host}${h.holdsVip ? " (holds the VIP)" : ""}:`);
    lines.push("  backend/server              status      weight  sessions   total  rate/s  check");
    for (const sv of h.servers) {
      lines.push(
        `  ${`${sv.proxy}/${sv.server}`.padEnd(27)} ${sv.status.padEnd(10)} ${String(sv.weight).padStart(6)}  ${String(sv.sessions).padStart(8)}  ${String(
          sv.total,
        ).padStart(6)}  ${String(sv.rate).padStart(6)}  ${sv.check || "-"}`,
      );
    }
  }
  if (s.drift !== undefined) lines.push(`drift: ${s.drift}`);
  return lines.join("\n") + "\n";
}
