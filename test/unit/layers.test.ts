// Imports point down the layers, never up. Every .ts file in the repository
// belongs to one layer; a relative import may name a file of the same layer or
// of a layer below, never one above:
//
//   transport (providers/transport: SSH, shell quoting)
//   -> common (providers/common: checks, diff, provider references, net words)
//   -> shared kinds (providers/files, readiness, system: what other kinds build on)
//   -> providers (one folder per resource kind, and providers/*.ts that list them)
//   -> hosts (stacks/hosts.ts, inventory.ts, checks.ts: the hosts and the topology
//      checks the components are built on)
//   -> components (stacks/components)
//   -> stacks (the other stacks/*.ts, index.ts)
//   -> tools (lab/, scripts/, bench/)
//   -> tests (test/: may use the tools' helpers in scripts/lib; the tools never import test/)
//
// Inside "providers" the kinds stand apart: a kind's folder imports its own
// files and the layers below, not another kind (what two kinds share goes to
// providers/common/ or a shared kind). Files directly in providers/ (the
// registry) may import every kind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

interface Layer {
  name: string;
  /** Repository-relative prefixes: a folder ends in "/", a file is named whole. */
  paths: string[];
  /** Sub-folders of the layer's folder may not import each other (resource kinds). */
  foldersApart?: boolean;
}

/** Lowest first. A path belongs to the layer with its longest matching prefix. */
const LAYERS: readonly Layer[] = [
  { name: "transport", paths: ["providers/transport/"] },
  { name: "common", paths: ["providers/common/"] },
  { name: "shared kinds", paths: ["providers/files/", "providers/readiness/", "providers/system/"] },
  { name: "providers", paths: ["providers/"], foldersApart: true },
  { name: "hosts", paths: ["stacks/hosts.ts", "stacks/inventory.ts", "stacks/checks.ts"] },
  { name: "components", paths: ["stacks/components/"] },
  { name: "stacks", paths: ["stacks/", "index.ts"] },
  { name: "tools", paths: ["lab/", "scripts/", "bench/"] },
  { name: "tests", paths: ["test/"] },
];

/** Hidden folders are work areas (.test-work, .scratch, .bench-work, .pulumi-state, .lab) or CI settings. */
const SKIP = new Set(["node_modules", "bin", "dist"]);

const root = path.resolve(__dirname, "../..");

interface Place {
  layer: number;
  /** The matched prefix and the sub-folder under it, for foldersApart layers. */
  folder?: string;
}

function placeOf(rel: string): Place | undefined {
  let best: { layer: number; prefix: string } | undefined;
  LAYERS.forEach((l, i) => {
    for (const p of l.paths) {
      const hit = p.endsWith("/") ? rel.startsWith(p) : rel === p;
      if (hit && (!best || p.length > best.prefix.length)) best = { layer: i, prefix: p };
    }
  });
  if (!best) return undefined;
  const rest = rel.slice(best.prefix.length);
  const slash = rest.indexOf("/");
  return { layer: best.layer, folder: LAYERS[best.layer].foldersApart && slash > 0 ? best.prefix + rest.slice(0, slash) : undefined };
}

/** Why `from` may not import `to` (repository-relative paths), or undefined when it may. */
export function violation(from: string, to: string): string | undefined {
  const a = placeOf(from);
  const b = placeOf(to);
  if (!a) return `${from} belongs to no layer; add its folder to LAYERS in test/unit/layers.test.ts`;
  if (!b) return to.endsWith(".ts") ? `${to} belongs to no layer` : undefined;
  if (b.layer > a.layer) return `${LAYERS[a.layer].name} imports ${LAYERS[b.layer].name}, a higher layer`;
  if (b.layer === a.layer && a.folder !== undefined && a.folder !== b.folder) {
    return `${a.folder}/ imports ${to}, outside its own folder in the ${LAYERS[a.layer].name} layer (they stand apart: move what they share below, e.g. to providers/common/)`;
  }
  return undefined;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The relative module specifiers of a source text: import/export ... from, import "x", import("x"), require("x"). */
export function relativeImports(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["'](\.[^"']*)["']/gm,
    /^\s*import\s*["'](\.[^"']*)["']/gm,
    /\b(?:require|import)\(\s*["'](\.[^"']*)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/** The file a relative specifier names, repository-relative, or undefined when none exists. */
function resolve(fromAbs: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromAbs), spec);
  for (const c of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return path.relative(root, c).split(path.sep).join("/");
  }
  return undefined;
}

describe("layers: imports point down", () => {
  it("the rules refuse the imports issue 18 found and allow the ones that point down", () => {
    // Upwards or across kinds: refused.
    assert.match(violation("stacks/hosts.ts", "lab/inventory.ts") ?? "", /hosts imports tools/);
    assert.match(violation("scripts/demo.ts", "test/support/toolchain.ts") ?? "", /tools imports tests/);
    assert.match(violation("bench/run.ts", "test/support/stacks.ts") ?? "", /tools imports tests/);
    assert.match(
      violation("providers/route/core.ts", "providers/nat/core.ts") ?? "",
      /providers\/route\/ imports providers\/nat\/core\.ts, outside its own folder/,
    );
    assert.match(violation("providers/common/check.ts", "providers/ipvs/model.ts") ?? "", /common imports providers/);
    assert.match(violation("providers/transport/ssh.ts", "providers/common/errors.ts") ?? "", /transport imports common/);
    assert.match(violation("stacks/components/drCluster.ts", "stacks/natLab.ts") ?? "", /components imports stacks/);
    assert.match(
      violation("providers/nat/core.ts", "providers/index.ts") ?? "",
      /providers\/nat\/ imports providers\/index\.ts, outside its own folder/,
    );
    assert.match(violation("stacks/hosts.ts", "stacks/components/vrrpGroup.ts") ?? "", /hosts imports components/);
    assert.match(violation("misc/x.ts", "stacks/hosts.ts") ?? "", /belongs to no layer/);
    // Downwards, within a kind, from the registry, tests to tools: allowed.
    assert.equal(violation("test/support/toolchain.ts", "scripts/lib/toolchain.ts"), undefined);
    assert.equal(violation("lab/lab.ts", "stacks/inventory.ts"), undefined);
    assert.equal(violation("providers/route/core.ts", "providers/common/net.ts"), undefined);
    assert.equal(violation("providers/nat/natRule.ts", "providers/nat/core.ts"), undefined);
    assert.equal(violation("providers/nat/natRule.ts", "providers/system/core.ts"), undefined);
    assert.equal(violation("providers/index.ts", "providers/ipvs/service.ts"), undefined);
    assert.equal(violation("index.ts", "stacks/index.ts"), undefined);
    assert.equal(violation("stacks/components/drCluster.ts", "stacks/hosts.ts"), undefined);
  });

  it("the import parser finds every form of relative import", () => {
    const text = [
      `import * as a from "./a";`,
      `import {\n  b,\n  c,\n} from "../b";`,
      `import type { D } from "../../d";`,
      `export { e } from "./e";`,
      `import "./f";`,
      // Spelled in two parts so that this file's own scan does not read it as an import.
      `const g = ${"require"}("./g") as typeof ${"import"}("./g");`,
      `import * as pulumi from "@pulumi/pulumi";`,
    ].join("\n");
    assert.deepEqual(relativeImports(text).sort(), ["../../d", "../b", "./a", "./e", "./f", "./g", "./g"]);
  });

  it("every relative import in the repository points to its own layer or a lower one", () => {
    const files = tsFiles(root);
    assert.ok(files.length > 100, `expected the repository's .ts files under ${root}; found ${files.length}`);
    const problems: string[] = [];
    for (const abs of files) {
      const from = path.relative(root, abs).split(path.sep).join("/");
      for (const spec of relativeImports(fs.readFileSync(abs, "utf8"))) {
        const to = resolve(abs, spec);
        if (to === undefined) {
          problems.push(`${from}: import "${spec}" names no file`);
          continue;
        }
        const why = violation(from, to);
        if (why) problems.push(`${from}: import "${spec}" (${to}): ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
