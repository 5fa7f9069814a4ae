// The IPVS table of one host: read once per operation (one `ipvsadm -Sn` and
// one `ipvsadm -Ln --thresholds`, shared by every resource of that host in
// this process), changed with ipvsadm, saved where the distro restores it.
import { command } from "../transport/shell";
import { hostFacts } from "../transport/facts";
import { Transport } from "../transport/types";
import { IpvsTable } from "./model";
import { parseIpvsSave, parseThresholds, ServerCounters, withThresholds } from "./parse";

/** Reads within this window share one read (a refresh reads each host once). */
const READ_TTL_MS = 3000;

interface Cached {
  at: number;
  read: Promise<{ table: IpvsTable; counters: ServerCounters[] }>;
}

function cache(): Map<string, Cached> {
  const g = globalThis as { __pulumiLvsIpvs?: Map<string, Cached> };
  g.__pulumiLvsIpvs ??= new Map();
  return g.__pulumiLvsIpvs;
}

const SEP = "__PULUMI_LVS_SEP__";

/** The host's table with thresholds, and the connection counters. */
export function readIpvs(t: Transport): Promise<{ table: IpvsTable; counters: ServerCounters[] }> {
  const c = cache();
  const hit = c.get(t.target);
  if (hit && Date.now() - hit.at < READ_TTL_MS) return hit.read;
  const read = t.run(`ipvsadm -Sn && echo ${SEP} && ipvsadm -Ln --thresholds`).then((out) => {
    const [save, thresholds = ""] = out.split(`${SEP}\n`);
    const counters = parseThresholds(thresholds);
    return { table: withThresholds(parseIpvsSave(save), counters), counters };
  });
  read.catch(() => c.delete(t.target));
  c.set(t.target, { at: Date.now(), read });
  return read;
}

/** Runs one ipvsadm change and saves the table for boot. */
export async function changeIpvs(t: Transport, args: string[]): Promise<void> {
  cache().delete(t.target);
  try {
    await t.run(command("ipvsadm", ...args));
  } finally {
    cache().delete(t.target);
  }
  await saveIpvs(t);
}

/** Where the distro's restore service reads the rules, and how to enable it. */
export function persistencePlan(family: "debian" | "rhel" | "other"): { rulesFile: string; enable: string } {
  if (family === "rhel") {
    return { rulesFile: "/etc/sysconfig/ipvsadm", enable: "systemctl is-enabled --quiet ipvsadm.service || systemctl enable ipvsadm.service >/dev/null 2>&1 || true" };
  }
  // Debian's /etc/init.d/ipvsadm restores /etc/ipvsadm.rules at boot when AUTO="true".
  return {
    rulesFile: "/etc/ipvsadm.rules",
    enable:
      "if [ -f /etc/default/ipvsadm ] && ! grep -q '^AUTO=\"true\"' /etc/default/ipvsadm; then sed -i 's/^AUTO=.*/AUTO=\"true\"/' /etc/default/ipvsadm; fi; " +
      "systemctl is-enabled --quiet ipvsadm 2>/dev/null || systemctl enable ipvsadm >/dev/null 2>&1 || update-rc.d ipvsadm enable >/dev/null 2>&1 || true",
  };
}

/** Saves the whole table (atomic write, under the host's lock) and makes sure it is restored at boot. */
export async function saveIpvs(t: Transport): Promise<void> {
  const facts = await hostFacts(t);
  const plan = persistencePlan(facts.family);
  await t.lock("ipvs-rules", async () => {
    const tmp = `${plan.rulesFile}.pulumi-lvs.tmp`;
    await t.run(`ipvsadm-save -n > ${command(tmp)} && mv -f ${command(tmp)} ${command(plan.rulesFile)} && { ${plan.enable}; }`);
  });
}
