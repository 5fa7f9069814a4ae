// The dr-fwmark topology without an engine or a host: its config keys, its
// preview-time checks (the DR segment, the mark and the ports; every failure
// at once, before any resource registers) and, under Pulumi's mocks, the
// resources it declares with their key inputs: the director's MARK rule, the
// fwmark service with persistence, the real servers and the nginx sites on
// the extra ports.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { setTransportFactory } from "../../providers/transport/seam";
import { stacks } from "../../stacks";
import { fwmarkService } from "../../stacks/checks";
import { KeySpec, StackConfig } from "../../stacks/config";
import { DOC_ROOT, drFwmark, extraPortSite } from "../../stacks/drFwmark";
import { HostSource } from "../../stacks/hosts";
import { Inventory, InventoryHost } from "../../stacks/inventory";
import { TopologyContext } from "../../stacks/topology";

const kind = (k: string) => `pulumi-nodejs:dynamic/pulumi-lvs:${k}`;

describe("the firewall-mark service check", () => {
  it("accepts 1 to 15 distinct ports and a mark 1..4294967295", () => {
    assert.deepEqual(fwmarkService(1, [80, 8080]), []);
    assert.deepEqual(fwmarkService(4294967295, [443]), []);
    assert.deepEqual(
      fwmarkService(
        7,
        Array.from({ length: 15 }, (_, i) => 8000 + i),
      ),
      [],
    );
  });

  it("refuses a mark out of range, no ports, 16 ports, a port out of range and a repeated port, naming the values", () => {
    assert.deepEqual(fwmarkService(0, [80]), ["the firewall mark must be an integer 1..4294967295 (0 is no mark); got 0"]);
    assert.match(fwmarkService(4294967296, [80])[0], /1\.\.4294967295 .*got 4294967296/);
    assert.deepEqual(fwmarkService(1, []), ["a firewall-mark service groups 1 to 15 ports (one iptables multiport match); got 0 ()"]);
    assert.match(
      fwmarkService(
        1,
        Array.from({ length: 16 }, (_, i) => 8000 + i),
      )[0],
      /groups 1 to 15 ports .*got 16/,
    );
    assert.deepEqual(fwmarkService(1, [80, 0, 65536]), ["the firewall-mark service's ports must be integers 1..65535; got 0, 65536"]);
    assert.deepEqual(fwmarkService(1, [80, 8080, 80]), [
      "the firewall-mark service's ports must be distinct; got 80 more than once (80, 8080, 80)",
    ]);
  });
});

describe("topology dr-fwmark", function () {
  this.timeout(30_000);
  const h = (name: string, groups: string[], cidr: string): InventoryHost =>
    ({
      name,
      groups: ["all", ...groups],
      sshHost: cidr.split("/")[0],
      port: 22,
      user: "root",
      privateKeyPath: "/k",
      hostKeySha256: "SHA256:x",
      addresses: { eth0: cidr },
    }) as InventoryHost;
  const inventory = (rs1 = "192.0.2.21/24"): Inventory => {
    const hosts = [
      h("lb-a", ["directors"], "192.0.2.10/24"),
      h("lb-b", ["directors"], "192.0.2.11/24"),
      h("tester", ["clients"], "192.0.2.5/24"),
      h("web-01", ["realservers"], rs1),
      h("web-02", ["realservers"], "192.0.2.22/24"),
    ];
    const groups: Record<string, string[]> = {};
    for (const x of hosts) for (const g of x.groups.filter((g) => g !== "all")) (groups[g] ??= []).push(x.name);
    return { hosts: Object.fromEntries(hosts.map((x) => [x.name, x])), groups };
  };
  const source = (inv: Inventory): HostSource => ({
    inventory: inv,
    host: (name) => ({
      name,
      connection: pulumi.output({ host: inv.hosts[name].sshHost, port: 22, user: "root", privateKey: "key" }),
      addresses: inv.hosts[name].addresses,
      sshHost: inv.hosts[name].sshHost,
      ssh: `ssh root@${inv.hosts[name].sshHost}`,
    }),
  });
  const BASE = { vip: "192.0.2.100", interface: "eth0", directors: "directors[0]" };
  const ctx = (config: Record<string, string>, inv = inventory()) =>
    new TopologyContext(new StackConfig("dr-fwmark", (k) => ({ ...BASE, ...config })[k as keyof typeof BASE]), source(inv));

  /** What the mocks received: type, name and inputs of each resource, in registration order. */
  const made: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  const connections: string[] = [];
  const before_ = { project: "", stack: "", dryRun: false };

  before(async () => {
    before_.project = pulumi.runtime.getProject();
    before_.stack = pulumi.runtime.getStack();
    before_.dryRun = pulumi.runtime.isDryRun();
    await pulumi.runtime.setMocks(
      {
        newResource(a) {
          made.push({ type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown> });
          return { id: a.custom ? `${a.name}-id` : undefined, state: a.inputs };
        },
        call: (a) => a.inputs,
      },
      "project",
      "dr-fwmark",
      true,
    );
    setTransportFactory((c) => {
      connections.push(`${c.host}:${c.port}`);
      throw new Error(`drFwmark.test: no host here (asked for ${c.host})`);
    });
  });

  after(() => {
    setTransportFactory(undefined);
    pulumi.runtime.resetOptions(before_.project, before_.stack, -1, "", "", before_.dryRun, "");
  });

  /** Waits until `n` resources were registered (or 5 s), then gives them. */
  async function registered(n: number): Promise<typeof made> {
    for (let t = 0; t < 100 && made.length < n; t++) await new Promise((r) => setTimeout(r, 50));
    return made;
  }

  it("is registered on the dr lab preset, with its keys and their defaults", () => {
    assert.equal(stacks["dr-fwmark"], drFwmark);
    assert.equal(drFwmark.preset, "dr");
    const keys = Object.fromEntries(drFwmark.keys.map((k: KeySpec) => [k.key, k.default]));
    assert.deepEqual(keys, {
      vip: undefined,
      interface: "eth0",
      vipPrefix: 32,
      scheduler: "rr",
      fwmark: 1,
      ports: [80, 8080],
      persistence: 60,
    });
    assert.deepEqual(
      drFwmark.groups.map((g) => g.key),
      ["directors", "realservers", "clients"],
    );
  });

  it("refuses bad config values at once, naming each key, the value and the range", () => {
    assert.throws(
      () => drFwmark.program(ctx({ fwmark: "0", ports: "[80,70000]", persistence: "0" })),
      (e: Error) =>
        /topology dr-fwmark: invalid stack config/.test(e.message) &&
        /pulumi-lvs:fwmark must be an integer 1\.\.4294967295; got "0"/.test(e.message) &&
        /pulumi-lvs:ports must be a JSON list of integers 1\.\.65535, e\.g\. \[2,3\]; got "\[80,70000\]"/.test(e.message) &&
        /pulumi-lvs:persistence must be an integer 1\.\.2678400; got "0"/.test(e.message),
    );
    assert.equal(made.length, 0, "nothing registered");
  });

  const refused: [string, Record<string, string>, string | undefined, RegExp][] = [
    ["a repeated port", { ports: "[80,8080,80]" }, undefined, /ports must be distinct; got 80 more than once/],
    ["no ports", { ports: "[]" }, undefined, /groups 1 to 15 ports \(one iptables multiport match\); got 0/],
    ["16 ports", { ports: JSON.stringify(Array.from({ length: 16 }, (_, i) => 8000 + i)) }, undefined, /groups 1 to 15 ports .*got 16/],
    [
      "a real server off the director's segment",
      {},
      "10.9.9.21/24",
      /DR real server web-01 \(10\.9\.9\.21\/24\) is not on director lb-a's subnet 192\.0\.2\.10\/24 \(eth0\); LVS-DR needs one L2 segment/,
    ],
    ["the VIP a real server's own address", { vip: "192.0.2.22" }, undefined, /the VIP 192\.0\.2\.22 is web-02's own address on eth0/],
  ];
  for (const [what, config, rs1, msg] of refused) {
    it(`refuses ${what} at preview, before any resource registers`, async () => {
      assert.throws(
        () => drFwmark.program(ctx(config, inventory(rs1))),
        (e: Error) => /^stack dr-fwmark: refusing to touch any host:/.test(e.message) && msg.test(e.message),
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(made.length, 0, `registered: ${made.map((m) => m.name).join(", ")}`);
    });
  }

  it("declares the MARK rule, the fwmark service with persistence, the DR real servers and an nginx site per extra port", async () => {
    const out = drFwmark.program(ctx({}));
    const expected: [string, string][] = [
      ["NginxSite", "dr-fwmark-web-01-www-8080"],
      ["NginxSite", "dr-fwmark-web-02-www-8080"],
      ["pulumi-lvs:stacks:DrCluster", "dr-fwmark"],
      ["SysctlSet", "dr-fwmark-director-sysctls"],
      ["VipAlias", "dr-fwmark-director-vip"],
      ["NatRule", "dr-fwmark-mark"],
      ["IpvsService", "dr-fwmark-service"],
      ["SysctlSet", "dr-fwmark-web-01-arp"],
      ["VipAlias", "dr-fwmark-web-01-vip"],
      ["IpvsRealServer", "dr-fwmark-web-01"],
      ["SysctlSet", "dr-fwmark-web-02-arp"],
      ["VipAlias", "dr-fwmark-web-02-vip"],
      ["IpvsRealServer", "dr-fwmark-web-02"],
    ];
    const all = await registered(expected.length);
    assert.deepEqual([...all].map((m) => [m.type.replace(kind(""), ""), m.name]).sort(), [...expected].sort());
    const inputs = (name: string): Record<string, unknown> => {
      const { __provider, connection, ...rest } = all.find((m) => m.name === name)!.inputs;
      void __provider;
      return { host: (connection as { host?: string } | undefined)?.host, ...rest };
    };
    assert.deepEqual(inputs("dr-fwmark-mark"), {
      host: "192.0.2.10",
      name: "dr-fwmark-mark",
      chain: "PREROUTING",
      target: "MARK",
      destination: "192.0.2.100",
      protocol: "tcp",
      ports: [80, 8080],
      mark: 1,
    });
    assert.deepEqual(inputs("dr-fwmark-service"), {
      host: "192.0.2.10",
      protocol: "fwmark",
      fwmark: 1,
      scheduler: "rr",
      persistence: 60,
    });
    const rs = inputs("dr-fwmark-web-02");
    assert.deepEqual(
      [rs.host, rs.service, rs.address, rs.method, rs.port],
      ["192.0.2.10", { protocol: "fwmark", fwmark: 1 }, "192.0.2.22", "route", undefined],
    );
    assert.deepEqual(inputs("dr-fwmark-web-01-www-8080"), { host: "192.0.2.21", ...extraPortSite(8080) });
    assert.deepEqual(extraPortSite(8080), {
      name: "pulumi-lvs-fwmark-8080",
      listen: 8080,
      root: DOC_ROOT,
      locations: [{ match: "/", tryFiles: ["$uri", "$uri/", "=404"] }],
    });
    assert.equal(inputs("dr-fwmark-director-vip").label, "eth0:0");
    assert.equal(inputs("dr-fwmark-web-01-vip").label, "lo:0");
    assert.deepEqual([out.vip, out.url, out.ports, out.fwmark, out.persistence], ["192.0.2.100", "http://192.0.2.100/", [80, 8080], 1, 60]);
    assert.match(out.hosts["lb-a"], /^director \(VIP on eth0:0, fwmark 1 on ports 80, 8080, persistence 60 s\)$/);
    assert.deepEqual(Object.keys(out.checks as object), ["80", "8080"]);
    assert.equal(out.try, "ssh root@192.0.2.5 'curl -s http://192.0.2.100/'");
    assert.deepEqual(connections, [], "no host was reached");
  });
});
