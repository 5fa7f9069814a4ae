// The package's API reference (docs/api/*.md), from the TSDoc of what each
// entry point exports: `pulumi-lvs` (providers/index.ts), `pulumi-lvs/components`
// (stacks/components/index.ts) and `pulumi-lvs/inventory` (stacks/inventory.ts).
// Read with the TypeScript compiler (project files only: types from
// node_modules are shown as written). `undocumentedArgsFields()` lists every
// exported *Args field whose doc does not say its default (or that it is required).
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

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
    const rows = members(d).map((m) => `| \`${m.name}${m.optional ? "?" : ""}\` | \`${cell(m.type)}\` | ${cell(m.doc)} |`);
    return [
      `### \`${e.name}\` (interface)`,
      "",
      doc,
      ...(rows.length ? ["", "| field | type | doc |", "|---|---|---|", ...rows] : []),
    ].join("\n");
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

/** `Name.field` of every exported *Args interface field whose doc says neither its default nor that it is required. */
export function undocumentedArgsFields(): string[] {
  const out: string[] = [];
  for (const entry of ENTRIES)
    for (const e of exportsOf(entry.file))
      if (e.name.endsWith("Args") && ts.isInterfaceDeclaration(e.decl))
        for (const m of members(e.decl)) if (!/\b(default|required)\b/i.test(m.doc)) out.push(`${entry.module}: ${e.name}.${m.name}`);
  return out;
}
