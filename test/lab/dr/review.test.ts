// Reviewable changes on the dr preset, through the real engine: the preview
// Markdown for the changes operators make (scheduler, weight, added real
// server, keepalived priority, HAProxy server added, VIP change), the drift
// table after one hand-made change per resource kind (repaired by
// `up --refresh`), and the split-brain
// doctor before, during and after `lab cut director1 director2`.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { HaproxyListener } from "../../../providers";
import { closeAll } from "../../../providers/transport/ssh";
import { runDoctor } from "../../../scripts/review/doctor";
import { driftReport, previewReport } from "../../../scripts/review/run";
import { DrCluster } from "../../../stacks/components/drCluster";
import { VrrpGroup, type VrrpGroupDescription } from "../../../stacks/components/vrrpGroup";
import { addressOf, hostsFromConfig } from "../../../stacks/hosts";
import { inlineStack } from "../../support/engine";
import { useLabStacks } from "../../support/labStack";
import { holdsVip, until } from "../../support/stacks";

interface Shape {
  vip: string;
  scheduler: string;
  weights: Record<string, number>;
  priority2: number;
  haproxyServers: string[];
}

const BASE: Shape = { vip: "192.168.118.100", scheduler: "rr", weights: { rs1: 1 }, priority2: 100, haproxyServers: ["rs1"] };
const VRRP_VIP = "192.168.118.101";

let groupDescription: VrrpGroupDescription | undefined;

function program(s: Shape) {
  return async () => {
    const hosts = hostsFromConfig();
    new DrCluster("dr", {
      director: hosts.host("director1"),
      nic: "ens33",
      vipPrefix: 24,
      vip: s.vip,
      scheduler: s.scheduler,
      realServers: Object.entries(s.weights).map(([h, weight]) => ({ host: hosts.host(h), weight })),
    });
    const group = new VrrpGroup("pair", {
      members: [
        { host: hosts.host("director1"), state: "MASTER", priority: 120 },
        { host: hosts.host("director2"), state: "BACKUP", priority: s.priority2 },
      ],
      interface: "ens33",
      virtualRouterId: 60,
      vip: VRRP_VIP,
    });
    group.description.apply((d) => (groupDescription = d));
    const client = hosts.host("client");
    new HaproxyListener("client-lb", {
      connection: client.connection,
      name: "web",
      bind: [{ port: 8080 }],
      servers: s.haproxyServers.map((h) => ({ name: h, address: addressOf(hosts.host(h)), port: 80 })),
    });
    return { vrrp: [group.description] };
  };
}

describe("preview report, drift and doctor on the dr preset (real engine)", function () {
  this.timeout(1200000);
  const ctx = useLabStacks("dr");

  it("a preview with no change reports none", async () => {
    ctx.stack = await inlineStack(ctx.backend, "pulumi-lvs", "review", program(BASE));
    await ctx.stack.up();
    const r = await previewReport(ctx.stack);
    assert.deepEqual(r.changes, []);
    assert.match(r.markdown, /No changes/);
  });

  it("the Markdown names scheduler, weight, added real server, priority and HAProxy server changes, each in place or created", async () => {
    const stack = await inlineStack(
      ctx.backend,
      "pulumi-lvs",
      "review",
      program({ ...BASE, scheduler: "wrr", weights: { rs1: 2, rs2: 3 }, priority2: 110, haproxyServers: ["rs1", "rs2"] }),
    );
    const { markdown, changes } = await previewReport(stack);
    console.log(markdown.replace(/^/gm, "      "));
    assert.match(markdown, /\| `dr-service` \| IpvsService \| update in place \| `scheduler` \| `rr` \| `wrr` \|/);
    assert.match(markdown, /\| `dr-rs1` \| IpvsRealServer \| update in place \| `weight` \| `1` \| `2` \|/);
    assert.match(markdown, /\| `dr-rs2` \| IpvsRealServer \| create \|/);
    assert.match(markdown, /\| `pair-director2` \| KeepalivedInstance \| update in place \| `vrrp\.priority` \| `100` \| `110` \|/);
    assert.match(
      markdown,
      /\| `client-lb` \| HaproxyListener \| update in place \| `servers\[1\]\.address` \| `\(none\)` \| `192\.168\.118\.40` \|/,
    );
    assert.ok(!changes.some((c) => c.op === "replace"), "none of these replaces anything");
    assert.doesNotMatch(markdown, /__provider|sha256|connection/);
  });

  it("a VIP change is flagged as a replacement of the alias, the service and its real servers", async () => {
    const stack = await inlineStack(ctx.backend, "pulumi-lvs", "review", program({ ...BASE, vip: "192.168.118.102" }));
    const { markdown } = await previewReport(stack);
    console.log(markdown.replace(/^/gm, "      "));
    assert.match(
      markdown,
      /\| `dr-director-vip` \| VipAlias \| \*\*replace\*\* \(address changed\) \| `address` \| `192\.168\.118\.100` \| `192\.168\.118\.102` \|/,
    );
    assert.match(markdown, /\| `dr-service` \| IpvsService \| \*\*replace\*\*/);
    assert.match(markdown, /Replacements remove the object on the host/);
  });

  it("drift: one hand-made change per resource kind shows in the table; up repairs it and the table is clean", async () => {
    const stack = ctx.stack!;
    assert.equal((await driftReport(stack)).drifts.length, 0);
    lab.run("director1", "ipvsadm -E -t 192.168.118.100:80 -s wlc && ipvsadm -e -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 7");
    lab.run("rs1", "ip addr del 192.168.118.100/32 dev lo; sysctl -qw net.ipv4.conf.all.arp_ignore=0");
    lab.run("director2", "sed -i 's/priority 100/priority 90/' /etc/keepalived/conf.d/pair.conf");
    lab.run("client", "sed -i 's/192.168.118.30:80/192.168.118.40:80/' /etc/haproxy/conf.d/web.cfg");
    const { drifts, text } = await driftReport(stack);
    console.log(text.replace(/^/gm, "      "));
    const rows = drifts.map((d) => `${d.kind} ${d.name} ${d.property}`);
    for (const expected of [
      "IpvsService dr-service scheduler",
      "IpvsRealServer dr-rs1 weight",
      "VipAlias dr-rs1-vip assigned",
      "SysctlSet dr-rs1-arp values.net.ipv4.conf.all.arp_ignore",
      "KeepalivedInstance pair-director2 sha256",
      "HaproxyListener client-lb sha256",
    ]) {
      assert.ok(rows.includes(expected), `${expected} in:\n${rows.join("\n")}`);
    }
    // A refresh preview writes nothing: `up --refresh` reads the hosts into
    // state first, then puts back what the program declares.
    await stack.up({ refresh: true });
    const after = await driftReport(stack);
    assert.deepEqual(after.drifts, [], after.text);
  });

  it("doctor: healthy pair, then split brain after `lab cut director1 director2` with the heartbeat as cause, then healthy after heal", async () => {
    const inv = hostsFromConfig().inventory;
    const groups = [groupDescription!];
    await until(`${VRRP_VIP} on director1 only`, 20, () => holdsVip("director1", VRRP_VIP) && !holdsVip("director2", VRRP_VIP));
    const healthy = await runDoctor(groups, inv);
    console.log(healthy.text.replace(/^/gm, "      "));
    assert.ok(healthy.healthy, healthy.text);
    lab.cut("director1", "director2");
    try {
      await until("split brain", 20, () => holdsVip("director1", VRRP_VIP) && holdsVip("director2", VRRP_VIP));
      const split = await runDoctor(groups, inv);
      console.log(split.text.replace(/^/gm, "      "));
      assert.equal(split.healthy, false);
      const holder = split.findings[0];
      assert.equal(holder.ok, false);
      assert.match(holder.detail, /held by director1, director2/);
      assert.match(holder.cause ?? "", /split brain; likely cause: the heartbeat link between the members is broken/);
    } finally {
      lab.heal();
    }
    await until(`${VRRP_VIP} back on director1 only`, 20, () => holdsVip("director1", VRRP_VIP) && !holdsVip("director2", VRRP_VIP));
    const healed = await runDoctor(groups, inv);
    assert.ok(healed.healthy, healed.text);
    await closeAll();
  });
});
