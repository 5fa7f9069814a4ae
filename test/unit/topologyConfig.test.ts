// A stack's config and hosts as a topology reads them (stacks/config.ts,
// stacks/topology.ts): typed keys, every failure at once naming the key, the
// value and what is allowed; hosts by inventory group pattern.
import * as assert from "node:assert/strict";
import { COMMON_KEYS, StackConfig } from "../../stacks/config";
import { Inventory } from "../../stacks/inventory";
import { matchHosts } from "../../stacks/topology";

const from = (m: Record<string, string>) => (k: string) => m[k];

describe("stack config", () => {
  it("reads typed keys with their defaults", () => {
    const c = new StackConfig("t", from({ vip: "192.0.2.10", port: "8080" }));
    assert.equal(c.address(COMMON_KEYS.vip), "192.0.2.10");
    assert.equal(c.integer(COMMON_KEYS.port), 8080);
    assert.equal(c.string(COMMON_KEYS.scheduler), "rr");
    assert.equal(c.interface(COMMON_KEYS.interface), "eth0");
    c.done();
  });

  it("reports every bad or missing key at once, naming the key, the value and what is allowed", () => {
    const c = new StackConfig("dr", from({ scheduler: "fastest", port: "70000", interface: "-all" }));
    c.address(COMMON_KEYS.vip);
    c.string(COMMON_KEYS.scheduler);
    c.integer(COMMON_KEYS.port);
    c.interface(COMMON_KEYS.interface);
    assert.throws(
      () => c.done(),
      (e: Error) =>
        /topology dr: invalid stack config/.test(e.message) &&
        /pulumi-lvs:vip is required/.test(e.message) &&
        /pulumi-lvs:scheduler must be one of rr, wrr.*; got "fastest"/.test(e.message) &&
        /pulumi-lvs:port must be an integer 1\.\.65535; got "70000"/.test(e.message) &&
        /pulumi-lvs:interface must be an interface name .*; got "-all"/.test(e.message),
    );
  });

  it("refuses a VIP with a zone id, a prefix, or one no host can own", () => {
    for (const vip of ["fe80::1%eth0", "192.0.2.10/24", "224.0.0.18", "0.0.0.0", "lb.example.com"]) {
      const c = new StackConfig("t", from({ vip }));
      c.address(COMMON_KEYS.vip);
      assert.equal(c.failures.length, 1, vip);
    }
    const v6 = new StackConfig("t", from({ vip: "2001:db8::10" }));
    assert.equal(v6.address(COMMON_KEYS.vip), "2001:db8::10");
    assert.deepEqual(v6.failures, []);
  });
});

describe("host patterns", () => {
  const inv: Inventory = {
    hosts: Object.fromEntries(
      ["lb-a", "lb-b", "web-01", "web-02"].map((n) => [
        n,
        { name: n, groups: [], sshHost: n, port: 22, user: "root", privateKeyPath: "", hostKeySha256: "", addresses: {} } as never,
      ]),
    ),
    groups: { directors: ["lb-a", "lb-b"], realservers: ["web-01", "web-02"] },
  };
  it("a group, an index (negative from the end) and an inclusive range, as Ansible", () => {
    assert.deepEqual(matchHosts(inv, "directors"), ["lb-a", "lb-b"]);
    assert.deepEqual(matchHosts(inv, "directors[0]"), ["lb-a"]);
    assert.deepEqual(matchHosts(inv, "realservers[-1]"), ["web-02"]);
    assert.deepEqual(matchHosts(inv, "realservers[0:1]"), ["web-01", "web-02"]);
  });
  it("names the groups there are when a pattern names none", () => {
    assert.match(String(matchHosts(inv, "haproxies")), /names no inventory group \(groups: all, directors, realservers\)/);
    assert.match(String(matchHosts(inv, "a b")), /group name/);
  });
});
