// The dr preset's other LVS services, through the real engine: dr-ipv6 (LVS-DR
// on an IPv6 VIP, fd00:118::100) and dr-fwmark (one firewall-mark service for
// ports 80 and 8080 with persistence). Each: up from bare hosts, traffic
// proven, preview shows no change, a drift made by hand found by refresh and
// mended by up, destroy = the lab's bare state.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, projectStack, stateOutputs, tally } from "../../support/stacks";

const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];
/** Besides the usual bare state: IPv6 addresses and sysctls, and the mangle table. */
const EXTRA = [
  "ip -o -6 addr | grep -v ' fe80' | sed 's/ valid_lft.*//'",
  "sysctl net.ipv6.conf.all.forwarding net.ipv6.conf.lo.disable_ipv6 net.ipv6.conf.ens33.accept_dad",
  "iptables -t mangle -S",
];
const VIP6 = "fd00:118::100";
const URL6 = `http://[${VIP6}]/`;
const VIP = "192.168.118.100";
/** The client's second address, for a second client. */
const CLIENT_B = "192.168.118.21";

/** The real server (first line of its page) that answers `n` requests from `source` to `port`. */
function servedBy(port: number, n: number, source?: string): string[] {
  const from = source ? `--interface ${source} ` : "";
  return lab
    .run("client", `for i in $(seq 1 ${n}); do (curl -s -f -m 3 ${from}http://${VIP}:${port}/ || echo FAILED) | head -n 1; done`)
    .trim()
    .split("\n");
}

describe("stacks dr-ipv6 and dr-fwmark (dr preset, real engine)", function () {
  this.timeout(900000);
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot(HOSTS, EXTRA)));

  describe("dr-ipv6", () => {
    it("up from bare hosts: requests from the client over IPv6 alternate rs1/rs2; only the director answers neighbour solicitations for the VIP", async () => {
      ctx.stack = await projectStack(ctx.backend, "dr-ipv6");
      const t0 = Date.now();
      const up = await ctx.stack.up();
      console.log(`      dr-ipv6 up: ${((Date.now() - t0) / 1000).toFixed(1)} s; check: ${String(up.outputs.check?.value)}`);
      assert.equal(up.outputs.vip.value, VIP6);
      assert.equal(up.outputs.check.value, "10/10 answered (this is nginx1: 5, this is nginx2: 5)");
      assert.match(lab.run("director1", "ipvsadm -Ln"), /\[fd00:118::30\]:80\s+Route\s+1[\s\S]*\[fd00:118::40\]:80\s+Route\s+1/);
      assertAlternates(answers(URL6, 20), "this is nginx1", "this is nginx2");
      assert.match(lab.run("rs1", "ip -o -6 addr show dev lo"), /fd00:118::100\/128/);
      // The client's neighbour entry for the VIP is the director's MAC, never a real server's.
      const mac = (h: string) => lab.run(h, "cat /sys/class/net/ens33/address").trim();
      const neigh = lab.run("client", `ip -6 neigh show ${VIP6}`);
      assert.ok(neigh.includes(mac("director1")), `client's neighbour entry for the VIP: ${neigh}`);
      for (const rs of ["rs1", "rs2"]) assert.ok(!neigh.includes(mac(rs)));
      // Solicited again from scratch: still only the director answers.
      lab.run("client", `ip -6 neigh flush ${VIP6}; ping -6 -c 1 -W 2 ${VIP6} >/dev/null`);
      assert.ok(lab.run("client", `ip -6 neigh show ${VIP6}`).includes(mac("director1")));
      await ctx.stack.preview({ expectNoChanges: true });
    });

    it("drift: the VIP removed from rs1's lo is found by refresh and put back by up", async () => {
      lab.run("rs1", `ip -6 addr del ${VIP6}/128 dev lo`);
      assert.ok(answers(URL6, 4).includes("FAILED"), "rs1 drops what it is sent without the VIP");
      const refresh = await ctx.stack!.refresh();
      console.log(`      refresh: ${JSON.stringify(refresh.summary.resourceChanges)}`);
      assert.equal((await stateOutputs(ctx.stack!, "dr-ipv6-rs1-vip")).assigned, false, "refresh found rs1's VIP gone");
      await ctx.stack!.up();
      assertAlternates(answers(URL6, 10), "this is nginx1", "this is nginx2");
      await ctx.stack!.preview({ expectNoChanges: true });
    });

    it("destroy returns every host to the lab's bare state", async () => {
      const t0 = Date.now();
      await ctx.stack!.destroy();
      console.log(`      dr-ipv6 destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      ctx.stack = undefined;
      assert.equal(snapshot(HOSTS, EXTRA), bare);
    });
  });

  describe("dr-fwmark", () => {
    after(() => lab.exec("client", `ip addr del ${CLIENT_B}/24 dev ens33`));

    it("up from bare hosts: one client's requests to ports 80 and 8080 all go to one real server; a second client goes to the other", async () => {
      ctx.stack = await projectStack(ctx.backend, "dr-fwmark");
      const t0 = Date.now();
      const up = await ctx.stack.up();
      console.log(`      dr-fwmark up: ${((Date.now() - t0) / 1000).toFixed(1)} s; checks: ${JSON.stringify(up.outputs.checks?.value)}`);
      const ipvs = lab.run("director1", "ipvsadm -Ln");
      assert.match(ipvs, /FWM\s+1 rr persistent 60/);
      assert.match(
        lab.run("director1", "iptables -t mangle -S PREROUTING"),
        /-d 192\.168\.118\.100\/32 .*--dports 80,8080 .*MARK --set-xmark 0x1/,
      );
      // The stack's own checks ran from the client (192.168.118.20): its template already points at one real server.
      const a = [...servedBy(80, 6), ...servedBy(8080, 6), ...servedBy(80, 2)];
      const aServers = Object.keys(tally(a));
      assert.equal(aServers.length, 1, `client .20 on ports 80 and 8080: ${a.join(", ")}`);
      assert.ok(aServers[0] === "this is nginx1" || aServers[0] === "this is nginx2", a.join(", "));
      lab.run("client", `ip addr add ${CLIENT_B}/24 dev ens33`);
      const b = [...servedBy(8080, 6, CLIENT_B), ...servedBy(80, 6, CLIENT_B)];
      const bServers = Object.keys(tally(b));
      assert.equal(bServers.length, 1, `client .21 on ports 8080 and 80: ${b.join(", ")}`);
      // rr gives the second client's persistence template the next real server.
      assert.notEqual(bServers[0], aServers[0], "the second client goes to the other real server");
      console.log(`      persistence: .20 -> ${aServers[0]} (14 requests, ports 80 and 8080), .21 -> ${bServers[0]} (12 requests)`);
      // The persistence template of client .21 (fwmark 1 shows as 0.0.0.1) points at its real server.
      const template = /^IP\s+\S+\s+\S+\s+192\.168\.118\.21:0\s+0\.0\.0\.1:0\s+192\.168\.118\.(\d+):0$/m.exec(
        lab.run("director1", "ipvsadm -Lnc"),
      );
      assert.ok(template, "a persistence template for 192.168.118.21");
      assert.equal(template[1], bServers[0] === "this is nginx1" ? "30" : "40");
      await ctx.stack.preview({ expectNoChanges: true });
    });

    it("drift: the MARK rule deleted by hand is found by refresh and put back by up", async () => {
      // By its number in the chain, as an operator cleaning up by hand would.
      lab.run(
        "director1",
        "iptables -t mangle -D PREROUTING $(iptables -t mangle -L PREROUTING -n --line-numbers | awk '/pulumi-lvs:/ { print $1; exit }')",
      );
      assert.doesNotMatch(lab.run("director1", "iptables -t mangle -S PREROUTING"), /pulumi-lvs:/);
      assert.ok(servedBy(8080, 2).includes("FAILED"), "without the mark no service takes port 8080");
      const refresh = await ctx.stack!.refresh();
      console.log(`      refresh: ${JSON.stringify(refresh.summary.resourceChanges)}`);
      assert.equal((await stateOutputs(ctx.stack!, "dr-fwmark-mark")).present, false, "refresh found the MARK rule gone");
      await ctx.stack!.up();
      assert.equal(Object.keys(tally([...servedBy(8080, 4), ...servedBy(80, 4)])).length, 1);
      await ctx.stack!.preview({ expectNoChanges: true });
    });

    it("destroy returns every host to the lab's bare state", async () => {
      lab.exec("client", `ip addr del ${CLIENT_B}/24 dev ens33`);
      const t0 = Date.now();
      await ctx.stack!.destroy();
      console.log(`      dr-fwmark destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      ctx.stack = undefined;
      assert.equal(snapshot(HOSTS, EXTRA), bare);
    });
  });
});
