// The kernel-level resources on the dr preset, through the real engine: the
// seed's LVS-DR cluster (VIP on the director's ens33:0, VIP on each real
// server's lo:0 with a host route and the ARP sysctls, rr over both) answers
// the client through the VIP, alternating nginx1 and nginx2; a graceful
// delete drains a real server; destroy leaves the hosts as the lab made them.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { connectionArgs, loadInventory } from "../../lab/inventory";
import * as lab from "../../lab/lab";
import { IpvsRealServer, IpvsService, SysctlSet, VipAlias } from "../../providers";
import { inlineStack } from "../support/engine";
import { useLabStacks } from "../support/labStack";

const VIP = "192.168.118.100";

function drProgram(realServers: string[]) {
  return async () => {
    const inv = loadInventory();
    const director = pulumi.secret(connectionArgs(inv.hosts.director1));
    new SysctlSet("director-sysctls", {
      connection: director,
      name: "90-lvs-dr",
      values: {
        "net.ipv4.ip_forward": "0",
        "net.ipv4.conf.all.send_redirects": "0",
        "net.ipv4.conf.default.send_redirects": "0",
        "net.ipv4.conf.ens33.send_redirects": "0",
      },
    });
    new VipAlias("director-vip", { connection: director, address: VIP, prefix: 24, interface: "ens33", label: "ens33:0", gratuitousArp: true });
    const svc = new IpvsService("web", { connection: director, address: VIP, port: 80, scheduler: "rr" });
    for (const name of ["rs1", "rs2"]) {
      const rs = pulumi.secret(connectionArgs(inv.hosts[name]));
      const arp = new SysctlSet(`${name}-arp`, {
        connection: rs,
        name: "90-lvs-dr-rs",
        values: {
          "net.ipv4.conf.lo.arp_ignore": "1",
          "net.ipv4.conf.lo.arp_announce": "2",
          "net.ipv4.conf.all.arp_ignore": "1",
          "net.ipv4.conf.all.arp_announce": "2",
        },
      });
      new VipAlias(`${name}-vip`, { connection: rs, address: VIP, prefix: 32, interface: "lo", label: "lo:0", hostRoute: true }, { dependsOn: [arp] });
      if (realServers.includes(name)) {
        const rip = inv.hosts[name].addresses.ens33.split("/")[0];
        new IpvsRealServer(name, { connection: director, service: svc.key, address: rip, method: "route", weight: 1, gracefulDeleteTimeoutSeconds: 20 });
      }
    }
    return { vip: VIP };
  };
}

/** Pages the client gets from the VIP, in order. */
function fetchThroughVip(n: number): string[] {
  const out = lab.run("client", `for i in $(seq 1 ${n}); do curl -s -m 3 http://${VIP}/ || echo FAILED; done`);
  return out.trim().split("\n");
}

describe("kernel-level resources on the dr preset (real engine)", function () {
  this.timeout(900000);
  const snapshot = () =>
    ["director1", "rs1", "rs2"].map((h) => lab.run(h, "ipvsadm -Sn; ip -o -4 addr; ip route; sysctl net.ipv4.ip_forward net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce")).join("\n");
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot()));

  it("up builds the seed's DR cluster and the client's requests alternate between nginx1 and nginx2", async () => {
    ctx.stack = await inlineStack(ctx.backend, "kernel-dr", "dr", drProgram(["rs1", "rs2"]));
    const up = await ctx.stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.match(lab.run("rs1", "ip -o addr show dev lo"), /192\.168\.118\.100\/32 .*lo:0/);
    assert.match(lab.run("rs1", "ip route show 192.168.118.100"), /dev lo/);
    assert.equal(lab.run("rs2", "sysctl -n net.ipv4.conf.all.arp_announce").trim(), "2");
    const pages = fetchThroughVip(8);
    assert.deepEqual(new Set(pages), new Set(["this is nginx1", "this is nginx2"]), pages.join(", "));
    for (let i = 1; i < pages.length; i++) assert.notEqual(pages[i], pages[i - 1], `rr alternates: ${pages.join(", ")}`);
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("removing a real server drains it (weight 0) and then all requests go to the other", async () => {
    ctx.stack = await inlineStack(ctx.backend, "kernel-dr", "dr", drProgram(["rs1"]));
    const up = await ctx.stack.up();
    assert.equal(up.summary.resourceChanges?.delete, 1);
    assert.doesNotMatch(lab.run("director1", "ipvsadm -Sn"), /192\.168\.118\.40/);
    assert.deepEqual(new Set(fetchThroughVip(4)), new Set(["this is nginx1"]));
  });

  it("destroy leaves every host as the lab made it", async () => {
    await ctx.stack?.destroy();
    assert.equal(snapshot(), bare);
  });
});
