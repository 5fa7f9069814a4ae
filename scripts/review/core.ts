// Reviewable changes, pure part: turns the engine's step events of a preview
// (or of a refresh preview) into what an operator reads: per resource the
// properties that change, old -> new, in place or replaced; a Markdown
// comment for pull requests; a drift table for cron/CI.

/** The parts of an engine step event the reports use (Automation API StepEventMetadata). */
export interface Step {
  op: string;
  urn: string;
  type: string;
  /** Property names whose change replaces the resource. */
  keys?: string[];
  old?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; custom?: boolean };
}

export interface Change {
  path: string;
  old?: unknown;
  new?: unknown;
}

export interface ResourceChange {
  /** Resource name (last URN segment). */
  name: string;
  /** pulumi-lvs type without the module, e.g. IpvsService. */
  kind: string;
  op: "create" | "update" | "replace" | "delete";
  changes: Change[];
  /** Top-level properties that force the replacement. */
  replacedBy: string[];
}

/** Inputs that are plumbing, never a change an operator reviews. */
const NOISE = new Set(["__provider", "__pulumiType"]);

/** Outputs the providers keep for themselves; on refresh they are the drift signal, in a preview they are noise. */
export const BOOKKEEPING = new Set([
  "sha256",
  "mainInSync",
  "running",
  "assigned",
  "persisted",
  "present",
  "previous",
  "hashes",
  "live",
  "installed",
  "missing",
  "liveMode",
  "liveOwner",
  "key",
  "value",
]);

/** Leaves of a value as dotted paths (arrays as [i]). */
export function flatten(v: unknown, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (v && typeof v === "object" && !isSecret(v)) {
    const entries = Array.isArray(v)
      ? v.map((x, i) => [`[${i}]`, x] as const)
      : Object.entries(v as Record<string, unknown>).map(([k, x]) => [prefix ? `.${k}` : k, x] as const);
    if (entries.length === 0 && prefix) out.set(prefix, Array.isArray(v) ? [] : {});
    for (const [k, x] of entries) for (const [p, leaf] of flatten(x, `${prefix}${k}`)) out.set(p, leaf);
  } else {
    out.set(prefix, v);
  }
  return out;
}

/** The engine shows secrets as "[secret]" (or a secret signature object). */
function isSecret(v: unknown): boolean {
  return (
    !!v &&
    typeof v === "object" &&
    (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270"
  );
}

/** Changed leaves between two property bags, skipping `skip` top-level keys. */
export function changedLeaves(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}, skip: Set<string> = NOISE): Change[] {
  const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !skip.has(k)));
  const fa = flatten(strip(a));
  const fb = flatten(strip(b));
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(fa.get(p)) !== JSON.stringify(fb.get(p)))
    .map((p) => ({ path: p, old: fa.get(p), new: fb.get(p) }));
}

function nameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** The reviewable changes of a preview's steps (one entry per resource; replacement steps folded). */
export function previewChanges(steps: Step[]): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const s of steps) {
    if (s.type === "pulumi:pulumi:Stack" || s.type.startsWith("pulumi:providers:")) continue;
    const op =
      s.op === "create"
        ? "create"
        : s.op === "update"
          ? "update"
          : s.op === "replace"
            ? "replace"
            : s.op === "delete"
              ? "delete"
              : undefined;
    if (!op) continue;
    const skip = new Set([...NOISE, ...BOOKKEEPING]);
    const changes = op === "delete" ? [] : changedLeaves(op === "create" ? {} : s.old?.inputs, s.new?.inputs, skip);
    out.push({
      name: nameOf(s.urn),
      kind: kindOf(s.type),
      op,
      changes,
      replacedBy: op === "replace" ? (s.keys ?? []).filter((k) => !NOISE.has(k)) : [],
    });
  }
  return out.sort((x, y) => x.kind.localeCompare(y.kind) || x.name.localeCompare(y.name));
}

/** A value as the report prints it: short, one line; long hashes shortened. */
export function show(v: unknown): string {
  if (v === undefined) return "(none)";
  if (v === "[secret]" || isSecret(v)) return "[secret]";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  if (/^[0-9a-f]{64}$/.test(s)) return `${s.slice(0, 12)}…`;
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** How many properties of a new resource the comment lists. */
const CREATE_ROWS = 4;

const OP_WORD: Record<ResourceChange["op"], string> = {
  create: "create",
  update: "update in place",
  replace: "**replace**",
  delete: "delete",
};

/**
 * The hidden first line of a stack's report: scripts/pr-comment.sh finds the
 * pull request's comment for the stack by it and updates that comment in place.
 */
export function previewMarker(stack: string): string {
  return `<!-- pulumi-lvs-preview:${stack} -->`;
}

/**
 * A value as a code span in a Markdown (GFM) table cell: `|` escaped as `\|`
 * (GFM takes that out before it reads the code span, so the backslash does
 * not show), a line break as `<br>` between code spans, and a fence longer
 * than any backtick run inside. Backslashes stay as they are: a code span
 * shows them literally.
 */
export function codeCell(s: string): string {
  return s
    .split(/\r\n|\r|\n/)
    .map((line) => {
      if (line === "") return "` `";
      const fence = "`".repeat(Math.max(0, ...(line.match(/`+/g) ?? []).map((r) => r.length)) + 1);
      const pad = line.startsWith("`") || line.endsWith("`") || (line.startsWith(" ") && line.endsWith(" ")) ? " " : "";
      return `${fence}${pad}${line.replace(/\|/g, "\\|")}${pad}${fence}`;
    })
    .join("<br>");
}

/** Plain text in a Markdown table cell: Markdown's punctuation escaped, line breaks as `<br>`. */
export function textCell(s: string): string {
  return s
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/[\\`*_[\]<>|~&#!]/g, (c) => `\\${c}`))
    .join("<br>");
}

/**
 * The pull-request comment: a hidden marker, summary counts, then per resource
 * old -> new, replacements flagged; last the stack's topology (Markdown, e.g.
 * scripts/review/diagramCore.ts previewTopology: a ```mermaid block or a
 * one-line note), when given.
 */
export function previewMarkdown(stack: string, changes: ResourceChange[], note?: string, topology?: string): string {
  const count = (op: ResourceChange["op"]) => changes.filter((c) => c.op === op).length;
  const lines = [previewMarker(stack), `### pulumi-lvs preview: \`${stack}\``, ""];
  const end = (body: string[]) => [...body, ...(topology ? ["", topology.replace(/\n+$/, "")] : []), ""].join("\n");
  if (note) lines.push(note, "");
  if (!changes.length) return end([...lines, "No changes: the hosts already match the program."]);
  lines.push(
    `**${count("create")} to create, ${count("update")} to update in place, ${count("replace")} to replace, ${count("delete")} to delete**`,
    "",
  );
  lines.push("| resource | type | action | property | old | new |", "|---|---|---|---|---|---|");
  for (const c of changes) {
    const action = OP_WORD[c.op] + (c.replacedBy.length ? ` (${textCell(c.replacedBy.join(", "))} changed)` : "");
    const head = `| ${codeCell(c.name)} | ${textCell(c.kind)} | ${action} `;
    if (!c.changes.length || c.op === "delete") {
      lines.push(`${head}| | | |`);
      continue;
    }
    // A new resource lists its first properties; an update all that change.
    const shown = c.op === "create" ? c.changes.filter((ch) => !ch.path.startsWith("connection")).slice(0, CREATE_ROWS) : c.changes;
    shown.forEach((ch, i) => {
      const old = c.op === "create" ? "" : codeCell(show(ch.old));
      lines.push(`${i === 0 ? head : "| | | "}| ${codeCell(ch.path)} | ${old} | ${codeCell(show(ch.new))} |`);
    });
    if (c.op === "create" && c.changes.length > shown.length) lines.push(`| | | | … ${c.changes.length - shown.length} more | | |`);
  }
  if (count("replace")) lines.push("", "Replacements remove the object on the host and create it again (connections to it are cut).");
  return end(lines);
}

export interface Drift {
  name: string;
  kind: string;
  property: string;
  state: unknown;
  live: unknown;
}

/** Drift found by a refresh preview: outputs in state vs what the hosts report. */
export function driftOf(steps: Step[]): Drift[] {
  const out: Drift[] = [];
  for (const s of steps) {
    if (s.type === "pulumi:pulumi:Stack" || s.type.startsWith("pulumi:providers:")) continue;
    if (s.op === "same" && !s.new) continue;
    const gone = !s.new || s.op === "delete";
    if (gone) {
      out.push({ name: nameOf(s.urn), kind: kindOf(s.type), property: "(resource)", state: "present", live: "gone" });
      continue;
    }
    for (const ch of changedLeaves(s.old?.outputs, s.new?.outputs)) {
      out.push({ name: nameOf(s.urn), kind: kindOf(s.type), property: ch.path, state: ch.old, live: ch.new });
    }
  }
  return out;
}

/** A plain-text table: header row, then rows, columns padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

export function driftTable(drifts: Drift[]): string {
  if (!drifts.length) return "No drift: every resource matches its host.\n";
  return table(
    ["resource", "type", "property", "in state", "on the host"],
    drifts.map((d) => [d.name, d.kind, d.property, show(d.state), show(d.live)]),
  );
}
