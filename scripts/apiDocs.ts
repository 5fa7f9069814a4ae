// The package's API reference (docs/api/*.md), from the TSDoc of what each
// entry point exports: `pulumi-lvs` (providers/index.ts), `pulumi-lvs/components`
// (stacks/components/index.ts) and `pulumi-lvs/inventory` (stacks/inventory.ts).
// Read with the TypeScript compiler (project files only: types from
// node_modules are shown as written). `undocumentedArgsFields()` lists every
// exported *Args field whose doc does not say its default (or that it is required).
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { CONNECTION_DIFF } from "../providers/common/diff";
import { KINDS, KindName } from "../providers/registry";

const ROOT = path.join(__dirname, "..");

/** The package's entry points: import path, source file, the docs/api file. */
export const ENTRIES = [
  { module: "pulumi-lvs", file: "providers/index.ts", doc: "docs/api/resources.md" },
  { module: "pulumi-lvs/components", file: "stacks/components/index.ts", doc: "docs/api/components.md" },
  { module: "pulumi-lvs/inventory", file: "stacks/inventory.ts", doc: "docs/api/inventory.md" },
] as const;

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

let program: ts.Program | undefined;
function load(): ts.Program {
  program ??= ts.createProgram([...tsFiles(path.join(ROOT, "providers")), ...tsFiles(path.join(ROOT, "stacks"))], {
    strict: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    noResolve: true,
    types: [],
    noEmit: true,
  });
  return program;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, " ").trim();
const cell = (s: string): string => oneLine(s).replace(/\|/g, "\\|");

interface Exported {
  name: string;
  symbol: ts.Symbol;
  decl: ts.Declaration;
}

/** What an entry point exports, by name, with each symbol's own declaration. */
function exportsOf(file: string): Exported[] {
  const p = load();
  const checker = p.getTypeChecker();
  const sf = p.getSourceFile(path.join(ROOT, file));
  if (!sf) throw new Error(`${file}: not in the program`);
  const mod = checker.getSymbolAtLocation(sf);
  if (!mod) return [];
  return checker
    .getExportsOfModule(mod)
    .map((s) => {
      const symbol = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      const decl = symbol.declarations?.[0];
      return decl ? { name: s.name, symbol, decl } : undefined;
    })
    .filter((e): e is Exported => e !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function docOf(symbol: ts.Symbol): string {
  return oneLine(ts.displayPartsToString(symbol.getDocumentationComment(load().getTypeChecker())));
}

function members(node: ts.InterfaceDeclaration | ts.TypeLiteralNode): { name: string; type: string; optional: boolean; doc: string }[] {
  const checker = load().getTypeChecker();
  return node.members.flatMap((m) => {
    if (!ts.isPropertySignature(m) || !m.name) return [];
    const sym = checker.getSymbolAtLocation(m.name);
    return [
      { name: m.name.getText(), type: m.type ? oneLine(m.type.getText()) : "", optional: !!m.questionToken, doc: sym ? docOf(sym) : "" },
    ];
  });
}

function section(e: Exported): string {
  const d = e.decl;
  const doc = docOf(e.symbol);
  if (ts.isClassDeclaration(d)) {
    const ctor = d.members.find(ts.isConstructorDeclaration);
    const sig = ctor ? `new ${e.name}(${ctor.parameters.map((p) => oneLine(p.getText())).join(", ")})` : `class ${e.name}`;
    const props = d.members.filter(
      (m): m is ts.PropertyDeclaration =>
        ts.isPropertyDeclaration(m) &&
        !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword),
    );
    const checker = load().getTypeChecker();
    const rows = props.map((m) => {
      const sym = checker.getSymbolAtLocation(m.name);
      return `| \`${m.name.getText()}\` | \`${cell(m.type?.getText() ?? "")}\` | ${cell(sym ? docOf(sym) : "")} |`;
    });
    return [
      `### \`${e.name}\` (class)`,
      "",
      doc,
      "",
      "```ts",
      sig,
      "```",
      ...(rows.length ? ["", "| property | type | doc |", "|---|---|---|", ...rows] : []),
    ].join("\n");
  }
  if (ts.isInterfaceDeclaration(d)) {
    const declared = declaredChanges(e.name);
    const change = (m: string) => (declared ? ` ${declared(m) ?? "**not declared**"} |` : "");
    const rows = members(d).map((m) => `| \`${m.name}${m.optional ? "?" : ""}\` | \`${cell(m.type)}\` | ${cell(m.doc)} |${change(m.name)}`);
    const head = declared ? ["| field | type | doc | on change |", "|---|---|---|---|"] : ["| field | type | doc |", "|---|---|---|"];
    return [`### \`${e.name}\` (interface)`, "", doc, ...(rows.length ? ["", ...head, ...rows] : [])].join("\n");
  }
  if (ts.isFunctionDeclaration(d)) {
    const sig = `${e.name}(${d.parameters.map((p) => oneLine(p.getText())).join(", ")})${d.type ? `: ${oneLine(d.type.getText())}` : ""}`;
    return [`### \`${e.name}\` (function)`, "", doc, "", "```ts", sig, "```"].join("\n");
  }
  if (ts.isTypeAliasDeclaration(d)) return [`### \`${e.name}\` (type)`, "", doc, "", "```ts", oneLine(d.getText()), "```"].join("\n");
  return [`### \`${e.name}\``, "", doc].join("\n");
}

/** One entry point's reference: every export, alphabetically. */
export function apiReference(entry: (typeof ENTRIES)[number]): string {
  return exportsOf(entry.file).map(section).join("\n\n");
}

/** The connection's fields as every resource's diff compares them (providers/common/diff.ts). */
function connectionChange(field: string): string {
  const path = `connection.${field}`;
  if (CONNECTION_DIFF.replace.includes(path)) return "replaces";
  if (CONNECTION_DIFF.update.includes(path)) return "updates in place";
  return "not compared (used from the next operation on)";
}

/**
 * What a change of each field of interface `name` does, from the one
 * declaration that the provider's diff uses: a resource kind's `<Kind>Args`
 * (its KindDecl's replace/update lists), or the connection. Undefined for
 * other interfaces; the function's undefined for a field the declaration
 * does not list.
 */
function declaredChanges(name: string): ((field: string) => string | undefined) | undefined {
  if (name === "ConnectionArgs" || name === "ConnectionInput") return connectionChange;
  const kind = name.replace(/Args$/, "");
  if (!name.endsWith("Args") || !(kind in KINDS)) return undefined;
  const fields = KINDS[kind as KindName].decl.fields;
  return (field) =>
    field === "connection"
      ? "host, port: replaces; credentials: updates in place"
      : fields.replace?.includes(field)
        ? "replaces"
        : fields.update?.includes(field)
          ? "updates in place"
          : undefined;
}

/** The components' input interfaces besides their `*Args`. */
const COMPONENT_INPUTS = ["ClusterHost", "VrrpMember", "TrackScript"];

/**
 * Every exported Args field (resources, connection, components) whose doc
 * fails the API rules, as `module: Name.field: what is missing`: its doc must
 * say `Required` or its `Default`; a resource's field must be declared
 * replace or update in its kind (the docs' "on change" column); a
 * component's field must say what a change does (replaces, updates, adds or
 * removes, or that it is only checked).
 */
export function undocumentedArgsFields(): string[] {
  const out: string[] = [];
  for (const entry of ENTRIES)
    for (const e of exportsOf(entry.file)) {
      const component = entry.module === "pulumi-lvs/components";
      const checked = e.name.endsWith("Args") || e.name === "ConnectionInput" || (component && COMPONENT_INPUTS.includes(e.name));
      if (!checked || !ts.isInterfaceDeclaration(e.decl)) continue;
      const declared = declaredChanges(e.name);
      for (const m of members(e.decl)) {
        const where = `${entry.module}: ${e.name}.${m.name}`;
        if (!/\b(Default|Required)\b/.test(m.doc)) out.push(`${where}: says neither Required nor its Default`);
        if (declared && !declared(m.name)) out.push(`${where}: not in ${e.name.replace(/Args$/, "")}'s replace or update fields`);
        if (component && !/\b(replac|update|adds or removes|only checked)/i.test(m.doc))
          out.push(`${where}: does not say what a change does`);
      }
    }
  return out;
}
