// Probes the tools and the tests share: polling a condition, and which lab
// host holds a VIP.
import * as lab from "../../lab/lab";

/** Polls `test` every 250 ms; returns the seconds it took, or throws naming `what`. */
export async function until(what: string, seconds: number, test: () => boolean): Promise<number> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > seconds * 1000) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return (Date.now() - t0) / 1000;
}

/** Does `host` hold `vip` on ens33? */
export function holdsVip(host: string, vip = "192.168.118.100"): boolean {
  return new RegExp(`inet ${vip.replace(/\./g, "\\.")}/`).test(lab.run(host, "ip -o -4 addr show dev ens33"));
}
