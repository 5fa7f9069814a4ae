// The one way an input becomes part of a host path: hostPath(dir, ...parts)
// joins the parts under a directory with POSIX normalisation and refuses a
// result that is not inside that directory. A sysctl key (a.b.c ->
// /proc/sys/a/b/c), a file name (/etc/sysctl.d/<name>.conf), an include name
// (conf.d/<name>.conf), a unit name (/etc/systemd/system/<name>), a docBase
// and the files under it all go through it, whatever the field is called:
// the pure checks refuse such a value at preview (Checker.pathIn, naming the
// field) and the code that builds the path throws (defence in depth).
import * as path from "node:path";
import { Checker, known, show } from "./check";

/** Why `dir` and `parts` do not make a path inside `dir`, or undefined when they do. */
export function pathProblem(dir: string, ...parts: string[]): string | undefined {
  for (const [what, p] of [["the directory", dir] as const, ...parts.map((p) => ["a part", p] as const)]) {
    if (typeof p !== "string") return `${what} is not a string`;
    if (p === "") return `${what} is empty`;
    if (p.includes("\0")) return `${what} contains a NUL byte`;
    if (/[\n\r]/.test(p)) return `${what} contains a line break`;
    if (p.split("/").some((s) => s === "..")) return `${what} has a '..' segment`;
  }
  if (!dir.startsWith("/")) return "the directory is not absolute";
  const abs = parts.find((p) => p.startsWith("/"));
  if (abs !== undefined) return "a part is absolute";
  const base = path.posix.normalize(dir).replace(/(.)\/+$/, "$1");
  if (parts.length === 0) return undefined;
  const full = path.posix.normalize(`${base}/${parts.join("/")}`).replace(/(.)\/+$/, "$1");
  const prefix = base === "/" ? "/" : `${base}/`;
  if (!full.startsWith(prefix) || full === base) return `it leaves ${base}`;
  return undefined;
}

/**
 * The path of `parts` under `dir` ("/proc/sys", "net", "ipv4" -> /proc/sys/net/ipv4), normalised ('.' segments,
 * repeated and trailing '/' removed). With no parts, `dir` itself, normalised. Throws when the result would not be
 * strictly inside `dir`: a '..' segment, an absolute or empty part, a NUL byte or a line break anywhere.
 */
export function hostPath(dir: string, ...parts: string[]): string {
  const problem = pathProblem(dir, ...parts);
  if (problem !== undefined) throw new Error(`refusing host path ${JSON.stringify([dir, ...parts].join("/"))}: ${problem}`);
  const base = path.posix.normalize(dir).replace(/(.)\/+$/, "$1");
  return parts.length ? path.posix.normalize(`${base}/${parts.join("/")}`).replace(/(.)\/+$/, "$1") : base;
}

/**
 * The pure checks' side of hostPath: refuses `v` (naming `property`) unless `parts(v)` make a path strictly inside
 * `dir` (with no parts given, `v` itself is the directory: absolute, no '..'). Skipped when `v` is not known yet.
 * Returns whether the value passed.
 */
export function checkPathIn(
  c: Checker,
  property: string,
  v: unknown,
  dir: string | undefined,
  describe: string,
  parts: (v: string) => string[] = (s) => [s],
): boolean {
  if (!known(v)) return false;
  const problem = typeof v !== "string" ? "not a string" : dir === undefined ? pathProblem(v) : pathProblem(dir, ...parts(v));
  if (problem === undefined) return true;
  c.fail(property, `${property} must be ${describe} (${problem}); got ${show(v)}`);
  return false;
}
