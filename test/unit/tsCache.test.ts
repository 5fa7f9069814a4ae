// providers/common/tsCache.js: the program (program.js) and the provider
// process load the repository's TypeScript through a compile cache instead of
// ts-node. Each case runs plain Node.js in a child process, as the engine
// starts the program and the provider.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../scripts/lib/toolchain";

const HOOK = path.join(projectRoot, "providers/common/tsCache.js");

describe("the TypeScript compile cache (providers/common/tsCache.js)", () => {
  let dir: string;
  let cache: string;

  /** Loads `main.ts` of the temporary project in plain Node.js; prints its result and whether the compiler loaded. */
  const load = (): { out: string; compilerLoaded: boolean } => {
    const script =
      `const c = require(${JSON.stringify(HOOK)});` +
      `c.register();` +
      `const m = require(${JSON.stringify(path.join(dir, "main.ts"))});` +
      `process.stdout.write(JSON.stringify({ out: m.greet("lvs"), compilerLoaded: Object.keys(require.cache).some((k) => k.endsWith("/node_modules/typescript/lib/typescript.js")) }));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } }));
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-cache-"));
    fs.writeFileSync(
      path.join(dir, "main.ts"),
      'import { suffix } from "./lib";\nexport function greet(name: string): string {\n  return `hello ${name}${suffix}`;\n}\n',
    );
    // A fresh module text each time: the cache outlives the test run, and a text it knows would be a hit.
    fs.writeFileSync(path.join(dir, "lib.ts"), `export const suffix: string = "!"; // ${path.basename(dir)}\n`);
    // The cache lives under the node_modules/ of the project that holds tsCache.js.
    const c = require(HOOK) as { cacheDir(): string | undefined };
    cache = c.cacheDir()!;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const entries = () => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => f.endsWith(".js")) : []);

  it("is under the project's node_modules/.cache", () => {
    assert.equal(cache, path.join(projectRoot, "node_modules", ".cache", "pulumi-lvs", "ts"));
  });

  it("compiles a module once; the next process reads it without loading the compiler", () => {
    const first = load();
    assert.equal(first.out, "hello lvs!");
    assert.equal(first.compilerLoaded, true, "a module the cache has not seen is compiled");
    const second = load();
    assert.equal(second.out, "hello lvs!");
    assert.equal(second.compilerLoaded, false, "a warm start must not load the TypeScript compiler");
  });

  it("an edited source gets a new entry and runs as edited, never a stale one", () => {
    load();
    const before = new Set(entries());
    fs.writeFileSync(path.join(dir, "lib.ts"), `export const suffix: string = "?"; // ${path.basename(dir)}\n`);
    const edited = load();
    assert.equal(edited.out, "hello lvs?");
    assert.equal(edited.compilerLoaded, true, "the edited module is compiled");
    const added = entries().filter((f) => !before.has(f));
    assert.equal(added.length, 1, `one new entry for the one edited module; got ${added.join(", ")}`);
  });

  it("leaves .ts alone when something else (ts-node) already loads it", () => {
    const script =
      `require.extensions[".ts"] = (m, f) => m._compile("module.exports = { greet: () => 'from ts-node' }", f);` +
      `require(${JSON.stringify(HOOK)}).register();` +
      `process.stdout.write(require(${JSON.stringify(path.join(dir, "main.ts"))}).greet());`;
    assert.equal(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }), "from ts-node");
  });
});
