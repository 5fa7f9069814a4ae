// The provider each resource stores in state: a small stub that loads the
// provider's code from the project when the engine calls it, instead of the
// code itself serialized by value.
//
// Why: the engine keeps each resource's `__provider` twice in state (inputs
// and outputs) and rewrites the whole state after every step. By value, the
// IPVS real-server provider is 58 KB, so 500 real servers made a 60 MB state
// and an `up` that spent minutes writing checkpoints (quadratic in the number
// of resources). The stub is 3-4 KB, whatever the provider.
//
// The code that runs is the current code at the recorded place (also on
// destroy, where a by-value provider would run the code from when the resource
// was created): this repository's TypeScript sources, or the compiled
// CommonJS of the installed package (node_modules/pulumi-lvs/dist/...; the
// package is CommonJS, see tsconfig.build.json). `npm update` replaces the
// files at the same place, so the stub runs the new version's code.
// When the recorded file is gone (the project moved, or the package now sits
// elsewhere in node_modules), the module is looked up from the provider
// process's working directory, which is the program's directory:
//   - this repository: `<cwd>/providers/<kind>/<file>.ts`;
//   - the package: `<dir>/node_modules/pulumi-lvs/dist/providers/<kind>/<file>.js`
//     for `<dir>` = the working directory and each directory above it, as
//     Node.js looks a package up (the stub records the part after its last
//     node_modules/, so a package under another name or nested is found too).
// A stub keeps the loader code of the version that wrote it: states written
// before the package existed load the repository's sources as they always did.
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/** One stub per provider in the program's process: the SDK serializes each provider object once. */
const stubs: Record<string, unknown> = {};

/**
 * `impl` by reference: it must be exported as `exportName` from the module at
 * `file` (pass `__filename`). The stub has the same methods as `impl` (the
 * engine treats a missing read, diff or check differently from a present one).
 */
export function providerRef<I, O>(file: string, exportName: string, impl: ResourceProvider<I, O>): ResourceProvider<I, O> {
  const known = stubs[`${file}#${exportName}`];
  if (known) return known as ResourceProvider<I, O>;
  const slashed = file.split("\\").join("/");
  const at = slashed.lastIndexOf("/providers/");
  /** The module under the repository's root or the package's dist/: providers/<kind>/<file>.ts (or .js). */
  const rel = at >= 0 ? slashed.slice(at + 1) : slashed;
  const nm = slashed.lastIndexOf("/node_modules/");
  /** The module as a path under node_modules/: pulumi-lvs/dist/providers/<kind>/<file>.js. */
  const inPackage = nm >= 0 ? slashed.slice(nm + "/node_modules/".length) : `pulumi-lvs/dist/${rel.replace(/\.ts$/, ".js")}`;
  const packaged = nm >= 0;
  // The loader runs in the provider process, serialized with the stub (its
  // comments too, hence here). It tries the recorded file; then the
  // repository's sources under the working directory and the installed
  // package in node_modules/ from there up (a package's stub: node_modules/
  // first). The provider process runs plain Node.js: the repository's
  // TypeScript sources load through its compile cache (common/tsCache.js).
  const load = (): ResourceProvider<I, O> => {
    const g = globalThis as { __pulumiLvsProviders?: Record<string, unknown> };
    const cache = (g.__pulumiLvsProviders ??= {});
    const key = `${file}#${exportName}`;
    if (!cache[key]) {
      const fs = require("node:fs") as typeof import("node:fs");
      const path = require("node:path") as typeof import("node:path");
      const cwd = process.cwd();
      const installed: string[] = [];
      for (let d = cwd; ; d = path.dirname(d)) {
        installed.push(path.join(d, "node_modules", inPackage));
        if (path.dirname(d) === d) break;
      }
      const moved = path.join(cwd, rel);
      const target = [file, ...(packaged ? [...installed, moved] : [moved, ...installed])].find((c) => fs.existsSync(c));
      if (!target) {
        throw new Error(
          `pulumi-lvs: the provider code ${rel} is neither at ${file} nor under ${cwd} nor in node_modules/${inPackage} there or above; run pulumi from the program's directory`,
        );
      }
      if (target.endsWith(".ts") && !require.extensions[".ts"]) {
        const tsCache = path.join(path.dirname(path.dirname(target)), "common", "tsCache.js");
        (require(tsCache) as { register(): void }).register();
      }
      const mod = require(target) as Record<string, unknown>;
      if (!mod[exportName]) throw new Error(`pulumi-lvs: ${target} exports no provider ${exportName}`);
      cache[key] = mod[exportName];
    }
    return cache[key] as ResourceProvider<I, O>;
  };
  const stub: ResourceProvider<I, O> = {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
  for (const m of ["check", "diff", "read", "update", "delete"] as Method[]) if (!impl[m]) delete stub[m];
  stubs[`${file}#${exportName}`] = stub;
  return stub;
}
