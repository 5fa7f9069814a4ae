// The managed-file core: pure functions that plan how a configuration file is
// changed on a host, Ansible-style: the new content goes to a temp file next
// to the target, is validated there (optionally among its sibling include
// files), moved into place atomically, the daemon is reloaded, and the old
// file is put back (and the daemon reloaded again) when the reload fails.
//
// Everything here returns shell text; providers/files/apply.ts runs it.
import * as crypto from "node:crypto";
import { Checker, CheckFailure, checkConnection, isUnknown } from "../common/check";
import { command, quote } from "../transport/shell";

/** Exit code of the apply script when the validator refused the new content. */
export const EXIT_INVALID = 90;
/** Exit code when the reload failed (the old file was put back). */
export const EXIT_RELOAD_FAILED = 91;

/** Where the stock version of a file a resource takes over is kept until the resource is deleted. */
export const STOCK_DIR = "/var/lib/pulumi-lvs/stock";

export interface FileSpec {
  path: string;
  content: string;
  /** Octal mode, e.g. "0644". */
  mode: string;
  /** owner or owner:group; default root:root. */
  owner: string;
}

export interface ApplyOptions {
  /**
   * Validator run against the new file before it replaces the old one; `%s`
   * stands for the new file's path (like Ansible's `validate`). A non-zero
   * exit refuses the change and leaves the host untouched.
   */
  validate?: string;
  /** Run after the new file is in place; a failure puts the old file back and runs it again. */
  reload?: string;
}

const PATH = /^\/[A-Za-z0-9_.@+-]+(\/[A-Za-z0-9_.@+-]+)*$/;
const MODE = /^0?[0-7]{3}$/;
const OWNER = /^[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?$/;

/** An absolute path without `..`, spaces or shell syntax. */
export function isSafePath(p: string): boolean {
  return PATH.test(p) && !p.split("/").some((s) => s === "." || s === "..");
}

export function sha256(content: string): string {
  return crypto.createHash("sha256").update(content, "utf8").digest("hex");
}

/** "644" and "0644" are the same mode. */
export function normalizeMode(mode: string | undefined): string {
  const m = mode ?? "0644";
  return m.length === 3 ? `0${m}` : m;
}

/** Checks a ManagedFile's inputs. */
export function checkFileInputs(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (
    c.required("path", i.path) &&
    c.word("path", i.path, PATH, "an absolute path of letters, digits, '_', '.', '@', '+', '-' (no spaces)") &&
    !isSafePath(i.path as string)
  ) {
    c.fail("path", `path must not contain '.' or '..' segments; got ${JSON.stringify(i.path)}`);
  }
  if (!isUnknown(i.content) && typeof i.content !== "string") c.fail("content", "content is required and must be a string");
  if (typeof i.content === "string" && i.content.includes("\0")) c.fail("content", "content must not contain NUL bytes");
  c.word("mode", i.mode, MODE, 'an octal mode such as "0644" or "0755"');
  c.word("owner", i.owner, OWNER, "user or user:group (lowercase names of at most 32 characters)");
  for (const k of ["validate", "reload"] as const) {
    const v = i[k];
    if (v === undefined || isUnknown(v)) continue;
    if (typeof v !== "string" || v.trim() === "" || /[\n\r\0]/.test(v))
      c.fail(k, `${k} must be a one-line shell command; got ${JSON.stringify(v)}`);
    else if (k === "validate" && !v.includes("%s"))
      c.fail("validate", `validate must contain %s (the new file's path), like "nginx -t -c %s"; got ${JSON.stringify(v)}`);
  }
  return c.failures;
}

/** The temp and backup names next to a target (same directory: the final mv is a rename). */
export function sideFiles(path: string): { dir: string; tmp: string; bak: string } {
  const dir = path.replace(/\/[^/]*$/, "") || "/";
  const base = path.slice(dir.length + 1);
  return { dir, tmp: `${dir}/.${base}.pulumi-lvs.new`, bak: `${dir}/.${base}.pulumi-lvs.bak` };
}

/**
 * The script that applies a file; the content comes on stdin. It prints
 * `unchanged` (nothing done, no reload) or `changed`. Exit EXIT_INVALID: the
 * validator refused (its output on stderr), nothing changed. Exit
 * EXIT_RELOAD_FAILED: the reload failed, the old file is back.
 */
export function applyScript(spec: FileSpec, opts: ApplyOptions = {}): string {
  const { dir, tmp, bak } = sideFiles(spec.path);
  const f = quote(spec.path);
  const n = quote(tmp);
  const b = quote(bak);
  const lines = [
    `mkdir -p ${quote(dir)} && cat > ${n} && chmod ${quote(normalizeMode(spec.mode))} ${n} && chown ${quote(spec.owner)} ${n} || { rm -f ${n}; exit 1; }`,
    `if [ -f ${f} ] && cmp -s ${n} ${f} && [ "$(stat -c %a:%U:%G ${f})" = "$(stat -c %a:%U:%G ${n})" ]; then rm -f ${n}; echo unchanged; exit 0; fi`,
  ];
  if (opts.validate) {
    lines.push(
      `if ! out=$( { ${opts.validate.split("%s").join(n)} ; } 2>&1 ); then rm -f ${n}; printf '%s\\n' "$out" >&2; exit ${EXIT_INVALID}; fi`,
    );
  }
  lines.push(`if [ -e ${f} ]; then cp -p ${f} ${b}; had=1; else had=0; fi`);
  lines.push(`mv -f ${n} ${f} || exit 1`);
  if (opts.reload) {
    lines.push(
      `if ! out=$( { ${opts.reload} ; } 2>&1 ); then ` +
        `if [ $had = 1 ]; then mv -f ${b} ${f}; else rm -f ${f}; fi; ` +
        `{ ${opts.reload} ; } >/dev/null 2>&1; printf '%s\\n' "$out" >&2; exit ${EXIT_RELOAD_FAILED}; fi`,
    );
  }
  lines.push(`rm -f ${b}; echo changed`);
  return lines.join("\n");
}

/**
 * A validator for one include file among its siblings: copies the other
 * `*.<ext>` files of `dir` and the candidate (`%s`, as `<name>`) into a fresh
 * directory `$v`, runs `inner` (which refers to that directory as "$v"), and
 * removes the directory. Sibling names are ours (checked words), so the glob
 * is safe to expand.
 */
export function siblingValidate(dir: string, name: string, ext: string, inner: string): string {
  const self = quote(`${dir}/${name}`);
  return (
    `v=$(mktemp -d) && for x in ${quote(dir)}/*.${ext}; do [ -e "$x" ] && [ "$x" != ${self} ] && cp "$x" "$v/"; done; ` +
    `cp %s "$v"/${quote(name)} && { ${inner} ; }; rc=$?; rm -rf "$v"; [ $rc = 0 ]`
  );
}

/** One command: the file's sha256, mode and owner (`absent` when missing). */
export function statCommand(path: string): string {
  const f = quote(path);
  return `if [ -f ${f} ]; then printf '%s %s\\n' "$(sha256sum < ${f} | cut -d' ' -f1)" "$(stat -c 0%a:%U:%G ${f})"; else echo absent; fi`;
}

export interface LiveFile {
  sha256?: string;
  mode?: string;
  owner?: string;
}

/** Parses statCommand's output. */
export function parseStat(out: string): LiveFile {
  const line = out.trim();
  if (line === "absent" || line === "") return {};
  const [hash, rest = ""] = line.split(" ");
  const [mode, user, group] = rest.split(":");
  return { sha256: hash, mode: normalizeMode(mode.replace(/^0(?=\d{4})/, "")), owner: `${user}:${group}` };
}

/** "root" and "root:root" name the same owner. */
export function sameOwner(want: string, live: string | undefined): boolean {
  if (!live) return false;
  return want.includes(":") ? want === live : live.split(":")[0] === want;
}

/**
 * Saves the stock version of a file a resource takes over (once: the first
 * taker keeps the distro's file, later ones find it saved), or records that
 * there was none.
 */
export function saveStockCommand(path: string): string {
  const s = quote(`${STOCK_DIR}${path}`);
  const a = quote(`${STOCK_DIR}${path}.absent`);
  const f = quote(path);
  return `if [ ! -e ${s} ] && [ ! -L ${s} ] && [ ! -e ${a} ]; then mkdir -p "$(dirname ${s})" && if [ -e ${f} ] || [ -L ${f} ]; then cp -a ${f} ${s}; else touch ${a}; fi; fi`;
}

/** Puts the stock version back (or removes the file when there was none) and forgets it. */
export function restoreStockCommand(path: string): string {
  const s = quote(`${STOCK_DIR}${path}`);
  const a = quote(`${STOCK_DIR}${path}.absent`);
  const f = quote(path);
  return `if [ -e ${s} ] || [ -L ${s} ]; then mv -f ${s} ${f}; elif [ -e ${a} ]; then rm -f ${f} ${a}; fi`;
}

/** `rm` of a file, for delete paths (tolerates an already missing file). */
export function removeCommand(path: string): string {
  return command("rm", "-f", path);
}
