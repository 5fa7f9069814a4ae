// The inventory's optional host_key (a public key line): written and read
// back, and refused when its fingerprint is not the pin. ssh-keygen is the
// independent judge of the fingerprint.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fingerprint, Inventory, parseInventory, renderInventory } from "../../stacks/inventory";

function keyPair(dir: string, name: string): { line: string; pin: string } {
  const f = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", f]);
  const pin = execFileSync("ssh-keygen", ["-lf", `${f}.pub`], { encoding: "utf8" }).split(" ")[1];
  return { line: fs.readFileSync(`${f}.pub`, "utf8").trim(), pin };
}

describe("inventory host_key", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "inv-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has OpenSSH's fingerprint, and survives render and parse", () => {
    const k = keyPair(dir, "client");
    assert.equal(fingerprint(k.line), k.pin);
    const inv: Inventory = {
      hosts: {
        client: {
          name: "client",
          groups: [],
          sshHost: "127.0.0.1",
          port: 2201,
          user: "root",
          privateKeyPath: "/k",
          hostKeySha256: k.pin,
          hostKey: k.line,
          addresses: {},
        },
      },
      groups: {},
    };
    assert.equal(parseInventory(renderInventory(inv)).hosts.client.hostKey, k.line);
  });

  it("is refused when it is not the pinned key, naming both fingerprints", () => {
    const a = keyPair(dir, "a");
    const b = keyPair(dir, "b");
    const text = `all:\n  hosts:\n    web-01:\n      ansible_ssh_private_key_file: /k\n      host_key_sha256: ${a.pin}\n      host_key: ${b.line}\n`;
    assert.throws(
      () => parseInventory(text, "inv.yaml"),
      (err: Error) =>
        err.message.includes("host web-01: host_key's fingerprint") && err.message.includes(b.pin) && err.message.includes(a.pin),
    );
    assert.throws(() => parseInventory(text.replace(b.line, "42"), "inv.yaml"), /host_key must be a non-empty string/);
  });
});
