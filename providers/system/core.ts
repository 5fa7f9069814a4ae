// Package and SystemdService pure core: checks and the commands.
import { Checker, CheckFailure, checkConnection, isUnknown } from "../common/check";
import { command, notOption } from "../transport/shell";

const PACKAGE = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
/** A systemd unit name; not starting with '-' (systemctl would read it as an option: -H<host> runs on another host). */
export const UNIT = /^[A-Za-z0-9@_.:][A-Za-z0-9@_.:-]{0,127}$/;
export const UNIT_RULE =
  "a systemd unit name such as nginx or tomcat10.service (letters, digits, '@', '_', '.', ':', '-'; not starting with '-')";

export function checkPackage(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (isUnknown(i.names)) return c.failures;
  if (!Array.isArray(i.names) || i.names.length === 0)
    c.fail("names", 'names must be a non-empty list of package names, e.g. ["keepalived"]');
  else i.names.forEach((n, k) => c.word(`names[${k}]`, n, PACKAGE, "a Debian/RPM package name: lowercase letters, digits, '+', '-', '.'"));
  c.bool("removeOnDelete", i.removeOnDelete);
  return c.failures;
}

export function checkService(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (c.required("unit", i.unit)) c.word("unit", i.unit, UNIT, UNIT_RULE);
  for (const k of ["enabled", "running"] as const) c.bool(k, i[k]);
  return c.failures;
}

/** Package names as words for apt-get, dnf, yum, rpm and dpkg-query (a name starting with '-' would be an option). */
function packageList(names: string[]): string {
  return command(...names.map((n, k) => notOption(n, `names[${k}]`)));
}

/** Prints one line per package: `<name> installed` or `<name> missing` (dpkg on Debian, rpm elsewhere). */
export function queryPackagesCommand(names: string[]): string {
  const list = packageList(names);
  return `for p in ${list}; do if command -v dpkg-query >/dev/null 2>&1; then s=$(dpkg-query -W -f='\${Status}' "$p" 2>/dev/null); case "$s" in *" installed") echo "$p installed";; *) echo "$p missing";; esac; else if rpm -q "$p" >/dev/null 2>&1; then echo "$p installed"; else echo "$p missing"; fi; fi; done`;
}

export function parsePackages(out: string): Record<string, boolean> {
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [n, s] = l.split(" ");
        return [n, s === "installed"];
      }),
  );
}

/** Installs the missing packages with apt-get (Debian) or yum/dnf (RHEL). */
export function installCommand(missing: string[]): string {
  const list = packageList(missing);
  return `if command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${list} || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${list}; }; elif command -v dnf >/dev/null 2>&1; then dnf install -y ${list}; else yum install -y ${list}; fi`;
}

export function removeCommand(names: string[]): string {
  const list = packageList(names);
  return `if command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ${list}; elif command -v dnf >/dev/null 2>&1; then dnf remove -y ${list}; else yum remove -y ${list}; fi`;
}

/** `enabled active` style line for a unit. */
export function unitStateCommand(unit: string): string {
  const u = command(notOption(unit, "unit"));
  return `printf '%s %s\\n' "$(systemctl is-enabled ${u} 2>/dev/null || echo disabled)" "$(systemctl is-active ${u} 2>/dev/null || echo inactive)"`;
}

export function parseUnitState(out: string): { enabled: boolean; running: boolean } {
  const [en = "", act = ""] = out.trim().split(/\s+/);
  return { enabled: en === "enabled", running: act === "active" };
}

/** Commands that bring a unit to the wanted state (nothing when it is there). */
export function unitCommands(
  unit: string,
  live: { enabled: boolean; running: boolean },
  want: { enabled?: boolean; running?: boolean },
): string[] {
  const u = command(notOption(unit, "unit"));
  const out: string[] = [];
  if (want.enabled !== undefined && want.enabled !== live.enabled) out.push(`systemctl ${want.enabled ? "enable" : "disable"} -q ${u}`);
  if (want.running !== undefined && want.running !== live.running) out.push(`systemctl ${want.running ? "start" : "stop"} ${u}`);
  return out;
}

/**
 * Installs a boot unit that pulumi-lvs writes (a route, a NAT rule, a VIP):
 * enabled for the next boot without reloading systemd. Nothing starts the
 * unit now (the provider applies its effect directly), and a reload costs
 * seconds on a busy host; `systemctl enable` reads the unit file from disk.
 */
export function enableBootUnitCommand(unit: string): string {
  return `systemctl --no-reload enable ${command(notOption(unit, "unit"))} >/dev/null 2>&1`;
}

/**
 * Disables and removes a boot unit; reloads systemd only when the manager
 * holds the unit in memory (it ran at boot), so that no stale unit remains.
 */
export function removeBootUnitCommand(unit: string, path: string): string {
  const u = command(notOption(unit, "unit"));
  return (
    `if systemctl list-units --all --no-legend --plain ${u} 2>/dev/null | grep -q .; then loaded=1; else loaded=; fi; ` +
    `systemctl --no-reload disable ${u} >/dev/null 2>&1; rm -f ${command(path)}; [ -z "$loaded" ] || systemctl daemon-reload`
  );
}
