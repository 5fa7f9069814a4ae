// The engine-floor benchmark's pure core (bench/floor.ts measures): the
// stack's shape at each size, which process of the tree a sample belongs to,
// the summary rows, the ratios of the real stacks' figures to the floor, and
// the Markdown report. No I/O here.
import { median } from "./report";

/**
 * The operations of one floor run, in the order they run; then cold `up` and
 * `destroy` with PULUMI_SKIP_CHECKPOINTS=true (no checkpoint written until
 * the end: what the engine costs without them), measured once per size.
 */
export const FLOOR_OPS = ["up", "noop-up", "preview", "refresh", "reweight", "destroy", "up-nockpt", "destroy-nockpt"] as const;
export type FloorOp = (typeof FLOOR_OPS)[number];

/** The processes of one CLI command whose peak RSS is reported. */
export const ROLES = ["cli", "language", "program", "provider"] as const;
export type Role = (typeof ROLES)[number];

const ROLE_TITLE: Record<Role, string> = {
  cli: "CLI",
  language: "language host",
  program: "program (Node)",
  provider: "provider (Node)",
};

/**
 * The floor stack at `n` real servers, shaped like the bench's scale stack:
 * 10 services of n/10 real servers up to 500, then 50 services (the issue's
 * 5,000 = 50 x 100).
 */
export function floorShape(n: number): { services: number; serversPerService: number; resources: number } {
  if (!Number.isInteger(n) || n < 10) throw new Error(`floor: the number of real servers must be an integer >= 10; got ${n}`);
  const services = n >= 5000 ? 50 : 10;
  if (n % services) throw new Error(`floor: ${n} real servers do not split evenly into ${services} services`);
  return { services, serversPerService: n / services, resources: services + n };
}

/** Every n-th server is reweighted so that `percent` of them are (the scale stack's rule, stacks/scale.ts). */
export function reweightedCount(n: number, percent: number): number {
  if (percent <= 0) return 0;
  const every = Math.round(100 / percent);
  return Math.floor(n / every);
}

/**
 * Which process of a CLI command this is, from its command line (NUL-split
 * /proc/<pid>/cmdline): the CLI, the Go language host, the Node program, the
 * Node dynamic-provider host; undefined for anything else (the provider's
 * `sh` wrapper, a `node -e` that finds the provider script).
 */
export function roleOf(argv: string[]): Role | undefined {
  if (!argv.length) return undefined;
  const exe = argv[0].split("/").pop() ?? "";
  if (exe === "pulumi") return "cli";
  if (exe === "pulumi-language-nodejs") return "language";
  if (!/^node(js)?$/.test(exe)) return undefined;
  const args = argv.slice(1);
  if (args.some((a) => a === "-e" || a === "--eval" || a === "-p" || a === "--print")) return undefined;
  // The script: the first argument that is not an option of node's.
  const script = args.find((a) => !a.startsWith("-")) ?? "";
  if (/@pulumi\/pulumi\/cmd\/dynamic-provider(\/|$)/.test(script)) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run(\/|$)/.test(script)) return "program";
  return undefined;
}

/** VmHWM (peak resident set) in kB from /proc/<pid>/status, undefined when absent (a zombie, a kernel thread). */
export function vmHwmKb(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The parent pid from /proc/<pid>/stat (the name in parentheses may hold spaces and parentheses). */
export function ppidOf(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The pids under `root` (not itself) in a pid -> parent map. */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const p = todo.pop()!;
    if (out.includes(p)) continue;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out.sort((a, b) => a - b);
}

export interface FloorSample {
  /** Real servers. */
  n: number;
  /** Dynamic resources in the stack (services + real servers). */
  resources: number;
  op: FloorOp;
  run: number;
  seconds: number;
  /** Resources the operation changed, as the engine summarized them (create 510, update 50, ...). */
  changes: string;
  /** Peak RSS per process role in kB (the largest process of that role). */
  peakKb: Partial<Record<Role, number>>;
  /** The checkpoint file's size after the operation, bytes. */
  stateBytes?: number;
  /** Stopped at the time limit: `seconds` is a lower bound. */
  timedOut?: boolean;
  /** When stopped: the resources the checkpoint held by then. */
  done?: number;
}

export interface FloorRow {
  n: number;
  resources: number;
  op: FloorOp;
  runs: number;
  min: number;
  median: number;
  max: number;
  /** Largest peak RSS over the runs, kB. */
  peakKb: Partial<Record<Role, number>>;
  /** Largest checkpoint size over the runs, bytes. */
  stateBytes?: number;
  /** A run was stopped at the time limit: the times are lower bounds. */
  timedOut?: boolean;
  /** The stopped run's resources in the checkpoint. */
  done?: number;
}

/** One row per (n, op), sizes ascending, operations in FLOOR_OPS order. */
export function summarizeFloor(samples: FloorSample[]): FloorRow[] {
  const groups = new Map<string, FloorSample[]>();
  for (const s of samples) {
    const k = `${s.n}\0${s.op}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const rows = [...groups.values()].map((g): FloorRow => {
    const secs = g.map((s) => s.seconds);
    const peakKb: Partial<Record<Role, number>> = {};
    for (const r of ROLES) {
      const v = g.map((s) => s.peakKb[r]).filter((x): x is number => x !== undefined);
      if (v.length) peakKb[r] = Math.max(...v);
    }
    const st = g.map((s) => s.stateBytes).filter((x): x is number => x !== undefined);
    const stopped = g.filter((s) => s.timedOut);
    return {
      n: g[0].n,
      resources: g[0].resources,
      op: g[0].op,
      runs: g.length,
      min: Math.min(...secs),
      median: median(secs),
      max: Math.max(...secs),
      peakKb,
      ...(st.length ? { stateBytes: Math.max(...st) } : {}),
      ...(stopped.length ? { timedOut: true, done: Math.max(...stopped.map((s) => s.done ?? 0)) } : {}),
    };
  });
  return rows.sort((a, b) => a.n - b.n || FLOOR_OPS.indexOf(a.op) - FLOOR_OPS.indexOf(b.op));
}

const f2 = (x: number) => x.toFixed(2);
const mb = (kb: number | undefined) => (kb === undefined ? "-" : (kb / 1024).toFixed(0));

/** How far a stopped cold `up` or `destroy` got, from the resources in its checkpoint. */
function progress(r: FloorRow): string {
  if (r.done === undefined) return "";
  if (r.op.startsWith("up")) return `: ${r.done} of ${r.resources} created`;
  if (r.op.startsWith("destroy")) return `: ${r.resources - r.done} of ${r.resources} deleted`;
  return "";
}

export function floorTable(rows: FloorRow[]): string {
  const lines = [
    `| real servers | resources | operation | runs | min s | median s | max s | ${ROLES.map((r) => `${ROLE_TITLE[r]} peak RSS MB`).join(" | ")} | state MB |`,
    `|---:|---:|---|---:|---:|---:|---:|${ROLES.map(() => "---:").join("|")}|---:|`,
  ];
  for (const r of rows) {
    const t = (x: number) => (r.timedOut ? `> ${f2(x)}` : f2(x));
    const op = r.timedOut ? `${r.op} (stopped at the time limit${progress(r)})` : r.op;
    lines.push(
      `| ${r.n} | ${r.resources} | ${op} | ${r.runs} | ${t(r.min)} | ${t(r.median)} | ${t(r.max)} | ${ROLES.map((x) => mb(r.peakKb[x])).join(" | ")} | ${
        r.stateBytes === undefined ? "-" : (r.stateBytes / 1e6).toFixed(1)
      } |`,
    );
  }
  return lines.join("\n");
}

/** A Pulumi row of bench/results.md's "Every operation" table. */
export interface OurRow {
  stack: string;
  op: string;
  runs: number;
  median: number;
}

/** The Pulumi rows of bench/results.md ("| pulumi | scale-500 | up | 1 | 113.50 | 113.50 | 113.50 | 1 | 139 |"). */
export function parseResults(md: string): OurRow[] {
  const out: OurRow[] = [];
  for (const line of md.split("\n")) {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length < 7 || cells[0] !== "pulumi") continue;
    const [, stack, op, runs, , med] = cells;
    if (!/^\d+$/.test(runs) || !Number.isFinite(Number(med))) continue;
    out.push({ stack, op, runs: Number(runs), median: Number(med) });
  }
  return out;
}

export interface Ratio {
  n: number;
  op: FloorOp;
  ours: number;
  oursRuns: number;
  floor: number;
  /** ours / floor (medians). */
  ratio: number;
  /** The floor's fastest run: the least disturbed by other work on the machine. */
  floorMin: number;
  /** ours / the floor's fastest run. */
  ratioMin: number;
  /** ours - floor, seconds: what is not the engine. */
  above: number;
}

/** Our medians (scale-<n> in bench/results.md) over the floor's, for every size and operation both have. */
export function ratios(rows: FloorRow[], ours: OurRow[]): Ratio[] {
  const out: Ratio[] = [];
  for (const r of rows) {
    const o = ours.find((x) => x.stack === `scale-${r.n}` && x.op === r.op);
    if (!o || r.median <= 0 || r.timedOut) continue;
    out.push({
      n: r.n,
      op: r.op,
      ours: o.median,
      oursRuns: o.runs,
      floor: r.median,
      ratio: o.median / r.median,
      floorMin: r.min,
      ratioMin: o.median / r.min,
      above: o.median - r.median,
    });
  }
  return out;
}

export function ratioTable(rs: Ratio[]): string {
  return [
    "| real servers | operation | pulumi-lvs median s (runs) | floor median s | pulumi-lvs / floor | above the floor s | floor min s | pulumi-lvs / floor min |",
    "|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rs.map(
      (r) =>
        `| ${r.n} | ${r.op} | ${f2(r.ours)} (${r.oursRuns}) | ${f2(r.floor)} | ${r.ratio.toFixed(2)}x | ${f2(r.above)} | ${f2(r.floorMin)} | ${r.ratioMin.toFixed(2)}x |`,
    ),
  ].join("\n");
}

export interface FloorRunInfo {
  startedAt: Date;
  minutes: number;
  machine: string;
  cli: string;
  /** Notes on the run (load, sizes measured once, checks made). */
  notes: string[];
}

/** bench/floor-results.md. */
export function floorMarkdown(info: FloorRunInfo, rows: FloorRow[], rs: Ratio[]): string {
  const stamp = info.startedAt.toISOString().slice(0, 16).replace("T", " ");
  return [
    "# Benchmark: the engine's floor",
    "",
    `Written by bench/floor.ts (\`npm run bench -- --only floor\`; the options of each part in the notes) on ${stamp} UTC in ${info.minutes.toFixed(0)} min: ${info.machine}; ${info.cli}.`,
    "The same stack shape as the bench's scale stack (services of real servers, each real server `dependsOn` its service), every resource a " +
      "dynamic resource whose provider does nothing: no host, no SSH; `create` returns an id, `diff` compares the inputs, `read`, `update` and " +
      "`delete` return at once. Inputs are shaped and sized like IpvsService's and IpvsRealServer's (a secret `connection` with a key-sized " +
      "`privateKey`, the service key, address, method, weight), and each resource's `__provider` is padded to the size of the real kind's " +
      "provider stub, so the checkpoint has the real stack's size. Same CLI, local file backend, Automation API and parallelism (the engine's " +
      "default) as the bench's real stacks.",
    "Times are wall-clock seconds of the whole command. Peak RSS is the largest VmHWM of each process of the command (sampled from /proc every " +
      "100 ms), the largest over the runs; state MB is the checkpoint file after the operation.",
    "",
    "## Every operation",
    "",
    floorTable(rows),
    "",
    "## pulumi-lvs over the floor",
    "",
    rs.length
      ? "Medians of the scale stack's rows in [results.md](results.md) (the lab under software emulation) over the floor's medians here."
      : "No scale rows in [results.md](results.md) to compare with.",
    "",
    ...(rs.length ? [ratioTable(rs), ""] : []),
    "## Notes",
    "",
    ...info.notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}
