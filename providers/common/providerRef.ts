// The provider each resource stores in state: a small stub that loads the
// provider's code from the project when the engine calls it, instead of the
// code itself serialized by value.
//
// Why: the engine keeps each resource's `__provider` twice in state (inputs
// and outputs) and rewrites the whole state after every step. By value, the
// IPVS real-server provider is 58 KB, so 500 real servers made a 60 MB state
// and an `up` that spent minutes writing checkpoints (quadratic in the number
// of resources). The stub is a few hundred bytes.
//
// The code that runs is the project's current code (also on destroy, where a
// by-value provider would run the code from when the resource was created).
// When the project has moved since the state was written, the module is looked
// up under the program's directory (the provider process's working directory).
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
  const at = file.lastIndexOf("/providers/");
  const rel = at >= 0 ? file.slice(at + 1) : file;
  const load = (): ResourceProvider<I, O> => {
    const g = globalThis as { __pulumiLvsProviders?: Record<string, unknown> };
    const cache = (g.__pulumiLvsProviders ??= {});
    const key = `${file}#${exportName}`;
    if (!cache[key]) {
      const fs = require("node:fs") as typeof import("node:fs");
      const path = require("node:path") as typeof import("node:path");
      const target = fs.existsSync(file) ? file : path.join(process.cwd(), rel);
      if (!fs.existsSync(target)) {
        throw new Error(
          `pulumi-lvs: the provider code ${rel} is neither at ${file} nor under ${process.cwd()}; run pulumi from the pulumi-lvs project`,
        );
      }
      // The provider process runs plain Node.js: compile the TypeScript sources as the program's runtime does.
      if (target.endsWith(".ts") && !require.extensions[".ts"]) {
        const tsNode = require("ts-node") as { register(o: object): unknown };
        tsNode.register({ transpileOnly: true, projectSearchDir: path.dirname(target), compilerOptions: { module: "commonjs" } });
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
