// npm run docs: writes the generated parts of docs/resources.md (the summary
// table and each resource's fields), of README.md (the resource list), of
// docs/configuration.md (each topology's roles and keys) and Pulumi.yaml's
// `config:` block (from the topologies in stacks/index.ts)
// from the resource declarations in providers/registry.ts, between marker
// comments. The docs of a kind and of its fields are their TSDoc: the
// resource class's, its `<Type>Args` properties' and, for outputs, its
// `Props` properties'. test/unit/docs.test.ts fails when the checked-in files
// differ.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { fieldsOf, FieldKind, KindDecl } from "../providers/common/define";
import { KIND_NAMES, KindGroup, KindName, KINDS } from "../providers/registry";
import { stacks } from "../stacks";
import { apiReference, ENTRIES } from "./apiDocs";
import { COMMON_KEYS, KeySpec, NAMESPACE } from "../stacks/config";
import { GroupSpec } from "../stacks/topology";

const ROOT = path.join(__dirname, "..");

/** The files and the generated sections in them. */
export const GENERATED: { file: string; section: string; render: () => string; prefix?: string }[] = [
  { file: "docs/resources.md", section: "summary", render: () => summaryTable() },
  { file: "docs/resources.md", section: "fields", render: () => fieldTables() },
  { file: "README.md", section: "resources", render: () => readmeList() },
  { file: "docs/configuration.md", section: "topologies", render: () => topologyTables() },
  { file: "Pulumi.yaml", section: "config", render: () => pulumiConfigBlock(), prefix: "# " },
  ...ENTRIES.map((e) => ({ file: e.doc, section: "api", render: () => apiReference(e) })),
];

export interface KindDocs {
  /** The resource class's TSDoc. */
  doc: string;
  /** Each documented property of the Args (and, when not there, of the Props): its TSDoc on one line. */
  fields: Map<string, string>;
  /** The properties of the Args. */
  args: string[];
  /** Each Args property's declared type, as written (`pulumi.Input<number>`). */
  types: Map<string, string>;
}

let program: ts.Program | undefined;

function providerFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? providerFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** The TSDoc of a kind's class, Args and Props, read with the TypeScript compiler. */
export function kindDocs(decl: KindDecl<unknown>): KindDocs {
  // Only the project's providers: the docs need no types from node_modules (noResolve keeps them out; fast).
  program ??= ts.createProgram(providerFiles(path.join(ROOT, "providers")), {
    strict: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    noResolve: true,
    types: [],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(decl.file);
  if (!sf) throw new Error(`${decl.file}: not in the program`);
  const text = (sym: ts.Symbol): string =>
    ts
      .displayPartsToString(sym.getDocumentationComment(checker))
      .replace(/\s*\n\s*/g, " ")
      .trim();
  const named = (name: string): ts.Node | undefined =>
    sf.statements.find(
      (s) => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name,
    );
  const props = (name: string): ts.Symbol[] => {
    const node = named(name);
    if (!node || !(ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node))) return [];
    const found = checker.getPropertiesOfType(checker.getTypeAtLocation(node.name));
    // Members written in the alias itself (`pulumi.Unwrap<Args> & { ... }`): types from node_modules are not
    // resolved here (noResolve), so an intersection with one of them yields no properties of its own.
    const literal: ts.Symbol[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isTypeLiteralNode(n))
        for (const m of n.members) {
          const sym = m.name ? checker.getSymbolAtLocation(m.name) : undefined;
          if (sym) literal.push(sym);
        }
      else ts.forEachChild(n, visit);
    };
    if (ts.isTypeAliasDeclaration(node)) visit(node.type);
    const names = new Set(found.map((f) => f.name));
    return [...found, ...literal.filter((l) => !names.has(l.name))];
  };
  const cls = named(decl.type);
  const clsSym = cls && ts.isClassDeclaration(cls) && cls.name ? checker.getSymbolAtLocation(cls.name) : undefined;
  const args = props(`${decl.type}Args`);
  const fields = new Map<string, string>();
  for (const sym of [...props("Props"), ...args]) if (text(sym)) fields.set(sym.name, text(sym));
  const types = new Map<string, string>();
  for (const sym of args) {
    const decl = sym.valueDeclaration;
    if (decl && ts.isPropertySignature(decl) && decl.type) types.set(sym.name, decl.type.getText());
  }
  return { doc: clsSym ? text(clsSym) : "", fields, args: args.map((a) => a.name), types };
}

const CHANGE: Record<FieldKind, string> = { replace: "replaces", update: "in place", output: "output" };

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (names: string[]): string => names.map((n) => `\`${n}\``).join(", ");

function kindsOf(group: KindGroup): KindName[] {
  return KIND_NAMES.filter((k) => KINDS[k].group === group);
}

/** One row per kind: what replaces, what updates in place, notes. */
export function summaryTable(): string {
  const rows = KIND_NAMES.map((k) => {
    const d = KINDS[k].decl;
    const replaces = [...(d.connection === false ? [] : ["connection host/port"]), ...fieldsOf(d, "replace")];
    const updates = [...fieldsOf(d, "update"), ...(d.connection === false ? [] : ["connection credentials"])];
    return `| \`${k}\` | ${cell(replaces.join(", ") || "-")} | ${cell(updates.join(", ") || "-")} | ${cell(d.notes ?? kindDocs(d).doc)} |`;
  });
  return ["| resource | replaces on | updates in place | notes |", "|---|---|---|---|", ...rows].join("\n");
}

function fieldTable(k: KindName, d: KindDecl<unknown>): string {
  const docs = kindDocs(d);
  const secret = new Set(d.fields.secret ?? []);
  const rows = (["replace", "update", "output"] as const).flatMap((kind) =>
    fieldsOf(d, kind).map((f) => `| \`${f}\` | ${CHANGE[kind]} | ${secret.has(f) ? "secret" : ""} | ${cell(docs.fields.get(f) ?? "")} |`),
  );
  if (d.connection !== false)
    rows.unshift("| `connection` | host, port: replaces; credentials: in place | secret | The host (see above). |");
  return [`### \`${k}\``, "", docs.doc, "", "| field | change | secret | doc |", "|---|---|---|---|", ...rows].join("\n");
}

/** Each kind's fields: which replace, which update in place, which are outputs, which are secret. */
export function fieldTables(): string {
  return KIND_NAMES.map((k) => fieldTable(k, KINDS[k].decl)).join("\n\n");
}

/** The README's sentence listing the resources, by group. */
export function readmeList(): string {
  const list = (names: string[]): string => (names.length < 2 ? code(names) : `${code(names.slice(0, -1))} and ${code(names.slice(-1))}`);
  return (
    `Kernel level: ${list(kindsOf("kernel"))}. Config-managed services: ${code(kindsOf("service"))}, ` +
    `with ${list(kindsOf("support"))} (all from \`providers/\`, listed in \`providers/registry.ts\`).`
  );
}

const showDefault = (v: KeySpec["default"]): string => (Array.isArray(v) ? JSON.stringify(v) : String(v));

function allowedOf(k: KeySpec): string {
  if (k.allowed) return k.allowed.join(", ");
  if (k.type === "integer" || k.type === "integers") return `${k.min ?? 0}..${k.max ?? "any"}`;
  if (k.type === "address") return "unicast IPv4 or IPv6";
  if (k.type === "interface") return "interface name";
  return "";
}

const count = (g: GroupSpec): string => {
  const max = g.max ?? g.min;
  return max === g.min ? `${g.min}` : max === Infinity ? `${g.min} or more` : `${g.min}..${max}`;
};

/** docs/configuration.md: per topology, its roles (inventory groups) and its keys. */
export function topologyTables(): string {
  return Object.entries(stacks)
    .map(([name, t]) => {
      const roles = t.groups.map((g) => `| \`${NAMESPACE}:${g.key}\` | \`${g.default}\` | ${count(g)} | ${cell(g.description)} |`);
      const keys = t.keys.map(
        (k) =>
          `| \`${NAMESPACE}:${k.key}\` | ${k.type === "integers" ? "JSON list of integers" : k.type} | ${k.default === undefined ? "**required**" : `\`${cell(showDefault(k.default))}\``} | ${cell(allowedOf(k))} | ${cell(k.description)} |`,
      );
      return [
        `### \`${name}\``,
        "",
        `${t.description}. Lab preset: \`${t.preset}\`.`,
        "",
        "| role key | default pattern | hosts | role |",
        "|---|---|---|---|",
        ...roles,
        "",
        "| key | type | default | allowed | description |",
        "|---|---|---|---|---|",
        ...keys,
      ].join("\n");
    })
    .join("\n\n");
}

/** Every key any topology reads, once (the first topology's description), with the common keys first. */
function projectKeys(): KeySpec[] {
  const byKey = new Map<string, KeySpec>();
  const add = (k: KeySpec) => {
    if (!byKey.has(k.key)) byKey.set(k.key, k);
  };
  add({ ...COMMON_KEYS.topology, description: `${COMMON_KEYS.topology.description}: ${Object.keys(stacks).join(", ")}` });
  for (const k of Object.values(COMMON_KEYS)) add(k);
  for (const t of Object.values(stacks)) {
    for (const k of t.keys) add(k);
    for (const g of t.groups)
      add({
        key: g.key,
        type: "string",
        description: `inventory host pattern of the ${g.key} role (group, group[i] or group[a:b])`,
        default: g.default,
      });
  }
  return [...byKey.values()];
}

/** Pulumi.yaml's `config:` block: each key's type, description and default (none: required). */
export function pulumiConfigBlock(): string {
  const lines = ["config:"];
  for (const k of projectKeys()) {
    const type = k.type === "integer" ? "integer" : k.type === "boolean" ? "boolean" : "string";
    lines.push(`  ${NAMESPACE}:${k.key}:`, `    type: ${type}`, `    description: ${JSON.stringify(k.description)}`);
    if (k.default !== undefined)
      lines.push(`    default: ${JSON.stringify(Array.isArray(k.default) ? JSON.stringify(k.default) : k.default)}`);
  }
  return lines.join("\n");
}

const begin = (section: string) => `<!-- generated:${section} (npm run docs; do not edit by hand) -->`;
const end = (section: string) => `<!-- end generated:${section} -->`;

/** `text` with the section between its markers replaced by `body`; fails when the markers are missing. */
export function replaceSection(text: string, file: string, section: string, body: string, prefix = ""): string {
  const [open, close] = [prefix + begin(section), prefix + end(section)];
  const b = text.indexOf(open);
  const e = text.indexOf(close);
  if (b < 0 || e < b) throw new Error(`${file}: no ${open} ... ${close} markers`);
  return `${text.slice(0, b)}${open}\n\n${body}\n\n${text.slice(e)}`;
}

/** Every generated file's content as it should be. */
export function generatedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of GENERATED) {
    const text = out.get(g.file) ?? fs.readFileSync(path.join(ROOT, g.file), "utf8");
    out.set(g.file, replaceSection(text, g.file, g.section, g.render(), g.prefix));
  }
  return out;
}

if (require.main === module) {
  for (const [file, text] of generatedFiles()) {
    const target = path.join(ROOT, file);
    if (fs.readFileSync(target, "utf8") === text) continue;
    fs.writeFileSync(target, text);
    console.log(`wrote ${file}`);
  }
}
