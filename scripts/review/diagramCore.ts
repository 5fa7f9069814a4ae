// The stack's topology as a Mermaid flowchart, pure: client -> VIP ->
// directors / HAProxy hosts (MASTER/BACKUP) -> real servers -> app servers,
// from the stack's outputs (`vip`, `hosts`, `vrrp`) and, when given, the live
// view of `npm run status` (who holds the VIP, unreachable hosts, real servers
// a health check took out). `npm run status -- <stack> --diagram` prints it
// live and `npm run preview-report` puts the planned one in its report; both
// as a ```mermaid block, which GitHub renders in pull requests and issues.
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";
import type { ClusterStatus, StackFacts } from "./statusCore";

export interface DiagramOptions {
  /**
   * host -> its IPv4 addresses (the inventory's `addresses`, without prefix):
   * puts the IPVS table's real servers on their hosts. Without it a real
   * server a health check took out is drawn as its own address node.
   */
  addresses?: Record<string, string[]>;
}

/** Where a host sits in the picture. */
export type Tier = "client" | "front" | "server" | "app" | "other";

/**
 * A host's tier from its role text (the stack's `hosts` output) and whether a
 * VRRP group has it as a member: the members and the directors / HAProxy
 * hosts are the front the VIP leads to (keepalived-nginx's nginx pair too);
 * nginx and web servers behind them are real servers; tomcat the app tier.
 */
export function hostTier(role: string, vrrpMember: boolean): Tier {
  if (/^\s*clients?\b/i.test(role)) return "client";
  if (vrrpMember) return "front";
  if (/\b(director|haproxy|load ?balancer|lvs)\b/i.test(role)) return "front";
  if (/\b(tomcat|app(lication)? ?servers?)\b/i.test(role)) return "app";
  if (/\b(real ?servers?|web ?servers?|nginx|backends?)\b/i.test(role)) return "server";
  return "other";
}

/**
 * Text for inside a quoted Mermaid label: every character Mermaid's parser or
 * the HTML label could take as syntax (`"`, `#`, `<`, `>`, `|`, `&`, brackets,
 * braces, backtick, backslash, `;`) as a `#code;` entity, which Mermaid shows
 * as the character itself; control characters as spaces. Parentheses are safe
 * inside the quotes and stay readable.
 */
export function escapeLabel(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, " ").replace(/["#<>|&[\]{}`\\;]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A node's label: its lines escaped, joined by line breaks, quoted. */
function label(lines: string[]): string {
  return `"${lines
    .flatMap((l) => l.split(/\r\n|\r|\n/))
    .map(escapeLabel)
    .join("<br/>")}"`;
}

/** The node classes' styles (only those used are declared). */
const CLASS_STYLE: Record<string, string> = {
  client: "fill:#eceff1,stroke:#546e7a,color:#263238",
  vip: "fill:#fff3c4,stroke:#b7950b,stroke-width:2px,color:#4d3c00",
  master: "fill:#c8e6c9,stroke:#2e7d32,stroke-width:2px,color:#1b3d1d",
  backup: "fill:#e3f2fd,stroke:#1565c0,color:#0d2a4d",
  server: "fill:#ffffff,stroke:#455a64,color:#263238",
  app: "fill:#ede7f6,stroke:#5e35b1,color:#2a1b4d",
  other: "fill:#f5f5f5,stroke:#9e9e9e,color:#424242",
  quiesced: "fill:#fff9c4,stroke:#f9a825,stroke-dasharray:4 3,color:#5d4300",
  removed: "fill:#ffe0b2,stroke:#e65100,stroke-width:2px,stroke-dasharray:6 4,color:#4e2600",
  unreachable: "fill:#ffcdd2,stroke:#b71c1c,stroke-width:3px,stroke-dasharray:2 2,color:#4a0000",
  alert: "fill:#ffcdd2,stroke:#b71c1c,stroke-width:3px,color:#4a0000",
};

/** More address nodes than this are drawn as one summary node (the `scale` stack has 500). */
const MAX_ADDRESS_NODES = 8;

interface Node {
  id: string;
  lines: string[];
  cls: string;
  /** Mermaid shape brackets around the label. */
  shape: [string, string];
}

type Health = { health: "removed" | "quiesced"; reason: string };

const RECT: [string, string] = ["[", "]"];

/**
 * The topology as Mermaid `flowchart LR` text. Labels carry each host's name
 * and role; MASTER/BACKUP is who holds the VIP when `status` is given, else the
 * declared VRRP state. With `status`, unreachable hosts, real servers a health
 * check took out (`removed`, or DOWN in HAProxy) and quiesced ones (weight 0)
 * get their own classes, and the VIP node says who holds it.
 */
export function topologyMermaid(facts: StackFacts, status?: ClusterStatus, opts: DiagramOptions = {}): string {
  const used = new Set<string>();
  const nodeId = (prefix: string, name: string) => {
    const base = `${prefix}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    return id;
  };
  const members = new Map<string, { group: number; member: VrrpGroupDescription["members"][number] }>();
  facts.vrrp.forEach((g, group) => g.members.forEach((member) => members.has(member.host) || members.set(member.host, { group, member })));

  // Tiers, in the order of the `hosts` output.
  const hosts = Object.entries(facts.roles).map(([host, role]) => ({ host, role, tier: hostTier(role, members.has(host)), id: "" }));
  for (const h of hosts) h.id = nodeId("h", h.host);
  const ids = new Map(hosts.map((h) => [h.host, h.id]));
  const tier = (t: Tier) => hosts.filter((h) => h.tier === t);
  const live = new Map(status?.hosts.map((h) => [h.host, h]) ?? []);

  const lines: string[] = [
    "flowchart LR",
    `  %% pulumi-lvs topology of stack ${facts.stack.replace(/[\r\n]/g, " ")}${status ? " (live)" : ""}`,
  ];
  const edges: string[] = [];
  const classOf = new Map<string, string>();
  const emit = (n: Node, indent = "  ") => {
    lines.push(`${indent}${n.id}${n.shape[0]}${label(n.lines)}${n.shape[1]}`);
    classOf.set(n.id, n.cls);
  };
  const unreachable = (host: string) => {
    const h = live.get(host);
    return h && !h.reachable ? h : undefined;
  };
  /** A host's node: name, role, the extra lines; an unreachable host says so and gets its class. */
  const hostNode = (h: (typeof hosts)[number], cls: string, extra: string[] = []): Node => {
    const down = unreachable(h.host);
    return {
      id: h.id,
      lines: [h.host, h.role, ...extra, ...(down ? [`UNREACHABLE${down.error ? `: ${down.error}` : ""}`] : [])],
      cls: down ? "unreachable" : cls,
      shape: RECT,
    };
  };

  // Clients: the hosts whose role says so, else one node standing for them.
  const clients = tier("client");
  for (const c of clients) emit(hostNode(c, "client"));
  const clientIds = clients.map((c) => c.id);
  if (!clients.length) {
    const id = nodeId("c", "client");
    emit({ id, lines: ["client"], cls: "client", shape: ["([", "])"] });
    clientIds.push(id);
  }

  // The VIPs: the stack's, then any other VRRP group's.
  const vips: { vip: string; id: string }[] = [];
  const vipOf = (vip: string) => {
    let v = vips.find((x) => x.vip === vip);
    if (!v) vips.push((v = { vip, id: nodeId("vip", vip) }));
    return v;
  };
  vipOf(facts.vip);
  facts.vrrp.forEach((g) => vipOf(g.vip));
  for (const v of vips) {
    const vipLines = [`VIP ${v.vip}`];
    let cls = "vip";
    if (status) {
      const held = v.vip === status.vip ? status.vipHolders : (status.vrrp.find((g) => g.vip === v.vip)?.holders ?? []);
      if (held.length === 1) vipLines.push(`held by ${held[0]}`);
      else if (held.length === 0) vipLines.push("held by NO host");
      else vipLines.push(`SPLIT BRAIN: held by ${held.join(" and ")}`);
      if (held.length !== 1) cls = "alert";
    }
    emit({ id: v.id, lines: vipLines, cls, shape: ["{{", "}}"] });
    for (const c of clientIds) edges.push(`  ${c} --> ${v.id}`);
  }

  // The front: VRRP members (MASTER/BACKUP) and directors / HAProxy hosts.
  const front = tier("front");
  const active = new Map<string, boolean>();
  const frontNodes: Node[] = front.map((h) => {
    const m = members.get(h.host);
    let state: string[] = [];
    let isActive: boolean;
    if (status && unreachable(h.host)) {
      // Not read: whether it holds the VIP is not known (its label says UNREACHABLE).
      isActive = false;
      state = m ? ["state unknown"] : [];
    } else if (m && status) {
      const g = status.vrrp[m.group]?.members.find((x) => x.host === h.host);
      isActive = g?.holds ?? false;
      const stopped = g && !g.keepalived ? " (keepalived not running)" : "";
      state = [`${isActive ? "MASTER (holds the VIP)" : "BACKUP"}${stopped}`];
    } else if (m) {
      isActive = m.member.state === "MASTER";
      state = [`${m.member.state} (declared, priority ${m.member.priority})`];
    } else if (status) {
      isActive = status.vipHolders.includes(h.host);
      state = [isActive ? "holds the VIP" : "does not hold the VIP"];
    } else {
      isActive = !/\bBACKUP\b/.test(h.role);
    }
    active.set(h.host, isActive);
    return hostNode(h, isActive ? "master" : "backup", state);
  });
  if (frontNodes.length) {
    lines.push(`  subgraph g_front ["${frontTitle(front.map((h) => h.role))}"]`);
    for (const n of frontNodes) emit(n, "    ");
    lines.push("  end");
  }
  for (const h of front) {
    const m = members.get(h.host);
    const v = vipOf(m ? facts.vrrp[m.group].vip : facts.vip);
    edges.push(`  ${v.id} ${active.get(h.host) ? "-->" : "-.->"} ${h.id}`);
  }
  /** Edges from the front (solid from the active hosts, dotted from the standby ones), else from the VIP. */
  const fromFront = (to: string) => {
    if (!front.length) edges.push(`  ${vipOf(facts.vip).id} --> ${to}`);
    for (const h of front) edges.push(`  ${h.id} ${active.get(h.host) ? "-->" : "-.->"} ${to}`);
  };

  // Real servers: health from the IPVS tables of the VIP holders and from HAProxy's stats.
  const servers = tier("server");
  const health = new Map<string, Health>();
  const mark = (host: string, h: Health) => {
    const had = health.get(host);
    if (!had || (had.health === "quiesced" && h.health === "removed")) health.set(host, h);
  };
  const ownerOf = (address: string) => servers.find((s) => opts.addresses?.[s.host]?.includes(address))?.host;
  const loose: { key: string; director: string; health: "up" | "quiesced" | "removed" }[] = [];
  for (const svc of status?.services ?? []) {
    for (const rs of svc.realServers) {
      const addr = `${rs.address.includes(":") ? `[${rs.address}]` : rs.address}:${rs.port}`;
      const owner = ownerOf(rs.address);
      if (owner && rs.health !== "up") {
        mark(owner, {
          health: rs.health,
          reason: rs.health === "removed" ? `${addr} out of ${svc.key} (health check)` : `${addr} quiesced (weight 0)`,
        });
      }
      // A real server that is no host of the stack: drawn when unhealthy, or when the stack lists no real server hosts (scale).
      if (!owner && (rs.health !== "up" || !servers.length) && !loose.some((l) => l.key === addr)) {
        loose.push({ key: addr, director: svc.director, health: rs.health });
      }
    }
  }
  const proxies = status?.haproxy ?? [];
  const holderProxies = proxies.some((p) => p.holdsVip) ? proxies.filter((p) => p.holdsVip) : proxies;
  for (const p of holderProxies) {
    for (const sv of p.servers) {
      if (!ids.has(sv.server)) continue;
      const st = sv.status.toUpperCase();
      const reason = `${sv.status} in HAProxy on ${p.host}${sv.check ? ` (${sv.check})` : ""}`;
      if (st.startsWith("DOWN") || st === "MAINT") mark(sv.server, { health: "removed", reason });
      else if (st === "DRAIN" || st === "NOLB") mark(sv.server, { health: "quiesced", reason });
    }
  }
  const serverNodes: Node[] = servers.map((h) => {
    const hh = health.get(h.host);
    return hostNode(h, hh?.health ?? "server", hh ? [hh.health === "removed" ? `REMOVED: ${hh.reason}` : `QUIESCED: ${hh.reason}`] : []);
  });
  // Real servers that are no host of the stack: from the live table, else as the director's role counts them.
  const extra: Node[] = [];
  /** node id -> the ids of the directors whose table lists it. */
  const extraFrom = new Map<string, string[]>();
  const directorIds = (names: string[]) => [...new Set(names)].filter((d) => ids.has(d)).map((d) => ids.get(d)!);
  if (loose.length > MAX_ADDRESS_NODES) {
    const removed = loose.filter((l) => l.health === "removed").length;
    const quiesced = loose.filter((l) => l.health === "quiesced").length;
    const id = nodeId("rs", "many");
    extra.push({
      id,
      lines: [`${loose.length} real servers`, `${removed} removed, ${quiesced} quiesced`],
      cls: removed ? "removed" : quiesced ? "quiesced" : "server",
      shape: RECT,
    });
    extraFrom.set(id, directorIds(loose.map((l) => l.director)));
  } else {
    for (const l of loose) {
      const id = nodeId("rs", l.key);
      const state = l.health === "removed" ? ["REMOVED by its health check"] : l.health === "quiesced" ? ["QUIESCED (weight 0)"] : [];
      extra.push({
        id,
        lines: [l.key, "real server (no host of the stack)", ...state],
        cls: l.health === "up" ? "server" : l.health,
        shape: RECT,
      });
      extraFrom.set(id, directorIds([l.director]));
    }
  }
  if (!servers.length && !extra.length) {
    // No real server is a host (scale): one node for those the directors' roles count.
    const counted = front.map((h) => /(\d+)\s+services?\s+x\s+(\d+)\s+real servers?/i.exec(h.role)).find(Boolean);
    if (counted || front.some((h) => /real servers?/i.test(h.role))) {
      const n = counted ? Number(counted[1]) * Number(counted[2]) : undefined;
      extra.push({
        id: nodeId("rs", "declared"),
        lines: [
          n !== undefined ? `${n} real servers` : "real servers",
          counted ? `${counted[1]} services x ${counted[2]}` : "no hosts of the stack",
        ],
        cls: "server",
        shape: RECT,
      });
    }
  }
  if (serverNodes.length || extra.length) {
    lines.push('  subgraph g_servers ["real servers"]');
    for (const n of [...serverNodes, ...extra]) emit(n, "    ");
    lines.push("  end");
  }
  for (const h of servers) fromFront(h.id);
  for (const n of extra) {
    const from = extraFrom.get(n.id) ?? [];
    if (from.length) for (const f of from) edges.push(`  ${f} --> ${n.id}`);
    else fromFront(n.id);
  }

  // App servers: behind the real servers (nginx passes to tomcat), else behind the front.
  const apps = tier("app");
  if (apps.length) {
    lines.push('  subgraph g_apps ["app servers"]');
    for (const h of apps) emit(hostNode(h, "app"), "    ");
    lines.push("  end");
    for (const a of apps) {
      if (servers.length) for (const s of servers) edges.push(`  ${s.id} --> ${a.id}`);
      else fromFront(a.id);
    }
  }

  // Hosts whose role names no tier: drawn, not connected.
  const others = tier("other");
  if (others.length) {
    lines.push('  subgraph g_other ["other hosts"]');
    for (const h of others) emit(hostNode(h, "other"), "    ");
    lines.push("  end");
  }

  lines.push(...edges);
  const byClass = new Map<string, string[]>();
  for (const [id, cls] of classOf) byClass.set(cls, [...(byClass.get(cls) ?? []), id]);
  for (const cls of Object.keys(CLASS_STYLE)) if (byClass.has(cls)) lines.push(`  classDef ${cls} ${CLASS_STYLE[cls]}`);
  for (const cls of Object.keys(CLASS_STYLE)) if (byClass.has(cls)) lines.push(`  class ${byClass.get(cls)!.join(",")} ${cls}`);
  return lines.join("\n") + "\n";
}

/** The front's box title from its roles. */
function frontTitle(roles: string[]): string {
  if (roles.every((r) => /\bdirector\b/i.test(r))) return "directors";
  if (roles.every((r) => /\bhaproxy\b/i.test(r))) return "HAProxy hosts";
  if (roles.every((r) => /\bkeepalived\b/i.test(r))) return "keepalived pair";
  return "VIP holders";
}

/** Mermaid text as a fenced block for Markdown (GitHub renders it). */
export function mermaidBlock(text: string): string {
  return `\`\`\`mermaid\n${text.replace(/\n+$/, "")}\n\`\`\`\n`;
}

/** The engine's placeholder for a value a preview does not know yet. */
export const UNKNOWN_OUTPUT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const known = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN_OUTPUT && v !== "[secret]";

function isVrrpGroup(v: unknown): v is VrrpGroupDescription {
  return (
    isRecord(v) &&
    known(v.vip) &&
    Array.isArray(v.members) &&
    v.members.every((m) => isRecord(m) && known(m.host) && (m.state === "MASTER" || m.state === "BACKUP")) &&
    (v.virtualServers === undefined || Array.isArray(v.virtualServers))
  );
}

/**
 * The facts a diagram needs from a stack's outputs (plain values: the
 * deployed stack's, or a preview's planned ones), or why they do not give
 * them: no outputs, or `vip` / `hosts` missing or not known yet. A `vrrp`
 * output that is not known yet is left out (the roles still say MASTER/BACKUP).
 */
export function factsFromOutputs(stack: string, outputs: Record<string, unknown> | undefined): StackFacts | string {
  if (!outputs || Object.keys(outputs).length === 0) return "no outputs";
  const { vip, hosts, vrrp } = outputs;
  if (!known(vip)) return vip === undefined ? "no `vip` output" : "`vip` not known yet";
  if (!isRecord(hosts)) return hosts === undefined ? "no `hosts` output" : "`hosts` not known yet";
  if (!Object.values(hosts).every(known)) return "`hosts` not known yet";
  const groups = Array.isArray(vrrp) && vrrp.every(isVrrpGroup) ? vrrp.map((g) => ({ ...g, virtualServers: g.virtualServers ?? [] })) : [];
  return { stack, vip, roles: hosts as Record<string, string>, vrrp: groups };
}

/**
 * The topology section of a preview report: the diagram from the preview's
 * planned outputs, else from the deployed stack's outputs (said so), else a
 * one-line note why there is none.
 */
export function previewTopology(
  stack: string,
  planned: Record<string, unknown> | undefined,
  deployed: Record<string, unknown> | undefined,
): string {
  const p = factsFromOutputs(stack, planned);
  if (typeof p !== "string") return `**Topology** (the preview's planned outputs):\n\n${mermaidBlock(topologyMermaid(p))}`;
  const d = factsFromOutputs(stack, deployed);
  if (typeof d !== "string")
    return `**Topology** as deployed (the preview's planned outputs: ${p}):\n\n${mermaidBlock(topologyMermaid(d))}`;
  return `No topology diagram: neither the preview's planned outputs (${p}) nor the deployed stack's (${d}) give the VIP and the hosts.\n`;
}
