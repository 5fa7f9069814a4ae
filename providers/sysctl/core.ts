// SysctlSet's pure core: key and value rules, the persisted file, parsing.
import { Checker, CheckFailure, checkConnection, isUnknown } from "../common/check";
import { checkPathIn, hostPath } from "../common/paths";

/** Dotted form (net.ipv4.ip_forward); the slash form is accepted and converted. */
export function canonicalKey(k: string): string {
  return k.includes("/")
    ? k
        .replace(/^\/?(proc\/sys\/)?/, "")
        .replace(/\./g, "\u0000")
        .replace(/\//g, ".")
        .replace(/\u0000/g, "/")
    : k;
}

/** /proc/sys path of a dotted key (a dot inside an interface name is written as '/' in the dotted form). */
export function procPath(key: string): string {
  return hostPath(PROC_SYS, ...keySegments(key));
}

const PROC_SYS = "/proc/sys";
const SYSCTL_D = "/etc/sysctl.d";

/** The key's /proc/sys path segments ('/' in a dotted segment is a '.' in the name). */
function keySegments(key: string): string[] {
  return key.split(".").map((p) => p.replace(/\//g, "."));
}

/** A key whose path would leave /proc/sys: a segment that is "." or "..", or starts with a dot ("net.//" is /proc/sys/net/..). */
function escapesProcSys(key: string): boolean {
  return keySegments(key).some((s) => s.startsWith("."));
}

const KEY = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_/:-]+)+$/;
const VALUE = /^[A-Za-z0-9_.:, \t/-]*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkSysctl(inputs: { connection?: unknown; name?: unknown; values?: unknown; persist?: unknown }): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  c.bool("persist", inputs.persist);
  if (
    c.required("name", inputs.name) &&
    c.word("name", inputs.name, NAME, "a file name: letters, digits, '_', '-', '.' (it becomes /etc/sysctl.d/<name>.conf)")
  )
    checkPathIn(c, "name", inputs.name, SYSCTL_D, "a file name under /etc/sysctl.d", (n) => [`${n}.conf`]);
  const v = inputs.values;
  if (isUnknown(v)) return c.failures;
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.keys(v).length === 0) {
    c.fail("values", 'values must be a non-empty map of sysctl keys to values, e.g. { "net.ipv4.ip_forward": "1" }');
    return c.failures;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = canonicalKey(k);
    if (!KEY.test(key))
      c.fail(`values["${k}"]`, `sysctl key must look like net.ipv4.ip_forward (letters, digits, '_', '.', '/'); got ${JSON.stringify(k)}`);
    else if (escapesProcSys(key))
      c.fail(
        `values["${k}"]`,
        `sysctl key must name a file under /proc/sys: no segment may be '.' or '..' or start with a dot (written '/' in the dotted form); got ${JSON.stringify(k)}`,
      );
    else if (keySegments(key).some((s) => s.startsWith("-")))
      c.fail(
        `values["${k}"]`,
        `values["${k}"] must be a sysctl key with no segment starting with '-' (no kernel parameter or interface is named so; tools would read it as an option); got ${JSON.stringify(k)}`,
      );
    else checkPathIn(c, `values["${k}"]`, key, PROC_SYS, "a sysctl key naming a file under /proc/sys", keySegments);
    if (isUnknown(val)) continue;
    const s = typeof val === "number" ? String(val) : val;
    if (typeof s !== "string" || !VALUE.test(s))
      c.fail(
        `values["${k}"]`,
        `sysctl value must be a number or words of letters, digits, '.', ':', ',', '-' (no quotes, newlines or shell syntax); got ${JSON.stringify(val)}`,
      );
  }
  return c.failures;
}

/** The values as strings with canonical keys, sorted. */
export function normalizeValues(values: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .map(([k, v]) => [canonicalKey(k), String(v)])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export function renderSysctlConf(name: string, values: Record<string, string>): string {
  const lines = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
  return `# Managed by pulumi-lvs (SysctlSet ${name}). Changes here are overwritten.\n${lines.join("\n")}\n`;
}

/** Whether the values are kept across reboots in /etc/sysctl.d: `persist` true or absent (the default). */
export function persistsSysctl(p: { persist?: boolean }): boolean {
  return p.persist !== false;
}

/**
 * Drift besides the values: the /etc/sysctl.d file found missing or edited,
 * when the set persists. With persist false the file is not looked at (values
 * set by `echo 1 > /proc/sys/...` have none).
 */
export function sysctlDrift(olds: { persist?: boolean; persisted?: boolean }): boolean {
  return persistsSysctl(olds) && olds.persisted === false;
}

/** Live values are compared after folding whitespace (the kernel prints tabs between numbers). */
export function sameValue(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(" ") === b.trim().split(/\s+/).join(" ");
}

export function confPath(name: string): string {
  return hostPath(SYSCTL_D, `${name}.conf`);
}
