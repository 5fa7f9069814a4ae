// KernelModule's pure core: the check, the load command, the
// /etc/modules-load.d file that loads it at boot, and the read probe.
import { Checker, CheckFailure, checkConnection } from "../common/check";
import { command } from "../transport/shell";

/** A module name as modprobe takes it (ipip, ip_gre, ip_vs_wrr); '-' and '_' are the same to the kernel. */
const MODULE = /^[a-z0-9][a-z0-9_-]{0,54}$/;

/** Exit code of loadCommand when the module cannot be loaded (modprobe's message is on stderr). */
export const NOT_AVAILABLE = 3;

export function checkKernelModule(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (c.required("name", i.name))
    c.word("name", i.name, MODULE, "a kernel module name such as ipip, ip_gre or fou (lowercase letters, digits, '_', '-'; up to 55)");
  c.bool("persist", i.persist);
  return c.failures;
}

/** The kernel's spelling of a module name ('-' as '_'), as /proc/modules and /sys/module show it. */
function kernelName(name: string): string {
  return name.replace(/-/g, "_");
}

/**
 * A shell test that the module is in the kernel: listed in /proc/modules, or (built in, with parameters) a
 * directory in /sys/module. Containers see the host kernel's /proc/modules but often no /sys/module.
 */
function loadedTest(name: string): string {
  const k = kernelName(name);
  return `{ grep -q ${command(`^${k} `)} /proc/modules 2>/dev/null || [ -d ${command(`/sys/module/${k}`)} ]; }`;
}

/** The boot-time list that systemd-modules-load reads (one module per line). */
export function confPath(name: string): string {
  return `/etc/modules-load.d/pulumi-lvs-${name}.conf`;
}

export function renderConf(name: string): string {
  return `# Managed by pulumi-lvs (KernelModule). Changes here are overwritten.\n${name}\n`;
}

/**
 * Loads the module: modprobe, and when modprobe fails (a container without CAP_SYS_MODULE) the module counts as
 * loaded if the kernel lists it. Else exits NOT_AVAILABLE with modprobe's message.
 */
export function loadCommand(name: string): string {
  return `if ! out=$(modprobe -- ${command(name)} 2>&1) && ! ${loadedTest(name)}; then printf '%s\\n' "$out" >&2; exit ${NOT_AVAILABLE}; fi`;
}

/** Prints `loaded` or `missing`. */
export function probeCommand(name: string): string {
  return `if ${loadedTest(name)}; then echo loaded; else echo missing; fi`;
}
