// The IPv6 DR service (topology dr-ipv6, DrCluster with family "ipv6"): the
// cross-host checks on IPv6 addresses, a host's IPv6 address, the IPv6
// commands of VipAlias and IpvsService/IpvsRealServer, the topology refusing a
// broken inventory before anything registers, and the cluster's children and
// outputs under Pulumi's mocks (no engine, no host).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import type { ConnectionArgs } from "../../providers";
import { serverArgs, serviceArgs } from "../../providers/ipvs/render";
import { checkServer, normalizeServer, normalizeService } from "../../providers/ipvs/validate";
import { setTransportFactory } from "../../providers/transport/seam";
import { addCommand, checkVip, delCommand, normalizeVip } from "../../providers/vip/core";
import { stacks } from "../../stacks";
import { familyOf, vipFamilyMatches, vipPrefixOnSegment } from "../../stacks/checks";
import { DR_IPV6_KEYS, StackConfig } from "../../stacks/config";
import { DrCluster, drFamily } from "../../stacks/components/drCluster";
import { DR6_RS_SYSCTLS, drDirectorSysctls6 } from "../../stacks/components/drRealServer";
import { ClusterHost, clusterAddress6, Host, HostSource, knownAddresses6 } from "../../stacks/hosts";
import { Inventory, InventoryHost } from "../../stacks/inventory";
import { TopologyContext } from "../../stacks/topology";

const PIN = "SHA256:" + "A".repeat(43);

describe("IPv6 DR checks (stacks/checks.ts)", () => {
  it("familyOf: IPv4 or IPv6, by parsing; anything else names it", () => {
    assert.equal(familyOf("192.0.2.1"), "IPv4");
    assert.equal(familyOf("2001:db8::1"), "IPv6");
    assert.equal(familyOf("::ffff:192.0.2.1"), "IPv6");
    assert.throws(() => familyOf("web-01", "real server w"), /^Error: real server w: not an IP address: "web-01"$/);
  });

  it("vipFamilyMatches: each real server's address is the VIP's family; a mismatch names the host and both addresses", () => {
    const rss = [
      { name: "rs1", address: "192.168.118.30" },
      { name: "rs2", address: "fd00:118::40" },
    ];
    assert.deepEqual(vipFamilyMatches("fd00:118::100", rss), [
      "the VIP fd00:118::100 is IPv6 but real server rs1's address 192.168.118.30 is IPv4; an IPVS service forwards within its address family: give rs1 an IPv6 address in its inventory `addresses6` (interface: address/prefix), or pick an IPv4 VIP",
    ]);
    assert.deepEqual(vipFamilyMatches("192.168.118.100", rss), [
      "the VIP 192.168.118.100 is IPv4 but real server rs2's address fd00:118::40 is IPv6; an IPVS service forwards within its address family: give rs2 an IPv4 address in its inventory `addresses`, or pick an IPv6 VIP",
    ]);
    assert.deepEqual(vipFamilyMatches("2001:db8::100", [{ name: "w", address: "2001:0DB8::5" }]), []);
  });

  it("vipPrefixOnSegment: the VIP's prefix on the director is the segment's or longer", () => {
    const d = { name: "lb", addresses: { eth0: "2001:db8:1::10/64" } };
    assert.deepEqual(vipPrefixOnSegment("2001:db8:1::100", 64, d, "eth0"), []);
    assert.deepEqual(vipPrefixOnSegment("2001:db8:1::100", 128, d, "eth0"), []);
    assert.deepEqual(vipPrefixOnSegment("2001:db8:1::100", 32, d, "eth0"), [
      "the VIP 2001:db8:1::100/32 on director lb eth0 is broader than its segment 2001:db8:1::10/64: its on-link route would claim addresses off the segment; give the VIP the segment's prefix 64 or 128 (vipPrefix)",
    ]);
    assert.deepEqual(vipPrefixOnSegment("2001:db8:1::100", 32, d, "eth1"), [], "no segment known: nothing to compare");
    assert.deepEqual(vipPrefixOnSegment("192.0.2.100", 8, d, "eth0"), [], "another family is vipFamilyMatches' business");
  });
});

describe("a host's IPv6 address (stacks/hosts.ts)", () => {
  const h = (x: Partial<ClusterHost>): ClusterHost => ({ name: "web-01", connection: { host: "h" }, ...x });
  it("clusterAddress6: its addresses6 entry on the nic, else address6, else its first addresses6 entry, else an IPv6 address", () => {
    const addresses6 = { eth0: "2001:db8::21/64", eth1: "fd00::21/64" };
    assert.equal(clusterAddress6(h({ addresses6 }), "eth1"), "fd00::21");
    assert.equal(clusterAddress6(h({ addresses6, address6: "2001:db8::99" }), "eth1"), "fd00::21");
    assert.equal(clusterAddress6(h({ addresses6, address6: "2001:db8::99" }), "eth9"), "2001:db8::99");
    assert.equal(clusterAddress6(h({ addresses6 }), "eth9"), "2001:db8::21");
    assert.equal(clusterAddress6(h({ addresses6 })), "2001:db8::21");
    assert.equal(clusterAddress6(h({ address: "2001:db8::7" })), "2001:db8::7");
    assert.equal(clusterAddress6(h({ address: "192.0.2.7", addresses: { eth0: "192.0.2.7/24" } }), "eth0"), undefined);
    const out = pulumi.output("2001:db8::8");
    assert.equal(clusterAddress6(h({ address6: out })), out, "an Output is handed on");
  });

  it("knownAddresses6: what the IPv6 checks know at preview (its addresses6, its plain address6)", () => {
    assert.deepEqual(knownAddresses6({ name: "c", addresses6: { eth0: "2001:db8::20/64" }, address6: "2001:db8::2" }), {
      name: "c",
      addresses: { eth0: "2001:db8::20/64", address: "2001:db8::2" },
    });
    assert.deepEqual(knownAddresses6({ name: "c", address: "192.0.2.5" }), { name: "c", addresses: {} });
    assert.deepEqual(knownAddresses6({ name: "c", address: "2001:db8::5" }), { name: "c", addresses: { address: "2001:db8::5" } });
  });
});

describe("IPv6 commands of VipAlias and IPVS", () => {
  it("VipAlias: the VIP on lo as /128 (no label, no host route) and on the director's interface as /64", () => {
    const lo = normalizeVip({ address: "fd00:118::100", interface: "lo" });
    assert.equal(lo.prefix, 128, "IPv6 defaults to a host prefix");
    assert.equal(addCommand(lo), "ip addr replace fd00:118::100/128 dev lo");
    assert.equal(delCommand(lo), "(ip addr del fd00:118::100/128 dev lo 2>/dev/null || true)");
    const nic = normalizeVip({ address: "fd00:118::100", prefix: 64, interface: "ens33", gratuitousArp: true });
    assert.equal(addCommand(nic), "ip addr replace fd00:118::100/64 dev ens33", "no arping for IPv6");
    const routed = normalizeVip({ address: "fd00:118::100", interface: "lo", hostRoute: true });
    assert.equal(addCommand(routed), "ip addr replace fd00:118::100/128 dev lo && ip route replace fd00:118::100/128 dev lo");
  });

  it("VipAlias: an IPv6 VIP takes no label and a prefix up to 128", () => {
    const reasons = (i: Record<string, unknown>) => checkVip({ connection: { host: "h" }, ...i }).map((f) => f.reason);
    assert.deepEqual(reasons({ address: "fd00:118::100", prefix: 128, interface: "lo" }), []);
    assert.deepEqual(reasons({ address: "fd00:118::100", prefix: 64, interface: "ens33" }), []);
    assert.deepEqual(reasons({ address: "fd00:118::100", interface: "lo", label: "lo:0" }), ["label applies to IPv4 addresses only"]);
    assert.equal(reasons({ address: "fd00:118::100", prefix: 129, interface: "lo" }).length, 1);
  });

  it("IpvsService and IpvsRealServer: [VIP]:80 rr and a route (-g) real server at its IPv6 address", () => {
    const svc = normalizeService({ address: "fd00:118::100", port: 80, scheduler: "rr" });
    assert.deepEqual(serviceArgs("-A", svc), ["-A", "-t", "[fd00:118::100]:80", "-s", "rr"]);
    const key = { protocol: "tcp" as const, address: "fd00:118::100", port: 80 };
    const rs = normalizeServer({ service: key, address: "fd00:118::30", method: "route", weight: 1 });
    assert.deepEqual(serverArgs("-a", rs), ["-a", "-t", "[fd00:118::100]:80", "-r", "[fd00:118::30]:80", "-g", "-w", "1"]);
    assert.deepEqual(checkServer({ connection: { host: "h" }, service: key, address: "fd00:118::30", method: "route" }), []);
    assert.deepEqual(
      checkServer({ connection: { host: "h" }, service: key, address: "192.168.118.30", method: "route" }).map((f) => f.reason),
      ["address family must match the service's (fd00:118::100); got 192.168.118.30"],
    );
  });
});

/** The lab's dr preset as an inventory: every host on 192.168.118.0/24 and fd00:118::/64 on ens33. */
function labLike(change: Record<string, Partial<InventoryHost>> = {}): Inventory {
  const h = (name: string, n: number, groups: string[]): InventoryHost => ({
    name,
    groups: ["all", ...groups],
    sshHost: "127.0.0.1",
    port: 2200 + n,
    user: "root",
    privateKeyPath: "/k",
    hostKeySha256: PIN,
    addresses: { ens33: `192.168.118.${n}/24` },
    addresses6: { ens33: `fd00:118::${n}/64` },
    ...change[name],
  });
  const hosts = [
    h("director1", 10, ["directors"]),
    h("director2", 11, ["directors"]),
    h("client", 20, ["clients"]),
    h("rs1", 30, ["realservers"]),
    h("rs2", 40, ["realservers"]),
  ];
  return {
    hosts: Object.fromEntries(hosts.map((x) => [x.name, x])),
    groups: { directors: ["director1", "director2"], clients: ["client"], realservers: ["rs1", "rs2"] },
  };
}

/** Hosts as hostsFromConfig() makes them, without reading a key. */
function source(inv: Inventory): HostSource {
  return {
    inventory: inv,
    host(name): Host {
      const h = inv.hosts[name];
      const connection = pulumi.secret<ConnectionArgs>({
        host: "127.0.0.1",
        port: h.port,
        user: "root",
        privateKey: "key",
        hostKeySha256: PIN,
      });
      return {
        name,
        connection,
        addresses: h.addresses,
        ...(h.addresses6 ? { addresses6: h.addresses6 } : {}),
        sshHost: h.sshHost,
        ssh: `ssh -p ${h.port} root@127.0.0.1`,
      };
    },
  };
}

/** The lab stack's committed config (Pulumi.dr-ipv6.yaml) with `over`. */
function labConfig(over: Record<string, string> = {}): (k: string) => string | undefined {
  const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dr-ipv6.yaml"), "utf8")) as {
    config: Record<string, string>;
  };
  const values: Record<string, string> = Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k.replace(/^pulumi-lvs:/, ""), String(v)]),
  );
  return (k) => ({ ...values, ...over })[k];
}

const run = (inv: Inventory, over: Record<string, string> = {}) =>
  stacks["dr-ipv6"].program(new TopologyContext(new StackConfig("dr-ipv6", labConfig(over)), source(inv)));

describe("topology dr-ipv6: its config and its checks at preview, before anything registers", () => {
  it("is registered on the dr preset with the DR keys; the VIP is required and vipPrefix defaults to 64", () => {
    const t = stacks["dr-ipv6"];
    assert.equal(t.preset, "dr");
    assert.deepEqual(
      t.keys.map((k) => k.key),
      ["vip", "interface", "vipPrefix", "scheduler", "port"],
    );
    assert.equal("default" in DR_IPV6_KEYS.vip, false, "the VIP is required");
    assert.equal(DR_IPV6_KEYS.vipPrefix.default, 64);
    assert.deepEqual(
      t.groups.map((g) => [g.key, g.min, g.max]),
      [
        ["directors", 1, undefined],
        ["realservers", 1, Infinity],
        ["clients", 0, 1],
      ],
    );
    assert.deepEqual(labConfig()("vip"), "fd00:118::100");
    assert.deepEqual([labConfig()("interface"), labConfig()("vipPrefix"), labConfig()("directors")], ["ens33", "64", "directors[0]"]);
  });

  it("refuses an IPv4 VIP, and a missing one, naming the key", () => {
    assert.throws(
      () => run(labLike(), { vip: "192.168.118.100" }),
      /topology dr-ipv6: invalid stack config:\n {2}- pulumi-lvs:vip must be an IPv6 address for topology dr-ipv6; got "192\.168\.118\.100" \(an IPv4 VIP is topology dr\)/,
    );
    assert.throws(() => run(labLike(), { vip: "" }), /pulumi-lvs:vip is required/);
  });

  it("a real server without an IPv6 address: the family check names it and both addresses", () => {
    assert.throws(
      () => run(labLike({ rs1: { addresses6: undefined } })),
      (e: Error) =>
        e.message.startsWith("stack dr-ipv6: refusing to touch any host:\n") &&
        e.message.includes(
          "the VIP fd00:118::100 is IPv6 but real server rs1's address 192.168.118.30 is IPv4; an IPVS service forwards within its address family: give rs1 an IPv6 address in its inventory `addresses6`",
        ) &&
        !e.message.includes("rs2"),
    );
  });

  it("a real server off the director's IPv6 segment, and a VIP broader than the segment", () => {
    assert.throws(
      () => run(labLike({ rs2: { addresses6: { ens33: "fd00:119::40/64" } } }), { vipPrefix: "32" }),
      (e: Error) =>
        e.message.includes(
          "DR real server rs2 (fd00:119::40) is not on director director1's subnet fd00:118::10/64 (ens33); LVS-DR needs one L2 segment",
        ) && e.message.includes("the VIP fd00:118::100/32 on director director1 ens33 is broader than its segment fd00:118::10/64"),
    );
  });

  it("the VIP is a host's IPv6 address (a real server's, the client's), compared by value", () => {
    assert.throws(
      () => run(labLike({ rs1: { addresses6: { ens33: "fd00:118:0::100/64" } } })),
      /the VIP fd00:118::100 is rs1's own address on ens33; pick a free address/,
    );
    assert.throws(
      () => run(labLike({ client: { addresses6: { ens33: "FD00:118::100/64" } } })),
      /the VIP fd00:118::100 is client's own address on ens33; pick a free address/,
    );
  });

  it("a director with no IPv6 address on the interface", () => {
    assert.throws(
      () => run(labLike({ director1: { addresses6: { ens36: "fd00:12::10/64" } } })),
      /director director1 has no IPv6 address on ens33 \(its addresses6 has ens36\); add ens33: <address>\/<prefix> to its inventory addresses6/,
    );
  });

  it("drFamily: the VIP's family when plain, else IPv4, unless given", () => {
    assert.equal(drFamily({ vip: "fd00:118::100" }), "ipv6");
    assert.equal(drFamily({ vip: "192.0.2.100" }), "ipv4");
    assert.equal(drFamily({ vip: pulumi.output("fd00:118::100") }), "ipv4");
    assert.equal(drFamily({ vip: pulumi.output("fd00:118::100"), family: "ipv6" }), "ipv6");
    assert.deepEqual(drDirectorSysctls6("eth0.100"), { "net.ipv6.conf.all.forwarding": "0", "net.ipv6.conf.eth0/100.accept_dad": "0" });
  });
});

describe("DrCluster on an IPv6 VIP under Pulumi's mocks (no engine, no host)", function () {
  this.timeout(60_000);
  const saved = { project: "", stack: "", dryRun: false };
  const inputs = new Map<string, Record<string, unknown>>();
  const connections: string[] = [];

  before(async () => {
    saved.project = pulumi.runtime.getProject();
    saved.stack = pulumi.runtime.getStack();
    saved.dryRun = pulumi.runtime.isDryRun();
    await pulumi.runtime.setMocks(
      {
        newResource(a) {
          inputs.set(a.name, a.inputs);
          return { id: a.custom ? `${a.name}-id` : undefined, state: a.inputs };
        },
        call: (a) => a.inputs,
      },
      "project",
      "test",
      false,
    );
    setTransportFactory((c) => {
      connections.push(`${c.host}:${c.port}`);
      throw new Error(`drIpv6.test: no host here (asked for ${c.host})`);
    });
  });

  after(() => {
    setTransportFactory(undefined);
    pulumi.runtime.resetOptions(saved.project, saved.stack, -1, "", "", saved.dryRun, "");
  });

  /** Runs `make` recording every resource it creates (with the options each got), once all are registered. */
  async function record(make: (opts: pulumi.ComponentResourceOptions) => unknown) {
    const seen: { resource: pulumi.Resource; type: string; name: string; opts: pulumi.ResourceOptions }[] = [];
    const result = make({
      transformations: [(a) => (seen.push({ resource: a.resource, type: a.type, name: a.name, opts: a.opts }), undefined)],
    });
    await Promise.all(seen.map((s) => new Promise((r) => s.resource.urn.apply(r))));
    assert.deepEqual(connections, [], "a connection was asked for");
    const names = (rs: unknown) => ([] as unknown[]).concat(rs ?? []).map((d) => seen.find((s) => s.resource === d)?.name ?? "?");
    return {
      result,
      children: seen.slice(1).map((s) => [s.type.replace("pulumi-nodejs:dynamic/pulumi-lvs:", ""), s.name]),
      parentOf: (name: string) => seen.find((s) => s.name === name)?.opts.parent,
      component: seen[0].resource,
      dependsOn: (name: string) => names(seen.find((s) => s.name === name)?.opts.dependsOn),
      input: (name: string) => {
        const i = { ...(inputs.get(name) ?? {}) };
        delete i.__provider;
        delete i.connection;
        return i;
      },
    };
  }
  const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

  it("DrCluster with family ipv6: children named as the IPv4 cluster's, their IPv6 inputs and dependsOn, its outputs", async () => {
    const lab = source(labLike());
    const c = await record(
      (opts) =>
        new DrCluster(
          "six",
          {
            family: "ipv6",
            director: lab.host("director1"),
            nic: "ens33",
            vip: "fd00:118::100",
            vipPrefix: 64,
            realServers: [{ host: lab.host("rs1") }, { host: lab.host("rs2"), weight: 2 }],
          },
          opts,
        ),
    );
    assert.deepEqual(c.children, [
      ["SysctlSet", "six-director-sysctls"],
      ["VipAlias", "six-director-vip"],
      ["IpvsService", "six-service"],
      ["SysctlSet", "six-rs1-sysctls"],
      ["VipAlias", "six-rs1-vip"],
      ["IpvsRealServer", "six-rs1"],
      ["SysctlSet", "six-rs2-sysctls"],
      ["VipAlias", "six-rs2-vip"],
      ["IpvsRealServer", "six-rs2"],
    ]);
    for (const [, name] of c.children) assert.equal(c.parentOf(name), c.component, `${name}'s parent`);
    assert.deepEqual(c.input("six-director-sysctls"), {
      name: "90-lvs-dr6",
      values: { "net.ipv6.conf.all.forwarding": "0", "net.ipv6.conf.ens33.accept_dad": "0" },
    });
    assert.deepEqual(c.input("six-director-vip"), { address: "fd00:118::100", prefix: 64, interface: "ens33" });
    assert.deepEqual(c.input("six-service"), { address: "fd00:118::100", port: 80, scheduler: "rr" });
    for (const [rs, address, weight] of [
      ["rs1", "fd00:118::30", 1],
      ["rs2", "fd00:118::40", 2],
    ] as const) {
      assert.deepEqual(c.input(`six-${rs}-sysctls`), { name: "90-lvs-dr6-rs", values: DR6_RS_SYSCTLS });
      assert.deepEqual(c.input(`six-${rs}-vip`), { address: "fd00:118::100", prefix: 128, interface: "lo" });
      assert.deepEqual(c.input(`six-${rs}`), {
        service: { protocol: "tcp", address: "fd00:118::100", port: 80 },
        address,
        method: "route",
        weight,
        gracefulDeleteTimeoutSeconds: 20,
      });
      assert.deepEqual(c.dependsOn(`six-${rs}-vip`), [`six-${rs}-sysctls`]);
      assert.deepEqual(c.dependsOn(`six-${rs}`), ["six-service", `six-${rs}-vip`]);
    }
    assert.deepEqual(c.dependsOn("six-director-vip"), ["six-director-sysctls"]);
    const cluster = c.result as DrCluster;
    assert.deepEqual(
      [await resolved(cluster.vip), await resolved(cluster.port), cluster.director, await resolved(cluster.realServers)],
      [
        "fd00:118::100",
        80,
        "director1",
        [
          { host: "rs1", address: "fd00:118::30", weight: 1 },
          { host: "rs2", address: "fd00:118::40", weight: 2 },
        ],
      ],
    );
  });

  it("the lab's dr-ipv6 stack: the cluster dr-ipv6 and its resources, the outputs with a bracketed URL", async () => {
    const outputs = run(labLike()) as Record<string, unknown>;
    assert.equal(outputs.vip, "fd00:118::100");
    assert.equal(outputs.url, "http://[fd00:118::100]/");
    assert.deepEqual(outputs.hosts, {
      director1: "director (VIP on ens33)",
      rs1: "real server (VIP on lo)",
      rs2: "real server (VIP on lo)",
    });
    // The brackets are quoted for the shell (they are glob characters); curl takes a bracketed IPv6 literal as it is.
    assert.equal(outputs.try, String.raw`ssh -p 2220 root@127.0.0.1 'curl -s '\''http://[fd00:118::100]/'\'''`);
    // The check is not run here: the inventory gives the client no host_key.
    assert.match(await resolved(outputs.check as pulumi.Output<string>), /^not run: the inventory gives no host_key/);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([...inputs.keys()].filter((k) => k.startsWith("dr-ipv6")).sort(), [
      "dr-ipv6",
      "dr-ipv6-director-sysctls",
      "dr-ipv6-director-vip",
      "dr-ipv6-rs1",
      "dr-ipv6-rs1-sysctls",
      "dr-ipv6-rs1-vip",
      "dr-ipv6-rs2",
      "dr-ipv6-rs2-sysctls",
      "dr-ipv6-rs2-vip",
      "dr-ipv6-service",
    ]);
    assert.equal(inputs.get("dr-ipv6-rs2")?.address, "fd00:118::40");
    assert.equal(inputs.get("dr-ipv6-director-vip")?.prefix, 64);
  });

  it("an IPv4 VIP keeps the IPv4 cluster (family chosen by the VIP): labels, ARP sysctls, lo:0", async () => {
    const web = (n: number): ClusterHost => ({
      name: `web-${n}`,
      connection: { host: `192.0.2.${n}` },
      addresses: { eth0: `192.0.2.${n}/24` },
      addresses6: { eth0: `2001:db8::${n}/64` },
    });
    const c = await record(
      (opts) => new DrCluster("v4", { director: web(10), nic: "eth0", vip: "192.0.2.100", realServers: [{ host: web(21) }] }, opts),
    );
    assert.deepEqual(c.input("v4-director-vip"), {
      address: "192.0.2.100",
      prefix: 32,
      interface: "eth0",
      label: "eth0:0",
      gratuitousArp: true,
    });
    assert.deepEqual(
      c.children.map(([, n]) => n),
      ["v4-director-sysctls", "v4-director-vip", "v4-service", "v4-web-21-arp", "v4-web-21-vip", "v4-web-21"],
    );
    assert.equal(c.input("v4-web-21").address, "192.0.2.21");
  });
});
