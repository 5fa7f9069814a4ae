// @ts-check
// Loads this repository's TypeScript sources in plain Node.js, compiled once
// and then read from a cache: the program (Pulumi.yaml's main, program.js) and
// the engine's provider process (the stubs in state, providerRef.ts) start
// with it instead of ts-node, which loads the TypeScript compiler (most of a
// second) and compiles every module again in every process.
//
// Each module is compiled as ts-node --transpile-only would (CommonJS,
// ES2022, no type check: `npm test` type-checks) and kept under
// node_modules/.cache/pulumi-lvs/ts/, keyed by the source text, the compiler's
// version and the options: an edited file gets a new entry, never a stale one.
// The compiler is loaded only on a miss. Plain JavaScript because it must run
// before anything can compile TypeScript.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** The emit options of tsconfig.json that change the JavaScript (type checking aside). */
const OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true };

/** node_modules/.cache/pulumi-lvs/ts of the project this file is in, or undefined without node_modules. */
function cacheDir() {
  for (let d = path.resolve(__dirname); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules"))) return path.join(d, "node_modules", ".cache", "pulumi-lvs", "ts");
    if (path.dirname(d) === d) return undefined;
  }
}

/** @type {typeof import("typescript") | undefined} */
let compiler;

/** The module's JavaScript: from the cache, else compiled and stored (a failed store only costs the next start). */
function compiled(filename, dir = cacheDir()) {
  const source = fs.readFileSync(filename, "utf8");
  const version = require("typescript/package.json").version;
  const key = crypto
    .createHash("sha256")
    .update(`${version}\0${JSON.stringify(OPTIONS)}\0${source}`)
    .digest("hex");
  const file = dir && path.join(dir, `${key}.js`);
  if (file) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      // Not compiled yet.
    }
  }
  compiler ??= require("typescript");
  const ts = compiler;
  const js = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: OPTIONS.esModuleInterop },
    reportDiagnostics: false,
  }).outputText;
  if (file && dir) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, file);
    } catch {
      // Read-only project: compiled again next time.
    }
  }
  return js;
}

/** Makes require() load .ts files through the cache, unless something (ts-node) already does. */
function register() {
  if (require.extensions[".ts"]) return;
  require.extensions[".ts"] = (module, filename) => {
    /** @type {{ _compile(code: string, filename: string): void }} */ (/** @type {unknown} */ (module))._compile(
      compiled(filename),
      filename,
    );
  };
}

module.exports = { register, cacheDir };
