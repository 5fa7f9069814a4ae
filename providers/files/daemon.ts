// A daemon configured by include files, one per resource (keepalived,
// HAProxy, nginx): the first resource on a host saves the distro's stock files
// and the unit's enabled/active state, writes the managed main file; each
// resource validates its include file among the others before it goes live,
// and reloads (not restarts) the daemon; the last one removed puts the stock
// files and the unit's state back. Everything runs under the host's lock for
// the unit, so several resources on one host never interleave.
import { hostPath } from "../common/paths";
import { command, quote } from "../transport/shell";
import { Transport } from "../transport/types";
import { applyFile, statFiles } from "./apply";
import { LiveFile, restoreStockCommand, saveStockCommand, siblingValidate, STOCK_DIR } from "./core";

export interface DaemonLayout {
  /** systemd unit, e.g. keepalived. */
  unit: string;
  /** Directory of the per-resource include files, and their extension (without dot). */
  includeDir: string;
  ext: string;
  /** The managed main file, or none (nginx keeps its own nginx.conf). */
  main?: { path: string; content: string };
  /** Other files the daemon's setup needs (e.g. the unit's options); a change restarts instead of reloading. */
  settings?: { path: string; content: string }[];
  /** Files removed while the daemon is managed (put back with the stock files). */
  removes?: string[];
  /** Stock files some resource of this kind may have removed: put back with the last one. */
  restores?: string[];
  /** Validates the include set in "$v" (a directory holding the others and the candidate). */
  validateSet: string;
}

/** The resource's include file; throws when the name would put it outside the include directory. */
export function includePath(l: DaemonLayout, name: string): string {
  return hostPath(l.includeDir, `${name}.${l.ext}`);
}

function statePath(unit: string): string {
  return hostPath(`${STOCK_DIR}/units`, `${unit}.state`);
}

/** Records the unit's enabled/active state once (before the first resource touches it). */
function saveUnitState(unit: string): string {
  const s = quote(statePath(unit));
  const u = quote(unit);
  return `if [ ! -e ${s} ]; then mkdir -p "$(dirname ${s})" && printf '%s %s\\n' "$(systemctl is-enabled ${u} 2>/dev/null || echo disabled)" "$(systemctl is-active ${u} 2>/dev/null || echo inactive)" > ${s}; fi`;
}

/**
 * Enables the unit unless it is enabled already: on Debian, `systemctl enable` of a unit that has a SysV script
 * too (nginx, haproxy, keepalived) runs update-rc.d and reloads systemd several times, seconds each on a small host.
 */
function enableCommand(u: string): string {
  return `{ [ "$(systemctl is-enabled ${u} 2>/dev/null)" = enabled ] || systemctl enable -q ${u}; }`;
}

/** Puts the unit back as recorded (stopped/disabled as the distro had it, or restarted on the stock config). */
function restoreUnitState(unit: string): string {
  const s = quote(statePath(unit));
  const u = quote(unit);
  return (
    `if [ -e ${s} ]; then read -r en act < ${s}; ` +
    `if [ "$en" = enabled ]; then ${enableCommand(u)}; else systemctl disable -q ${u} 2>/dev/null; fi; ` +
    `if [ "$act" = active ]; then systemctl restart ${u}; else systemctl stop ${u}; fi; rm -f ${s}; fi`
  );
}

/** Records that the include directory is not the distro's (it is removed with the last include). */
function saveDirAbsence(dir: string): string {
  const a = quote(`${STOCK_DIR}${dir}.absent-dir`);
  return `{ [ -d ${quote(dir)} ] || { mkdir -p "$(dirname ${a})" && touch ${a}; }; }`;
}

function restoreDirAbsence(dir: string): string {
  const a = quote(`${STOCK_DIR}${dir}.absent-dir`);
  return `if [ -e ${a} ]; then rmdir ${quote(dir)} 2>/dev/null; rm -f ${a}; fi`;
}

/** Enables the unit and reloads it (or starts it when stopped); fails when it is not running afterwards. */
export function activateCommand(unit: string, restart = false): string {
  const u = quote(unit);
  const go = restart
    ? `systemctl restart ${u}`
    : `if systemctl is-active -q ${u}; then systemctl reload ${u}; else systemctl start ${u}; fi`;
  // No daemon-reload: the layouts manage configuration files, never unit files.
  return `${enableCommand(u)} 2>/dev/null; ${go} && sleep 0.3 && systemctl is-active -q ${u}`;
}

/**
 * Applies one resource's include file (and the main/setting files it needs),
 * reloading the daemon when anything changed. Returns whether it changed.
 */
export async function applyInclude(t: Transport, l: DaemonLayout, name: string, content: string): Promise<boolean> {
  includePath(l, name); // refuses a name that leaves the include directory before anything runs
  return t.lock(`daemon:${l.unit}`, async () => {
    const owned = [...(l.main ? [l.main.path] : []), ...(l.settings ?? []).map((s) => s.path), ...(l.removes ?? [])];
    await t.run(
      [
        saveUnitState(l.unit),
        saveDirAbsence(l.includeDir),
        ...owned.map(saveStockCommand),
        ...(l.removes ?? []).map((p) => command("rm", "-f", p)),
      ].join(" && "),
    );
    let restart = false;
    let reload = false;
    for (const s of l.settings ?? []) {
      if ((await applyFile(t, { path: s.path, content: s.content, mode: "0644", owner: "root:root" })) === "changed") restart = true;
    }
    if (l.main && (await applyFile(t, { path: l.main.path, content: l.main.content, mode: "0644", owner: "root:root" })) === "changed")
      reload = true;
    const file = `${name}.${l.ext}`;
    const activate = activateCommand(l.unit, restart);
    const result = await applyFile(
      t,
      { path: includePath(l, name), content, mode: "0644", owner: "root:root" },
      { validate: siblingValidate(l.includeDir, file, l.ext, l.validateSet), reload: activate },
    );
    // Nothing new in the include file: reload anyway when the main file or
    // settings changed, and start the daemon when it is not running.
    if (result === "unchanged" && (reload || restart || (await t.exec(`systemctl is-active -q ${quote(l.unit)}`)).code !== 0)) {
      await t.run(activate);
    }
    return result === "changed" || reload || restart;
  });
}

/** Removes one include file; the last one restores the stock files and the unit's state. */
export async function removeInclude(t: Transport, l: DaemonLayout, name: string): Promise<void> {
  await t.lock(`daemon:${l.unit}`, async () => {
    const owned = [
      ...(l.main ? [l.main.path] : []),
      ...(l.settings ?? []).map((s) => s.path),
      ...new Set([...(l.removes ?? []), ...(l.restores ?? [])]),
    ];
    const dir = quote(l.includeDir);
    const last = [...owned.map(restoreStockCommand), restoreDirAbsence(l.includeDir), restoreUnitState(l.unit)].join("; ");
    await t.run(
      `rm -f ${quote(includePath(l, name))}; ` +
        `if ls ${dir}/*.${l.ext} >/dev/null 2>&1; then if systemctl is-active -q ${quote(l.unit)}; then systemctl reload ${quote(l.unit)}; fi; else ${last}; fi`,
    );
  });
}

export interface IncludeState {
  include: LiveFile;
  main?: LiveFile;
  settings: LiveFile[];
  active: boolean;
}

/** The include file, the main and setting files, and whether the unit runs: one command. */
export async function readInclude(t: Transport, l: DaemonLayout, name: string): Promise<IncludeState> {
  const paths = [includePath(l, name), ...(l.main ? [l.main.path] : []), ...(l.settings ?? []).map((s) => s.path)];
  const [files, active] = await Promise.all([statFiles(t, paths), t.exec(`systemctl is-active -q ${quote(l.unit)}`)]);
  const [include, ...rest] = files;
  return { include, main: l.main ? rest.shift() : undefined, settings: rest, active: active.code === 0 };
}
