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
  const tmp = `${persist.rulesFile}.pulumi-lvs.tmp`;
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
  lines.push(
    `if [ $ok -gt 0 ]; then ` +
      `s=$( { ipvsadm-save -n > ${command(tmp)} && { cmp -s ${command(tmp)} ${command(persist.rulesFile)} && rm -f ${command(tmp)} || mv -f ${command(tmp)} ${command(persist.rulesFile)}; } && { ${persist.enable}; }; } 2>&1); ` +
      `echo "${SAVE_MARK} $?"; [ -z "$s" ] || printf '%s\\n' "$s"; fi`,
  );
  return lines.join("\n");
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
