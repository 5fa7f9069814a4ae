// The benchmark's pure core: samples in, summary rows, the Markdown report
// and the SVG chart out. No I/O here; bench/run.ts measures and writes.
import { Role, ROLE_TITLE, ROLES } from "./floorReport";

/** What the hosts' sshd logged during one operation. */
export interface HostCount {
  /** SSH connections accepted ("Accepted publickey"). */
  connections: number;
  /** Sessions started: one per command, file transfer or shell ("Starting session:"). */
  sessions: number;
}

/**
 * Who ran the operation: the project's program (pulumi), the Ansible peer, the engine's floor (the same stack
 * shape with a provider that does nothing, bench/floor.ts) or `ipvsadm -R` of the same rules on the director.
 */
export type Tool = "pulumi" | "ansible" | "floor" | "ipvsadm";

export interface Sample {
  tool: Tool;
  /** nat-lab, dr-keepalived, scale-50, scale-500, scale-5000. */
  stack: string;
  /**
   * up, noop-up, preview, refresh, up-refresh, reweight, destroy; for Ansible: apply, noop-apply, check-diff,
   * teardown; for ipvsadm: restore, reweight, delete.
   */
  op: string;
  seconds: number;
  hosts: Record<string, HostCount>;
  /** Peak RSS per process role of the command, kB (Pulumi and floor operations). */
  peakKb?: Partial<Record<Role, number>>;
  /** The stack's checkpoint file after the operation, bytes. */
  stateBytes?: number;
}

export interface Row {
  tool: Tool;
  stack: string;
  op: string;
  runs: number;
  min: number;
  median: number;
  max: number;
  /** Largest count of connections to one host in one run. */
  maxConnectionsPerHost: number;
  /** Median over runs of the sessions on all hosts. */
  sessions: number;
  /** Largest peak RSS per role over the runs, kB. */
  peakKb: Partial<Record<Role, number>>;
  /** Largest checkpoint size over the runs, bytes. */
  stateBytes?: number;
}

export function median(xs: number[]): number {
  if (!xs.length) throw new Error("median of no values");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One row per (tool, stack, op), in the order first seen. */
export function summarize(samples: Sample[]): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = `${s.tool}\0${s.stack}\0${s.op}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  return [...groups.values()].map((g) => {
    const secs = g.map((s) => s.seconds);
    const peakKb: Partial<Record<Role, number>> = {};
    for (const r of ROLES) {
      const v = g.map((s) => s.peakKb?.[r]).filter((x): x is number => x !== undefined);
      if (v.length) peakKb[r] = Math.max(...v);
    }
    const st = g.map((s) => s.stateBytes).filter((x): x is number => x !== undefined);
    return {
      tool: g[0].tool,
      stack: g[0].stack,
      op: g[0].op,
      runs: g.length,
      min: Math.min(...secs),
      median: median(secs),
      max: Math.max(...secs),
      maxConnectionsPerHost: Math.max(0, ...g.flatMap((s) => Object.values(s.hosts).map((h) => h.connections))),
      sessions: median(g.map((s) => Object.values(s.hosts).reduce((a, h) => a + h.sessions, 0))),
      peakKb,
      ...(st.length ? { stateBytes: Math.max(...st) } : {}),
    };
  });
}

/**
 * Pulumi operations and the Ansible runs they compare with. `up --refresh` reads every host and repairs drift,
 * as Ansible's no-op apply does; a no-op `up` reads none.
 */
export const PEER_OP: Record<string, string> = {
  up: "apply",
  "noop-up": "noop-apply",
  "up-refresh": "noop-apply",
  refresh: "check-diff",
  reweight: "reweight",
  destroy: "teardown",
};

export interface Comparison {
  stack: string;
  op: string;
  pulumi: Row;
  ansible: Row;
  /** Ansible's median over Pulumi's median. */
  speedup: number;
}

export function compare(rows: Row[]): Comparison[] {
  const out: Comparison[] = [];
  for (const p of rows.filter((r) => r.tool === "pulumi")) {
    const a = rows.find((r) => r.tool === "ansible" && r.stack === p.stack && r.op === PEER_OP[p.op]);
    if (a) out.push({ stack: p.stack, op: p.op, pulumi: p, ansible: a, speedup: a.median / p.median });
  }
  return out;
}

/** A ratio: one decimal, two below 1 (Ansible's 3 s teardown against a 77 s `destroy` is 0.04x, not 0.0x). */
export const ratio = (x: number) => `${x < 1 ? x.toFixed(2) : x.toFixed(1)}x`;
const f2 = (x: number) => x.toFixed(2);

export function rowsTable(rows: Row[]): string {
  const lines = [
    "| tool | stack | operation | runs | min s | median s | max s | SSH connections per host (max) | sessions on all hosts (median) |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.tool} | ${r.stack} | ${r.op} | ${r.runs} | ${f2(r.min)} | ${f2(r.median)} | ${f2(r.max)} | ${r.maxConnectionsPerHost} | ${r.sessions} |`,
    );
  }
  return lines.join("\n");
}

export function comparisonTable(cs: Comparison[]): string {
  const lines = [
    "| stack | Pulumi | median s | Ansible | median s | Ansible / Pulumi | sessions Pulumi / Ansible |",
    "|---|---|---:|---|---:|---:|---:|",
  ];
  for (const c of cs) {
    lines.push(
      `| ${c.stack} | ${c.op} | ${f2(c.pulumi.median)} | ${c.ansible.op} | ${f2(c.ansible.median)} | ${ratio(c.speedup)} | ${c.pulumi.sessions} / ${c.ansible.sessions} |`,
    );
  }
  return lines.join("\n");
}

/** Text for SVG: &, < and > escaped. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface Bar {
  label: string;
  series: string;
  min: number;
  median: number;
  max: number;
}

/**
 * A horizontal bar chart (median bars, min-max whiskers), one group per
 * label, one colour per series, as standalone SVG.
 */
export function barChart(title: string, unit: string, bars: Bar[], width = 760): string {
  const series = [...new Set(bars.map((b) => b.series))];
  const labels = [...new Set(bars.map((b) => b.label))];
  const colours = ["#1f6fb2", "#d9822b", "#3a9d5d", "#8e44ad"];
  const barH = 14;
  const gap = 10;
  const left = 190;
  const right = 70;
  const top = 44;
  const groupH = series.length * barH + gap;
  const height = top + labels.length * groupH + 30;
  const maxV = Math.max(...bars.map((b) => b.max), 1e-9);
  const scale = (v: number) => ((width - left - right) * v) / maxV;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  series.forEach((s, i) => {
    const x = left + i * 130;
    out.push(
      `<rect x="${x}" y="28" width="12" height="10" fill="${colours[i % colours.length]}"/>`,
      `<text x="${x + 16}" y="37">${esc(s)}</text>`,
    );
  });
  labels.forEach((label, li) => {
    const y0 = top + li * groupH;
    out.push(`<text x="${left - 8}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end">${esc(label)}</text>`);
    series.forEach((s, si) => {
      const b = bars.find((x) => x.label === label && x.series === s);
      if (!b) return;
      const y = y0 + si * barH;
      const c = colours[si % colours.length];
      out.push(
        `<rect x="${left}" y="${y + 1}" width="${scale(b.median).toFixed(1)}" height="${barH - 2}" fill="${c}"/>`,
        `<line x1="${(left + scale(b.min)).toFixed(1)}" x2="${(left + scale(b.max)).toFixed(1)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#222"/>`,
        `<text x="${(left + scale(b.max) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11">${b.median.toFixed(1)} ${esc(unit)}</text>`,
      );
    });
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top - 4}" y2="${height - 26}" stroke="#888"/>`, "</svg>");
  return out.join("\n");
}

/** Stacks two SVG documents vertically into one. */
export function stackSvgs(svgs: string[]): string {
  const sizes = svgs.map((s) => {
    const m = s.match(/^<svg [^>]*width="(\d+)" height="(\d+)"/);
    if (!m) throw new Error("stackSvgs: not an SVG from barChart");
    return { w: Number(m[1]), h: Number(m[2]) };
  });
  const width = Math.max(...sizes.map((s) => s.w));
  const height = sizes.reduce((a, s) => a + s.h, 0);
  let y = 0;
  const parts = svgs.map((s, i) => {
    const inner = s.replace(/^<svg [^>]*>\n?/, "").replace(/<\/svg>\s*$/, "");
    const g = `<g transform="translate(0 ${y})">\n${inner}</g>`;
    y += sizes[i].h;
    return g;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    ...parts,
    "</svg>",
  ].join("\n");
}

/** Counts from the sshd log lines of one host (journal text, one message per line). */
export function countSshd(log: string): HostCount {
  let connections = 0;
  let sessions = 0;
  for (const line of log.split("\n")) {
    if (/Accepted (publickey|password|keyboard-interactive)/.test(line)) connections++;
    else if (/Starting session: /.test(line)) sessions++;
  }
  return { connections, sessions };
}

export interface Goal {
  goal: string;
  met: boolean;
  measured: string;
}

/** The issue's goals, judged from the rows (medians); a goal without data is not met. */
export function goals(rows: Row[]): Goal[] {
  const find = (tool: Row["tool"], stack: string, op: string) => rows.find((r) => r.tool === tool && r.stack === stack && r.op === op);
  const out: Goal[] = [];
  const noops = rows.filter((r) => r.tool === "pulumi" && r.op === "noop-up");
  out.push({
    goal: "no-op `up` runs no write command and opens at most one SSH connection per host",
    met: noops.length > 0 && noops.every((r) => r.sessions === 0 && r.maxConnectionsPerHost <= 1),
    measured:
      noops.map((r) => `${r.stack}: ${r.sessions} commands, ${r.maxConnectionsPerHost} connections per host`).join("; ") || "no data",
  });
  const refresh = find("pulumi", "scale-500", "refresh");
  const preview = find("pulumi", "scale-500", "preview");
  out.push({
    goal: "`refresh` of 500 real servers reads the IPVS table once per host (one command on the director)",
    met: !!refresh && refresh.sessions === 1 && refresh.maxConnectionsPerHost === 1,
    measured: refresh ? `${refresh.sessions} command(s), ${refresh.maxConnectionsPerHost} connection(s)` : "no data",
  });
  out.push({
    goal: "`refresh` of 500 real servers takes under 3x a no-op `preview` of the same stack",
    met: !!refresh && !!preview && refresh.median < 3 * preview.median,
    measured:
      refresh && preview
        ? `${refresh.median.toFixed(2)} s vs 3 x ${preview.median.toFixed(2)} s = ${(3 * preview.median).toFixed(2)} s`
        : "no data",
  });
  for (const stack of ["nat-lab", "dr-keepalived"]) {
    for (const [op, peer] of [
      ["up", "apply"],
      ["noop-up", "noop-apply"],
    ]) {
      const p = find("pulumi", stack, op);
      const a = find("ansible", stack, peer);
      out.push({
        goal: `${stack}: ${op === "up" ? "cold" : "no-op"} \`up\` at least 2x faster than Ansible's ${peer}`,
        met: !!p && !!a && a.median >= 2 * p.median,
        measured: p && a ? `${p.median.toFixed(2)} s vs ${a.median.toFixed(2)} s (${ratio(a.median / p.median)})` : "no data",
      });
    }
  }
  return out;
}

export function goalsTable(gs: Goal[]): string {
  return [
    "| goal | met | measured (medians) |",
    "|---|---|---|",
    ...gs.map((g) => `| ${g.goal} | ${g.met ? "yes" : "**no**"} | ${g.measured} |`),
  ].join("\n");
}

// ------------------------------------------------------------------ the floor

/** Our scale-stack operations and the host-side floor's (`ipvsadm -R` of the same rules) they compare with. */
export const HOST_OP: Record<string, string> = { up: "restore", reweight: "reweight", destroy: "delete" };

export interface FloorComparison {
  /** Real servers. */
  n: number;
  op: string;
  ours: Row;
  floor: Row;
  /** Our median over the floor's. */
  ratio: number;
  /** The same rules through `ipvsadm -R` on the director, when the operation has a host-side counterpart. */
  host?: Row;
}

/** Every scale-<n> operation that both pulumi-lvs and the floor ran, sizes ascending, in the order run. */
export function floorComparisons(rows: Row[]): FloorComparison[] {
  const out: FloorComparison[] = [];
  for (const o of rows.filter((r) => r.tool === "pulumi" && /^scale-\d+$/.test(r.stack))) {
    const f = rows.find((r) => r.tool === "floor" && r.stack === o.stack && r.op === o.op);
    if (!f) continue;
    const host = rows.find((r) => r.tool === "ipvsadm" && r.stack === o.stack && r.op === HOST_OP[o.op]);
    out.push({
      n: Number(o.stack.slice("scale-".length)),
      op: o.op,
      ours: o,
      floor: f,
      ratio: o.median / f.median,
      ...(host ? { host } : {}),
    });
  }
  return out.sort((a, b) => a.n - b.n);
}

const mb = (kb: number | undefined) => (kb === undefined ? "-" : (kb / 1024).toFixed(0));
const spread = (r: Row) => `${f2(r.min)} / **${f2(r.median)}** / ${f2(r.max)}`;

export function floorComparisonTable(cs: FloorComparison[]): string {
  const roles: Role[] = ["cli", "provider"];
  return [
    `| real servers | operation | runs | pulumi-lvs min / median / max s | floor min / median / max s | pulumi-lvs / floor | above the floor s | \`ipvsadm -R\` s | ${roles
      .map((r) => `${ROLE_TITLE[r]} peak RSS MB (ours / floor)`)
      .join(" | ")} | state MB |`,
    `|---:|---|---:|---:|---:|---:|---:|---:|${roles.map(() => "---:").join("|")}|---:|`,
    ...cs.map(
      (c) =>
        `| ${c.n} | ${c.op} | ${c.ours.runs} | ${spread(c.ours)} | ${spread(c.floor)} | ${c.ratio.toFixed(2)}x | ${f2(c.ours.median - c.floor.median)} | ${
          c.host ? f2(c.host.median) : "-"
        } | ${roles.map((r) => `${mb(c.ours.peakKb[r])} / ${mb(c.floor.peakKb[r])}`).join(" | ")} | ${
          c.ours.stateBytes === undefined ? "-" : (c.ours.stateBytes / 1e6).toFixed(1)
        } |`,
    ),
  ].join("\n");
}

/** The operations the 5,000-real-server row must have. */
export const BIG_OPS = ["up", "noop-up", "refresh", "reweight", "destroy"];

/** The floor goals: every operation at 500 within 1.5x of the floor; the 5,000 row complete with peak memory. */
export function floorGoals(rows: Row[]): Goal[] {
  const cs = floorComparisons(rows);
  const at500 = cs.filter((c) => c.n === 500);
  const big = BIG_OPS.map((op) => rows.find((r) => r.tool === "pulumi" && r.stack === "scale-5000" && r.op === op));
  const complete = big.every((r) => r && r.peakKb.cli !== undefined && r.peakKb.provider !== undefined);
  return [
    {
      goal: "500 real servers: every operation within 1.5x of the engine's floor (medians of the same run)",
      met: at500.length > 0 && at500.every((c) => c.ratio <= 1.5),
      measured: at500.map((c) => `${c.op} ${c.ratio.toFixed(2)}x`).join(", ") || "no data",
    },
    {
      goal: `5,000 real servers: ${BIG_OPS.join(", ")} measured, with the CLI's and the provider's peak RSS`,
      met: complete,
      measured: big
        .map((r, i) =>
          r
            ? `${BIG_OPS[i]} ${f2(r.median)} s (CLI ${mb(r.peakKb.cli)} MB, provider ${mb(r.peakKb.provider)} MB)`
            : `${BIG_OPS[i]} missing`,
        )
        .join("; "),
    },
  ];
}
