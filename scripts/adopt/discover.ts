// `npm run adopt`'s discovery: one read-only command line per host, and the
// pure parse of its output into what pulumi-lvs can manage there (IPVS
// services and real servers, VIP aliases, the LVS sysctls, routes, its own
// NAT rules) and what it cannot (foreign iptables rules, config files of the
// daemons, objects a running keepalived owns), which are listed, never
// dropped.
//
// Read-only means: the command reads files and kernel tables only. It runs
// ipvsadm only when the ip_vs module is already loaded (ipvsadm would load
// it), and iptables only when a nat or mangle table already exists (listing
// one can create it).
import { IpvsTable, RealServer, sameKey, serviceKeyText, VirtualService } from "../../providers/ipvs/model";
import { parseIpvsSave, parseThresholds, withThresholds } from "../../providers/ipvs/parse";
import { SEP } from "../../providers/common/check";
import { NatChain, NatSpec, NatTarget } from "../../providers/nat/core";
import { routeEntries } from "../../providers/route/core";
import { canonicalKey } from "../../providers/sysctl/core";
import { parseIpAddr } from "../../providers/vip/core";
import { READ_TABLE } from "../../providers/ipvs/batch";
import { NGINX_PART, nginxSites, TOMCAT_PART, TOMCAT_SECRETS, tomcatApps } from "./apps";

/** The LVS sysctls adopt looks at, with the kernel's defaults: only values that differ were set by someone. */
export const LVS_SYSCTL_DEFAULTS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "0",
  "net.ipv4.ip_nonlocal_bind": "0",
  "conf.*.arp_ignore": "0",
  "conf.*.arp_announce": "0",
  "conf.*.send_redirects": "1",
  "net.ipv4.vs.conntrack": "0",
  "net.ipv4.vs.expire_nodest_conn": "0",
  "net.ipv4.vs.expire_quiescent_template": "0",
};

const SYSCTL_FILES = [
  "/proc/sys/net/ipv4/ip_forward",
  "/proc/sys/net/ipv4/ip_nonlocal_bind",
  "/proc/sys/net/ipv4/conf/*/arp_ignore",
  "/proc/sys/net/ipv4/conf/*/arp_announce",
  "/proc/sys/net/ipv4/conf/*/send_redirects",
  "/proc/sys/net/ipv4/vs/conntrack",
  "/proc/sys/net/ipv4/vs/expire_nodest_conn",
  "/proc/sys/net/ipv4/vs/expire_quiescent_template",
];

/** The daemons' main config files adopt reads (to list what they hold and what keepalived owns); nginx's and tomcat's: apps.ts. */
export const CONFIG_FILES = {
  keepalived: "/etc/keepalived/keepalived.conf",
  haproxy: "/etc/haproxy/haproxy.cfg",
} as const;

/** The parts of the discovery command, in order; each one's output is followed by a PART line. */
const PART = "__PULUMI_LVS_ADOPT_PART__";
const PARTS = [
  `if [ -e /proc/net/ip_vs ]; then ${READ_TABLE}; fi`,
  "ip -o addr show",
  "ip -4 route show table main",
  `grep -H . ${SYSCTL_FILES.join(" ")} 2>/dev/null || true`,
  "if grep -qx nat /proc/net/ip_tables_names 2>/dev/null || nft list tables 2>/dev/null | grep -qx 'table ip nat'; then iptables -w -t nat -S; fi",
  `cat ${CONFIG_FILES.keepalived} 2>/dev/null || true`,
  `cat ${CONFIG_FILES.haproxy} 2>/dev/null || true`,
  NGINX_PART,
  `for f in ${CONFIG_FILES.keepalived} ${CONFIG_FILES.haproxy}; do [ -f "$f" ] && echo "$f $(stat -c '%a %U:%G' "$f")"; done; true`,
  "if grep -qx mangle /proc/net/ip_tables_names 2>/dev/null || nft list tables 2>/dev/null | grep -qx 'table ip mangle'; then iptables -w -t mangle -S; fi",
  TOMCAT_PART,
];

/** The one command line adopt runs on each host: reads only. */
export const DISCOVERY_COMMAND = PARTS.map((p) => `{ ${p}; }; echo ${PART}`).join("; ");

export interface FoundVip {
  address: string;
  prefix: number;
  interface: string;
  label?: string;
  /** A host route to it via its interface is in the main table (the seed's `route add -host VIP dev lo:0`). */
  hostRoute: boolean;
}

export interface FoundRoute {
  destination: string;
  via: string;
  dev?: string;
}

/** A NAT rule pulumi-lvs wrote (it carries the `pulumi-lvs:<name>` comment). */
export type FoundNatRule = NatSpec;

/** A piece of an adopted file's text: literal text, or a secret found there (its value; the program reads it from the stack config). */
export type FilePart = string | { secret: string; value: string };

/** A hand-written file of a daemon, adopted whole (ManagedFile): what it holds is the daemon's to apply. */
export interface FoundFile {
  daemon: "keepalived" | "haproxy" | "nginx" | "tomcat";
  /** What names it among the host's resources: `keepalived-conf`, `nginx-default`, `tomcat-index.jsp`. */
  name: string;
  path: string;
  /** The text, with each secret (keepalived auth_pass, HAProxy passwords) cut out as its own part. */
  parts: FilePart[];
  mode: string;
  owner: string;
  /** Checks a new version before it replaces the live one (`%s` is its path); none for pages the daemon only serves. */
  validate?: string;
  /** Applies a change (a reload, or a restart where the daemon reads the file only at start); none when it picks it up itself. */
  reload?: string;
}

/** What pulumi-lvs can manage on one host, and what it found but cannot. */
export interface HostFindings {
  services: VirtualService[];
  realServers: RealServer[];
  vips: FoundVip[];
  /** LVS sysctls whose value differs from the kernel's default. */
  sysctls: Record<string, string>;
  routes: FoundRoute[];
  natRules: FoundNatRule[];
  files: FoundFile[];
  /** Found and left alone, one line each: why, and what it is (never a secret). */
  unmanaged: string[];
}

/** The kernel's default of an LVS sysctl adopt looks at (undefined for others). */
export function sysctlDefault(key: string): string | undefined {
  if (key in LVS_SYSCTL_DEFAULTS) return LVS_SYSCTL_DEFAULTS[key];
  const m = /^net\.ipv4\.conf\.[^.]+\.(\w+)$/.exec(key);
  return m ? LVS_SYSCTL_DEFAULTS[`conf.*.${m[1]}`] : undefined;
}

/** `grep -H .` lines of /proc/sys files: the ones that differ from the kernel's default, by dotted key. */
export function parseSysctls(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(":");
    if (at < 0 || !line.startsWith("/proc/sys/")) continue;
    const key = canonicalKey(line.slice(0, at));
    const value = line.slice(at + 1).trim();
    if (sysctlDefault(key) !== undefined && sysctlDefault(key) !== value) out[key] = value;
  }
  return out;
}

/** keepalived.conf's VIPs (virtual_ipaddress blocks) and virtual servers ("address port"): what keepalived owns. */
export function keepalivedOwns(conf: string): { vips: string[]; virtualServers: string[]; instances: string[]; scripts: string[] } {
  const text = conf.replace(/[#!].*$/gm, "");
  const vips: string[] = [];
  for (const m of text.matchAll(/virtual_ipaddress(?:_excluded)?\s*\{([^}]*)\}/g))
    for (const line of m[1].split("\n")) {
      const addr = /^\s*([0-9a-fA-F.:]+)(?:\/\d+)?/.exec(line);
      if (addr) vips.push(addr[1]);
    }
  const virtualServers = [...text.matchAll(/^\s*virtual_server\s+(\S+)\s+(\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
  const instances = [...text.matchAll(/^\s*vrrp_instance\s+(\S+)/gm)].map((m) => m[1]);
  const scripts = [...text.matchAll(/^\s*(?:script|notify\w*|misc_path)\s+"?([^"\s]+)/gm)]
    .map((m) => m[1])
    .filter((p) => p.startsWith("/"));
  return { vips, virtualServers, instances, scripts: [...new Set(scripts)] };
}

/** haproxy.cfg's sections that take traffic (listen / frontend), with their bind lines. */
export function haproxySections(cfg: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const raw of cfg.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    const head = /^(listen|frontend|backend)\s+(\S+)/.exec(line);
    if (head) current = `${head[1]} ${head[2]}`;
    else if (/^\S/.test(line)) current = undefined;
    const bind = /^\s+bind\s+(\S+)/.exec(line);
    if (head?.[1] !== "backend" && head) out.push(current!);
    if (bind && current) out[out.length - 1] = `${out[out.length - 1]} (bind ${bind[1]})`;
  }
  return out;
}

/** Lines whose last word is a secret: keepalived's auth_pass, HAProxy's `stats auth user:password` and userlist passwords. */
const SECRET_LINES: Partial<Record<FoundFile["daemon"], RegExp>> = {
  tomcat: TOMCAT_SECRETS,
  keepalived: /^(\s*auth_pass\s+)(\S+)/gm,
  haproxy: /^(\s*(?:stats\s+auth\s+[^:\s]+:|user\s+\S+\s+(?:insecure-)?password\s+))(\S+)/gm,
};

/** The file's text with its secrets cut out as their own parts, named `<prefix>-secret-<n>` (prefix: the daemon). */
export function splitSecrets(daemon: FoundFile["daemon"], text: string, prefix: string = daemon): FilePart[] {
  const parts: FilePart[] = [];
  let at = 0;
  let n = 0;
  for (const m of SECRET_LINES[daemon] ? text.matchAll(SECRET_LINES[daemon]) : []) {
    const start = m.index! + m[1].length;
    parts.push(text.slice(at, start), { secret: `${prefix}-secret-${++n}`, value: m[2] });
    at = start + m[2].length;
  }
  parts.push(text.slice(at));
  return parts.filter((p) => p !== "");
}

const VALIDATE = { keepalived: "keepalived -t -f %s", haproxy: "haproxy -c -q -f %s" };

function foundFile(daemon: keyof typeof CONFIG_FILES, text: string, stats: string): FoundFile | undefined {
  const path = CONFIG_FILES[daemon];
  const stat = new RegExp(`^${path} (\\d+) (\\S+)$`, "m").exec(stats);
  if (!stat) return undefined;
  return {
    daemon,
    name: `${daemon}-conf`,
    path,
    parts: splitSecrets(daemon, text),
    mode: stat[1].padStart(4, "0"),
    owner: stat[2],
    validate: VALIDATE[daemon],
    reload: `systemctl reload ${daemon}`,
  };
}

/**
 * The IPVS part (READ_TABLE's output), line by line: a line ipvsadm prints
 * that pulumi-lvs does not parse is reported in `unmanaged`, not fatal.
 */
export function parseIpvsPart(text: string, unmanaged: string[]): IpvsTable {
  const [save, thresholds = ""] = text.split(`${SEP}\n`);
  const table: IpvsTable = { services: [], servers: [] };
  for (const line of save.split("\n").filter((l) => l.trim())) {
    try {
      const one = parseIpvsSave(line);
      table.services.push(...one.services);
      table.servers.push(...one.servers);
    } catch (err) {
      unmanaged.push(`ipvsadm ${line.trim()}: not modelled (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return withThresholds(table, parseThresholds(thresholds));
}

/** Real server options ipvsadm prints that IpvsRealServer does not take: a server using one is left alone (an update would drop it). */
function unmodelledServerOptions(rs: RealServer): string[] {
  return [rs.tunNoCsum && "--tun-nocsum", rs.tunCsum && "--tun-csum", rs.tunRemCsum && "--tun-remcsum"].filter(
    (o): o is string => typeof o === "string",
  );
}

const NAT_CHAINS: readonly string[] = ["POSTROUTING", "PREROUTING"];
const TABLE_TARGETS: Record<"nat" | "mangle", readonly string[]> = { nat: ["SNAT", "MASQUERADE", "DNAT"], mangle: ["MARK"] };

/**
 * One `iptables -t <table> -S` rule line as a NatSpec, when pulumi-lvs wrote it and models every word of it: in the
 * nat table SNAT, MASQUERADE and DNAT; in mangle a MARK rule of PREROUTING that sets the whole mark
 * (`--set-xmark N/0xffffffff`, as iptables prints `--set-mark N`).
 */
export function parseNatRule(line: string, table: "nat" | "mangle" = "nat"): FoundNatRule | undefined {
  const w = line.trim().split(/\s+/);
  if (w[0] !== "-A" || !NAT_CHAINS.includes(w[1])) return undefined;
  if (table === "mangle" && w[1] !== "PREROUTING") return undefined;
  const s: Partial<NatSpec> = { chain: w[1] as NatChain };
  for (let k = 2; k < w.length; k++) {
    const v = w[k + 1];
    switch (w[k]) {
      case "-s":
        s.source = v.replace(/\/32$/, "");
        break;
      case "-d":
        s.destination = v.replace(/\/32$/, "");
        break;
      case "-i":
        s.inInterface = v;
        break;
      case "-o":
        s.outInterface = v;
        break;
      case "-p":
        if (v !== "tcp" && v !== "udp") return undefined;
        s.protocol = v;
        break;
      case "--dport":
        s.port = Number(v);
        break;
      case "-m":
        if (v !== "comment" && v !== s.protocol && v !== "multiport") return undefined;
        break;
      case "--dports": {
        const ports = v.split(",").map(Number);
        if (!ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)) return undefined;
        s.ports = ports;
        break;
      }
      case "--set-xmark":
      case "--set-mark": {
        const m = /^(0x[0-9a-f]+|\d+)(?:\/0xffffffff)?$/i.exec(v);
        if (!m) return undefined;
        s.mark = Number(m[1]);
        break;
      }
      case "--comment": {
        const name = /^"?pulumi-lvs:([A-Za-z0-9][A-Za-z0-9_.-]*)"?$/.exec(v);
        if (!name) return undefined;
        s.name = name[1];
        break;
      }
      case "-j":
        if (!TABLE_TARGETS[table].includes(v)) return undefined;
        s.target = v as NatTarget;
        break;
      case "--to-source":
      case "--to-destination":
        s.to = v;
        break;
      default:
        return undefined;
    }
    k++;
  }
  return s.name && s.target ? (s as FoundNatRule) : undefined;
}

/** Parses DISCOVERY_COMMAND's output. */
export function parseDiscovery(out: string): HostFindings {
  const [
    ipvs = "",
    addrs = "",
    routes = "",
    sysctl = "",
    nat = "",
    keepalived = "",
    haproxy = "",
    nginx = "",
    stats = "",
    mangle = "",
    tomcat = "",
  ] = out.split(`${PART}\n`);
  const unmanaged: string[] = [];
  const owned = keepalived.trim() ? keepalivedOwns(keepalived) : { vips: [], virtualServers: [], instances: [], scripts: [] };
  for (const script of owned.scripts)
    unmanaged.push(`${script}: a script ${CONFIG_FILES.keepalived} runs; left as it is (declare a ManagedFile to manage it)`);
  const table = ipvs.trim() ? parseIpvsPart(ipvs, unmanaged) : { services: [], servers: [] };
  const keyText = (s: { address?: string; port?: number }) => `${s.address} ${s.port}`;
  const services = table.services.filter((s) => {
    if (!owned.virtualServers.includes(keyText(s))) return true;
    unmanaged.push(
      `IPVS service ${s.protocol} ${s.address}:${s.port}: keepalived's virtual_server owns it (managed through ${CONFIG_FILES.keepalived})`,
    );
    return false;
  });
  const realServers = table.servers.filter((rs) => {
    const what = `real server ${rs.address}:${rs.port} of ${serviceKeyText(rs.service)}`;
    const extra = unmodelledServerOptions(rs);
    if (extra.length)
      unmanaged.push(`${what}: ${extra.join(" ")}, which IpvsRealServer does not take; left alone so that no update drops it`);
    else if (services.some((s) => sameKey(s, rs.service))) return true;
    else if (!owned.virtualServers.includes(keyText(rs.service)))
      unmanaged.push(`${what}: its service is not adopted (see the line about it)`);
    return false;
  });
  const hostRoutes = new Set(
    routeEntries(routes)
      .filter((w) => !w.includes("via") && w.includes("dev"))
      .map((w) => `${w[0].replace(/\/32$/, "")} ${w[w.indexOf("dev") + 1]}`),
  );
  const vips: FoundVip[] = [];
  for (const line of addrs.split("\n")) {
    const [a] = parseIpAddr(line);
    if (!a) continue;
    const secondary = /\ssecondary\s/.test(line);
    const onLo = a.interface === "lo" && !a.address.startsWith("127.") && a.address !== "::1";
    if (!a.label && !secondary && !onLo) continue;
    if (owned.vips.includes(a.address)) {
      unmanaged.push(
        `VIP ${a.address}/${a.prefix} on ${a.label ?? a.interface}: keepalived's virtual_ipaddress owns it (managed through ${CONFIG_FILES.keepalived})`,
      );
      continue;
    }
    vips.push({ ...a, hostRoute: hostRoutes.has(`${a.address} ${a.interface}`) });
  }
  const found: FoundRoute[] = [];
  for (const w of routeEntries(routes)) {
    const text = w.join(" ");
    if (!w.includes("via")) continue;
    const proto = w[w.indexOf("proto") + 1];
    if (w.includes("proto") && ["kernel", "dhcp", "ra"].includes(proto)) {
      unmanaged.push(`route ${text}: set by ${proto}, left to it`);
      continue;
    }
    if (
      w.includes("nexthop") ||
      (w.includes("metric") && w[w.indexOf("metric") + 1] !== "0") ||
      !/^(default|[0-9.]+(\/\d+)?)$/.test(w[0])
    ) {
      unmanaged.push(`route ${text}: a form Route does not model (multipath, a metric, or a route type)`);
      continue;
    }
    const dest = w[0] === "default" || w[0].includes("/") ? w[0] : `${w[0]}/32`;
    found.push({ destination: dest, via: w[w.indexOf("via") + 1], ...(w.includes("dev") ? { dev: w[w.indexOf("dev") + 1] } : {}) });
  }
  const natRules: FoundNatRule[] = [];
  for (const [table, text] of [
    ["nat", nat],
    ["mangle", mangle],
  ] as const)
    for (const line of text.split("\n")) {
      if (!line.startsWith("-A ")) {
        if (line.startsWith("-N ")) unmanaged.push(`iptables ${table} chain ${line.slice(3)}: not a pulumi-lvs rule`);
        continue;
      }
      const rule = parseNatRule(line, table);
      if (rule) natRules.push(rule);
      else
        unmanaged.push(
          `iptables -t ${table} ${line}: a rule pulumi-lvs did not write (declare a NatRule for it, then delete this one by hand)`,
        );
    }
  const files: FoundFile[] = [];
  const configs: [keyof typeof CONFIG_FILES, string, boolean][] = [
    ["keepalived", keepalived, keepalived.trim() !== ""],
    ["haproxy", haproxy, haproxySections(haproxy).length > 0],
  ];
  for (const [daemon, text, present] of configs) {
    if (!present) continue;
    const file = foundFile(daemon, text, stats);
    if (file) files.push(file);
    else unmanaged.push(`${CONFIG_FILES[daemon]}: read, but its mode and owner were not; not adopted`);
  }
  for (const web of [nginxSites(nginx), tomcatApps(tomcat, (t, name) => splitSecrets("tomcat", t, name))]) {
    files.push(...web.files);
    unmanaged.push(...web.unmanaged);
  }
  return { services, realServers, vips, sysctls: parseSysctls(sysctl), routes: found, natRules, files, unmanaged };
}
