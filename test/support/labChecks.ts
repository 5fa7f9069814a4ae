// Checks of the lab itself, shared by each preset's test/lab/<preset>/lab.test.ts.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { Client } from "ssh2";
import { InventoryHost, loadInventory } from "../../stacks/inventory";
import * as lab from "../../lab/lab";

/** Connects with ssh2, accepting only the host key whose SHA256 fingerprint is `pin`; runs `command`. */
export function sshPinned(h: InventoryHost, pin: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let out = "";
    c.on("ready", () => {
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        stream.on("data", (d: Buffer) => (out += d.toString()));
        stream.stderr.on("data", () => undefined);
        stream.on("close", () => {
          c.end();
          resolve(out);
        });
      });
    });
    c.on("error", reject);
    c.connect({
      host: h.sshHost,
      port: h.port,
      username: h.user,
      privateKey: fs.readFileSync(h.privateKeyPath),
      readyTimeout: 20000,
      hostVerifier: (key: Buffer) => "SHA256:" + crypto.createHash("sha256").update(key).digest("base64").replace(/=+$/, "") === pin,
    });
  });
}

export function ok(host: string, command: string): string {
  return lab.run(host, command);
}

/** Does `from` reach `addr` (ICMP, 1 s)? */
export function reaches(from: string, addr: string): boolean {
  return lab.exec(from, `ping -c1 -W1 ${addr} >/dev/null`).code === 0;
}

/** Number of VRRP (IP protocol 112) packets `host` sees on ens33 within `seconds`. */
export function vrrpPackets(host: string, seconds: number): number {
  // tcpdump prints a bare newline when timeout stops it: count only VRRP lines.
  const r = lab.exec(host, `timeout ${seconds} tcpdump -l -n -i ens33 'ip proto 112' 2>/dev/null | grep -c VRRP`);
  return Number(r.stdout.trim());
}

/** Every host of the running lab answers SSH (ssh2) with the host key its inventory pins. */
export async function allHostsPinned(names: string[]): Promise<void> {
  const inv = loadInventory();
  assert.deepEqual(Object.keys(inv.hosts).sort(), [...names].sort());
  for (const h of Object.values(inv.hosts)) assert.equal((await sshPinned(h, h.hostKeySha256, "hostname")).trim(), h.name);
}

/** A lab test suite on `preset`: the running VM reset to its saved state, or the preset started. */
export function usePreset(preset: string): void {
  before(async function () {
    this.timeout(600000);
    const r = await lab.use(preset);
    console.log(`      lab ${preset}: ${r.mode} in ${r.seconds.toFixed(1)}s, qemu RSS ${lab.status().qemuRssMiB} MiB`);
  });
}
