// Boot units: the systemd unit under /etc/systemd/system with which VipAlias,
// NatRule and Route put their kernel object back after a reboot. Each kind
// renders its unit and the command that sets its object; this file writes,
// reads and removes the unit around that command.
import { SEP } from "../common/check";
import { DiffContext } from "../common/define";
import { hostPath } from "../common/paths";
import { command, notOption } from "../transport/shell";
import { ConnectionArgs, Transport } from "../transport/types";
import { enableBootUnitCommand, removeBootUnitCommand } from "./core";

/** A kind's boot unit: its file name (such as pulumi-lvs-route-default.service) and its text. */
export interface BootUnit {
  name: string;
  text: string;
}

/** Where boot units live. */
export const UNIT_DIR = "/etc/systemd/system";

/** The unit's file; throws when the name would put it outside UNIT_DIR, or starts with '-' (systemctl reads it as an option). */
export function bootUnitPath(name: string): string {
  notOption(name, "boot unit name");
  return hostPath(UNIT_DIR, name);
}

/** Writes and enables the unit, then runs `then` (what sets the kernel object) in the same session. */
export function installBootUnit(t: Transport, u: BootUnit, then: string): Promise<void> {
  return t.writeFileAtomic(bootUnitPath(u.name), u.text, { then: `${enableBootUnitCommand(u.name)} && ${then}` });
}

/** What readBootUnit found: the probe's output, and whether the unit is in place (the same text) and enabled. */
export interface BootUnitState {
  probed: string;
  /** The unit file's text, "" when it is missing. */
  unit: string;
  persisted: boolean;
}

/** Runs `probe` (which looks at the kernel object) and reads the unit and its enablement in one command line. */
export async function readBootUnit(t: Transport, u: BootUnit, probe: string): Promise<BootUnitState> {
  const out = await t.run(
    `${probe}; echo ${SEP}; cat ${command(bootUnitPath(u.name))} 2>/dev/null; echo ${SEP}; systemctl is-enabled ${command(u.name)} 2>/dev/null || true`,
  );
  const [probed, unit = "", enabled = ""] = out.split(`${SEP}\n`);
  return { probed, unit, persisted: unit === u.text && enabled.trim() === "enabled" };
}

/** The command line that disables and removes the unit. */
export function removeBootUnit(u: Pick<BootUnit, "name">): string {
  return removeBootUnitCommand(u.name, bootUnitPath(u.name));
}

/** What every kind with a boot unit takes and reports on refresh (a type, not an interface, so that Props stay indexable). */
export type BootUnitProps = {
  /** Put the object back at boot with the unit; false: live only. Absent: true. */
  persist?: boolean;
  /** Refresh: is the boot-time unit in place and enabled? */
  persisted?: boolean;
};

/** A boot-unit kind's props: its spec (partial until checked), the connection, what refresh reads, the unit's state. */
export type BootUnitKindProps<Spec, Live> = Partial<Spec> & { connection: ConnectionArgs } & Live & BootUnitProps;

/** A kind's boot unit from its spec: the unit's name and text, both pure functions of the spec. */
export function unitOf<Spec>(name: (s: Spec) => string, render: (s: Spec) => string): (s: Spec) => BootUnit {
  return (s) => ({ name: name(s), text: render(s) });
}

/** Whether the object is put back at boot: `persist` true or absent (the default). */
export function persists(p: Pick<BootUnitProps, "persist">): boolean {
  return p.persist !== false;
}

/** `persist` as diff compares it: absent is true, so that declaring the default shows no change. */
export function persistForm<P extends Pick<BootUnitProps, "persist">>(p: P): P & { persist: boolean } {
  return { ...p, persist: p.persist ?? true };
}

/**
 * Drift of a boot-unit kind on refresh: its live object (`live`) found missing,
 * or, when it persists, its boot unit found missing or edited. With persist
 * false the unit is not looked at (a hand-built object has none).
 */
export function bootUnitDrift<P extends BootUnitProps>(live: (p: P) => boolean | undefined): (olds: P) => boolean {
  return (olds) => live(olds) === false || (persists(olds) && olds.persisted === false);
}

/** What create or update does with the boot unit: write it, remove it (persist turned off), or nothing (persist off). */
export type BootUnitStep = "install" | "remove" | "none";

/** The step for an update from `olds` to `news` (create: olds undefined): install when persisting, remove when persist is turned off. */
export function bootUnitStep(olds: Pick<BootUnitProps, "persist"> | undefined, news: Pick<BootUnitProps, "persist">): BootUnitStep {
  if (persists(news)) return "install";
  return olds !== undefined && persists(olds) ? "remove" : "none";
}

/**
 * Runs `then` (what sets the kernel object) with the unit as `step` says:
 * written and enabled first, disabled and removed first (the live object
 * stays), or left alone.
 */
export async function applyWithBootUnit(t: Transport, u: BootUnit, then: string, step: BootUnitStep): Promise<void> {
  if (step === "install") return installBootUnit(t, u, then);
  await t.run(step === "remove" ? `${removeBootUnit(u)}; ${then}` : then);
}

/**
 * deleteBeforeReplace for a kind whose boot unit is named after one of its
 * fields: a replacement that keeps the unit's name (on the same host) must
 * remove the old unit before writing the new one. `name` gives the unit's
 * name, or undefined when it is not known.
 */
export function deleteBeforeReplaceSameUnit<P>(name: (p: P) => string | undefined): (ctx: DiffContext<P>) => boolean {
  return ({ olds, news, replaces, connectionReplaces }) => {
    if (replaces.length === 0 || connectionReplaces) return false;
    const old = name(olds);
    return old !== undefined && old === name(news);
  };
}
