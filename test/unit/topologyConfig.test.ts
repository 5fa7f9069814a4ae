// A stack's config and hosts as a topology reads them (stacks/config.ts,
// stacks/topology.ts): typed keys, every failure at once naming the key, the
// value and what is allowed; hosts by inventory group pattern.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stacks } from "../../stacks";
import { COMMON_KEYS, StackConfig, VRRP_KEYS } from "../../stacks/config";
import { addressOf, HostSource, sshCommand } from "../../stacks/hosts";
import { Inventory, InventoryHost } from "../../stacks/inventory";
import { topologyOutputs, vipUrl } from "../../stacks/outputs";
import { matchHosts, ROLES, TopologyContext } from "../../stacks/topology";

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

describe("topologies on an operator's inventory", () => {
  const h = (name: string, groups: string[], addresses: Record<string, string> = {}, sshHost = name) =>
    ({
      name,
      groups: ["all", ...groups],
      sshHost,
      port: 22,
      user: "root",
      privateKeyPath: "/k",
      hostKeySha256: "SHA256:x",
      addresses,
    }) as InventoryHost;
  const inventory = (hosts: InventoryHost[]): Inventory => {
    const groups: Record<string, string[]> = {};
    for (const x of hosts) for (const g of x.groups.filter((g) => g !== "all")) (groups[g] ??= []).push(x.name);
    return { hosts: Object.fromEntries(hosts.map((x) => [x.name, x])), groups };
  };
  const source = (inv: Inventory): HostSource => ({
    inventory: inv,
    host: (name) => ({
      name,
      connection: pulumi.output({ host: name }) as never,
      addresses: inv.hosts[name].addresses,
      sshHost: inv.hosts[name].sshHost,
      ssh: `ssh ${name}`,
    }),
  });
  const ctx = (topology: string, config: Record<string, string>, inv: Inventory) =>
    new TopologyContext(new StackConfig(topology, from(config)), source(inv));

  it("a role that takes two hosts refuses three, naming the key, the pattern and the hosts", () => {
    const inv = inventory([h("lb-a", ["lbs"]), h("lb-b", ["lbs"]), h("lb-c", ["lbs"]), h("web", ["webs"])]);
    const c = ctx("dr-keepalived", { directors: "lbs" }, inv);
    assert.deepEqual(c.hosts(ROLES.directors("the pair", 2)), []);
    assert.match(c.cfg.failures[0], /pulumi-lvs:directors "lbs" matches 3 host\(s\) \(lb-a, lb-b, lb-c\); this topology takes exactly 2/);
    const two = ctx("dr-keepalived", { directors: "lbs[0:1]" }, inv);
    assert.deepEqual(
      two.hosts(ROLES.directors("the pair", 2)).map((x) => x.name),
      ["lb-a", "lb-b"],
    );
  });

  it("an optional role (clients) with no such group is empty, not an error; a named missing group is", () => {
    const inv = inventory([h("lb-a", ["directors"])]);
    const c = ctx("dr", {}, inv);
    assert.deepEqual(c.hosts(ROLES.clients), []);
    assert.deepEqual(c.cfg.failures, []);
    const named = ctx("dr", { clients: "testers" }, inv);
    named.hosts(ROLES.clients);
    assert.match(named.cfg.failures[0], /pulumi-lvs:clients "testers" names no inventory group/);
  });

  it("others(): every inventory host a topology does not use, for the VIP-ownership check", () => {
    const inv = inventory([h("lb-a", ["directors"], { eth0: "192.0.2.11/24" }), h("mon", ["monitoring"], { eth0: "192.0.2.50/24" })]);
    const c = ctx("dr", {}, inv);
    assert.deepEqual(c.others([{ name: "lb-a" }]), [{ name: "mon", addresses: { eth0: "192.0.2.50/24" } }]);
  });

  it("dr-ipv6 on an inventory without addresses6: refused at preview, naming each real server and both addresses", () => {
    const inv = inventory([
      h("lb-a", ["directors"], { eth0: "192.0.2.11/24" }),
      h("web-01", ["realservers"], { eth0: "192.0.2.21/24" }),
      h("web-02", ["realservers"], { eth0: "2001:db8::22/64" }),
    ]);
    const c = ctx("dr-ipv6", { vip: "2001:db8::100", interface: "eth0" }, inv);
    assert.throws(
      () => stacks["dr-ipv6"].program(c),
      (e: Error) =>
        /^stack dr-ipv6: refusing to touch any host:\n/.test(e.message) &&
        e.message.includes("the VIP 2001:db8::100 is IPv6 but real server web-01's address 192.0.2.21 is IPv4") &&
        !e.message.includes("web-02's address"),
    );
    assert.throws(
      () => stacks["dr-ipv6"].program(ctx("dr-ipv6", { vip: "192.0.2.100", interface: "eth0" }, inv)),
      /pulumi-lvs:vip must be an IPv6 address for topology dr-ipv6; got "192\.0\.2\.100"/,
    );
  });

  it("values(): every key of a topology, typed, failures collected", () => {
    const c = ctx("t", { vip: "192.0.2.100", weights: "[2,3]", virtualRouterId: "256" }, inventory([]));
    const v = c.values({ vip: COMMON_KEYS.vip, weights: COMMON_KEYS.weights, virtualRouterId: VRRP_KEYS.virtualRouterId });
    assert.equal(v.vip, "192.0.2.100");
    assert.deepEqual(v.weights, [2, 3]);
    assert.match(c.cfg.failures.join("\n"), /pulumi-lvs:virtualRouterId must be an integer 1\.\.255; got "256"/);
  });
});

describe("host addresses and commands on real machines", () => {
  const host = (addresses: Record<string, string>, sshHost: string) => ({ name: "web-01", addresses, sshHost });
  it("addressOf: the named nic, else the only address, else ansible_host when it is an IP", () => {
    assert.equal(addressOf(host({ eth0: "192.0.2.21/24", eth1: "198.51.100.21/24" }, "x"), "eth1"), "198.51.100.21");
    assert.equal(addressOf(host({ eth0: "2001:db8::21/64" }, "web-01.example")), "2001:db8::21");
    assert.equal(addressOf(host({}, "192.0.2.21")), "192.0.2.21");
    assert.throws(() => addressOf(host({}, "127.0.0.1")), /host web-01: no address to reach it by; its ansible_host is "127\.0\.0\.1"/);
    assert.throws(() => addressOf(host({}, "web-01.example")), /set ansible_host to an IP address or give the host an `addresses` map/);
    assert.throws(() => addressOf(host({ eth0: "192.0.2.21/24" }, "x"), "ens33"), /host web-01 has no address on ens33 .*has eth0/);
  });

  it("sshCommand: port, key file and ProxyJump hops in order", () => {
    const base = {
      name: "web-01",
      groups: [],
      sshHost: "10.0.0.21",
      port: 22,
      user: "admin",
      privateKeyPath: "/home/me/.ssh/id ed25519",
      hostKeySha256: "SHA256:x",
      addresses: {},
    };
    assert.equal(sshCommand(base), "ssh -i '/home/me/.ssh/id ed25519' admin@10.0.0.21");
    const a = { host: "bastion", port: 22, user: "me", hostKeySha256: "" };
    const b = { host: "2001:db8::1", port: 2222, user: "me", hostKeySha256: "", jump: a };
    assert.equal(
      sshCommand({ ...base, port: 2200, privateKeyPath: "", jump: b }),
      "ssh -p 2200 -J me@bastion:22,me@[2001:db8::1]:2222 admin@10.0.0.21",
    );
  });

  it("the try output: curl over ssh from the client, or a plain curl without one; IPv6 VIPs in brackets", () => {
    assert.equal(topologyOutputs("192.0.2.100", {}, "/", 80).try, "curl -s http://192.0.2.100/");
    assert.equal(vipUrl("2001:db8::100", "/x", 8080), "http://[2001:db8::100]:8080/x");
    const t = topologyOutputs("192.0.2.100", {}, "/", 80, {}, { ssh: "ssh admin@192.0.2.5" }).try;
    assert.equal(t, "ssh admin@192.0.2.5 'curl -s http://192.0.2.100/'");
  });
});

describe("the lab's stacks and the topologies", () => {
  const root = path.join(__dirname, "..", "..");
  it("each topology has a committed Pulumi.<name>.yaml naming it, without an encryption salt", () => {
    for (const name of Object.keys(stacks)) {
      const text = fs.readFileSync(path.join(root, `Pulumi.${name}.yaml`), "utf8");
      assert.match(text, new RegExp(`^  pulumi-lvs:topology: ${name}$`, "m"), name);
      assert.doesNotMatch(text, /encryptionsalt|secretsprovider/, `Pulumi.${name}.yaml must let a user's passphrase create the stack`);
    }
  });

  it("no lab address, lab interface or lab host name in stacks/ (they are config)", () => {
    const lab = /192\.168\.118\.|12\.0\.0\.|\bens3[36]\b|\bdirector[12]\b|"rs[12]"|\btomcat[12]\b|\bhaproxy[12]\b/;
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts"))
          fs.readFileSync(p, "utf8")
            .split("\n")
            .forEach((line, i) => {
              if (lab.test(line)) hits.push(`${path.relative(root, p)}:${i + 1}: ${line.trim()}`);
            });
      }
    };
    walk(path.join(root, "stacks"));
    assert.deepEqual(hits, []);
  });
});
