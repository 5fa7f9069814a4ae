// Host facts detected once per host per process: distro family and init
// system, used to choose file locations (e.g. where IPVS rules persist).
import { Transport } from "./types";

export interface HostFacts {
  family: "debian" | "rhel" | "other";
  systemd: boolean;
}

function cache(): Map<string, Promise<HostFacts>> {
  const g = globalThis as { __pulumiLvsFacts?: Map<string, Promise<HostFacts>> };
  g.__pulumiLvsFacts ??= new Map();
  return g.__pulumiLvsFacts;
}

/** Parses `. /etc/os-release; echo "$ID $ID_LIKE"` plus a systemd probe line. */
export function parseFacts(osLine: string, systemdLine: string): HostFacts {
  const words = osLine.toLowerCase().split(/\s+/);
  const family = words.some((w) => w === "debian" || w === "ubuntu")
    ? "debian"
    : words.some((w) => ["rhel", "centos", "fedora", "rocky", "almalinux"].includes(w))
      ? "rhel"
      : "other";
  return { family, systemd: systemdLine.trim() === "systemd" };
}

/** Prints two lines: "$ID $ID_LIKE" and the init system; parseFactsOutput reads them. */
export const FACTS_PROBE = `. /etc/os-release; echo "$ID $ID_LIKE"; if [ -d /run/systemd/system ]; then echo systemd; else echo other; fi`;

export function parseFactsOutput(out: string): HostFacts {
  const [os = "", init = ""] = out.split("\n");
  return parseFacts(os, init);
}

export function hostFacts(t: Transport): Promise<HostFacts> {
  const c = cache();
  let f = c.get(t.target);
  if (!f) {
    f = t.run(FACTS_PROBE).then(parseFactsOutput);
    f.catch(() => c.delete(t.target));
    c.set(t.target, f);
  }
  return f;
}

/** Records facts read as part of another command (saves a round trip). */
export function seedFacts(target: string, facts: HostFacts): void {
  if (!cache().has(target)) cache().set(target, Promise.resolve(facts));
}
