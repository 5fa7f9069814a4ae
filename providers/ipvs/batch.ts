// Batched IPVS changes, as pure functions: the one shell script that runs a
// batch of ipvsadm changes on a host (each with its own exit status) and saves
// the table for boot when it changed; and the parser of that script's output.
import { SEP } from "../common/check";
import { command } from "../transport/shell";

/** Where the distro's restore service reads the rules, and how to enable it. */
export interface Persistence {
  rulesFile: string;
  enable: string;
}

/** Persistence for a distro family (Debian's init script restores /etc/ipvsadm.rules when AUTO="true"). */
export function persistencePlan(family: "debian" | "rhel" | "other"): Persistence {
  if (family === "rhel") {
    return {
      rulesFile: "/etc/sysconfig/ipvsadm",
      enable: "systemctl is-enabled --quiet ipvsadm.service || systemctl --no-reload enable ipvsadm.service >/dev/null 2>&1 || true",
    };
  }
  // Enabled for boot without a systemd reload (seconds on a busy host); the
  // rc links answer "is it enabled" without asking systemd.
  return {
    rulesFile: "/etc/ipvsadm.rules",
    enable:
      "if [ -f /etc/default/ipvsadm ] && ! grep -q '^AUTO=\"true\"' /etc/default/ipvsadm; then sed -i 's/^AUTO=.*/AUTO=\"true\"/' /etc/default/ipvsadm; fi; " +
      "ls /etc/rc[2345].d/S*ipvsadm >/dev/null 2>&1 || systemctl is-enabled --quiet ipvsadm 2>/dev/null || " +
      "systemctl --no-reload enable ipvsadm >/dev/null 2>&1 || update-rc.d ipvsadm enable >/dev/null 2>&1 || true",
  };
}

const RC_MARK = "__PULUMI_LVS_RC__";
const SAVE_MARK = "__PULUMI_LVS_SAVE__";
const RESTORE_MARK = "__PULUMI_LVS_RESTORE__";
const RULES_END = "__PULUMI_LVS_RULES__";

/** Reads the table with -Sn (exact entries) and the thresholds view (-x/-y and counters). */
export const READ_TABLE = `ipvsadm -Sn && echo ${SEP} && ipvsadm -Ln --thresholds`;

/**
 * One script for a batch: every change runs even when an earlier one fails
 * (they belong to different resources), each reports its exit status and
 * output; the rules file is rewritten only when a change succeeded and the
 * saved text differs. The table is not read back: the provider applies the
 * successful changes to its cached view (a read costs as much as the batch on
 * a table of hundreds of servers).
 */
export function batchScript(changes: string[][], persist: Persistence): string {
  const lines = ["ok=0"];
  changes.forEach((args, i) => {
    // No arguments: no change, only the save below (it rewrites the rules file only when it differs from the table).
    if (args.length === 0) {
      lines.push(`ok=$((ok+1)); echo "${RC_MARK} ${i} 0"`);
      return;
    }
    lines.push(
      `o=$(${command("ipvsadm", ...args)} 2>&1); rc=$?; [ $rc -ne 0 ] || ok=$((ok+1)); echo "${RC_MARK} ${i} $rc"; [ -z "$o" ] || printf '%s\\n' "$o"`,
    );
  });
  lines.push(saveLine(persist));
  return lines.join("\n");
}

/**
 * Saves the table for boot when $ok > 0, rewriting the rules file only when the saved text differs. `ipvsadm -Sn`
 * is what the distro's ipvsadm-save -n runs, without starting bash for it (tens of ms a batch under emulation).
 */
function saveLine(persist: Persistence): string {
  const tmp = `${persist.rulesFile}.pulumi-lvs.tmp`;
  return (
    `if [ $ok -gt 0 ]; then ` +
    `s=$( { ipvsadm -Sn > ${command(tmp)} && { cmp -s ${command(tmp)} ${command(persist.rulesFile)} && rm -f ${command(tmp)} || mv -f ${command(tmp)} ${command(persist.rulesFile)}; } && { ${persist.enable}; }; } 2>&1); ` +
    `echo "${SAVE_MARK} $?"; [ -z "$s" ] || printf '%s\\n' "$s"; fi`
  );
}

/** An argument ipvsadm -R reads as the same one word: no whitespace, not empty, no quote or backslash. */
const RESTORE_WORD = /^[A-Za-z0-9_.:,\[\]\/@%+=-]+$/;

/**
 * One `ipvsadm -R` for the whole batch (one process on the host instead of one per change), then the save:
 * undefined when a change has an argument ipvsadm -R could read differently (then batchScript runs). ipvsadm -R
 * goes on after a failed line and prints only that line's message, without saying which: its output
 * (empty when every line took) is all the script reports; the provider then reads the table to find out.
 */
export function restoreScript(changes: string[][], persist: Persistence): string | undefined {
  const rules = changes.filter((a) => a.length > 0);
  if (!rules.every((a) => a.every((w) => RESTORE_WORD.test(w)))) return undefined;
  return [
    `e=$(ipvsadm -R 2>&1 >/dev/null <<'${RULES_END}'`,
    ...rules.map((a) => a.join(" ")),
    RULES_END,
    `); rc=$?; echo "${RESTORE_MARK} $rc"; [ -z "$e" ] || printf '%s\\n' "$e"`,
    // Whatever took is saved: the save rewrites the rules file only when it differs.
    "ok=1",
    saveLine(persist),
  ].join("\n");
}

export interface RestoreResult {
  /** ipvsadm -R's exit status (its last line's) and its messages; undefined when the script was cut off before. */
  restore?: { code: number; output: string };
  save?: { code: number; output: string };
}

/** Parses restoreScript's stdout. */
export function parseRestore(stdout: string): RestoreResult {
  const out: RestoreResult = {};
  let current: { code: number; output: string } | undefined;
  for (const line of stdout.split("\n")) {
    const rs = line.match(new RegExp(`^${RESTORE_MARK} (\\d+)$`));
    const sv = line.match(new RegExp(`^${SAVE_MARK} (\\d+)$`));
    if (rs) current = out.restore = { code: Number(rs[1]), output: "" };
    else if (sv) current = out.save = { code: Number(sv[1]), output: "" };
    else if (current && line !== "") current.output += (current.output ? "\n" : "") + line;
  }
  return out;
}

export interface BatchResult {
  /** Exit status and output of each change, in order. */
  results: { code: number; output: string }[];
  /** The save's exit status and output, when a save ran. */
  save?: { code: number; output: string };
}

/** Parses batchScript's stdout; a change without a status line (cut off) gets code -1. */
export function parseBatch(stdout: string, count: number): BatchResult {
  const results = Array.from({ length: count }, () => ({ code: -1, output: "" }));
  let save: BatchResult["save"];
  let current: { code: number; output: string } | undefined;
  for (const line of stdout.split("\n")) {
    const rc = line.match(new RegExp(`^${RC_MARK} (\\d+) (\\d+)$`));
    const sv = line.match(new RegExp(`^${SAVE_MARK} (\\d+)$`));
    if (rc && Number(rc[1]) < count) {
      current = results[Number(rc[1])];
      current.code = Number(rc[2]);
    } else if (sv) {
      save = { code: Number(sv[1]), output: "" };
      current = save;
    } else if (current && line !== "") {
      current.output += (current.output ? "\n" : "") + line;
    }
  }
  return { results, save };
}
