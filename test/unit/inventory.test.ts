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

describe("inventory addresses6 (a host's IPv6 addresses)", () => {
  const yaml = (vars: string) =>
    `all:\n  hosts:\n    web-01:\n      ansible_host: 192.0.2.30\n      addresses:\n        eth0: 192.0.2.30/24\n${vars}`;

  it("is read from YAML next to addresses, and absent (not {}) when the inventory gives none", () => {
    const h = parseInventory(yaml("      addresses6:\n        eth0: 2001:db8::30/64\n        eth1: fd00:118::30/64\n"), "inv.yaml").hosts[
      "web-01"
    ];
    assert.deepEqual(h.addresses, { eth0: "192.0.2.30/24" });
    assert.deepEqual(h.addresses6, { eth0: "2001:db8::30/64", eth1: "fd00:118::30/64" });
    const old = parseInventory(yaml(""), "inv.yaml").hosts["web-01"];
    assert.equal("addresses6" in old, false, "an inventory without addresses6 reads as before");
  });

  it("is read from INI host vars and group vars, as Ansible types them", () => {
    const ini = [
      "[realservers]",
      `web-01 ansible_host=192.0.2.30 addresses="{'eth0': '192.0.2.30/24'}" addresses6="{'eth0': '2001:db8::30/64'}"`,
      "web-02 ansible_host=192.0.2.31",
      "[realservers:vars]",
      "addresses6={'eth0': '2001:db8::99/64'}",
    ].join("\n");
    const inv = parseInventory(ini, "hosts.ini");
    assert.deepEqual(inv.hosts["web-01"].addresses6, { eth0: "2001:db8::30/64" }, "the host's own var wins");
    assert.deepEqual(inv.hosts["web-02"].addresses6, { eth0: "2001:db8::99/64" });
  });

  it("survives render and parse; a host without it is rendered without it", () => {
    const base = { groups: [], sshHost: "127.0.0.1", port: 2201, user: "root", privateKeyPath: "/k", hostKeySha256: "SHA256:x" };
    const inv: Inventory = {
      hosts: {
        rs1: { ...base, name: "rs1", addresses: { ens33: "192.168.118.30/24" }, addresses6: { ens33: "fd00:118::30/64" } },
        rs2: { ...base, name: "rs2", addresses: { ens33: "192.168.118.40/24" } },
      },
      groups: { realservers: ["rs1", "rs2"] },
    };
    const text = renderInventory(inv);
    assert.equal(text.match(/addresses6:/g)?.length, 1);
    const back = parseInventory(text, "inventory.yaml");
    assert.deepEqual(back.hosts.rs1.addresses6, { ens33: "fd00:118::30/64" });
    assert.deepEqual(back.hosts.rs1.addresses, { ens33: "192.168.118.30/24" });
    assert.equal(back.hosts.rs2.addresses6, undefined);
  });

  it("refuses what is not a map of IPv6 address/prefix, naming the host, the interface and the value", () => {
    const bad = (v: string) => () => parseInventory(yaml(`      addresses6:${v}\n`), "inv.yaml");
    assert.throws(bad(" [2001:db8::30/64]"), /inv\.yaml: host web-01: addresses6 must be a map of interface name to IPv6 address\/prefix/);
    for (const [value, shown] of [
      ["192.0.2.30/24", '"192.0.2.30/24"'],
      ["2001:db8::30", '"2001:db8::30"'],
      ["2001:db8::30/129", '"2001:db8::30/129"'],
      ["2001:db8::30/064", '"2001:db8::30/064"'],
      ["fe80::1%eth0/64", '"fe80::1%eth0/64"'],
      ["2001:db8::g/64", '"2001:db8::g/64"'],
    ]) {
      assert.throws(
        bad(`\n        eth0: ${value}`),
        (e: Error) =>
          e.message ===
          `inv.yaml: host web-01: addresses6.eth0 must be an IPv6 address/prefix (prefix 0..128, no zone), e.g. 2001:db8::30/64; got ${shown}`,
        value,
      );
    }
    assert.throws(bad("\n        eth0: 64"), /addresses6\.eth0 must be an IPv6 address\/prefix .*; got 64$/);
  });
});
