// The tun stack on the tun preset, through the real engine: LVS-TUN across a
// routed hop. The director (192.168.118.10) and the client share a segment;
// rs1 and rs2 sit on 12.0.0.0/24 behind the router. Up from bare hosts; the
// client's requests alternate rs1/rs2; captures show the requests leave the
// director inside ipip tunnels and the answers go from the real servers
// through the router to the client, never through the director; preview shows
// no change; a VIP removed by hand and a deleted module boot file are found by
// refresh and mended by up; the switch to gre tunnels (gre0) serves alike;
// destroy returns every host to the lab's bare state.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, projectStack, stateOutputs, tally } from "../../support/stacks";

const HOSTS = ["router", "director", "client", "rs1", "rs2"];
const VIP = "192.168.118.100";
const URL = `http://${VIP}/`;
const SEP = "--- end of capture";
/**
 * Answers from the VIP sent by the director (from its own MAC): what a reply through the director would be. Frames
 * the bridge floods to every port (an answer to the client before the bridge relearns its MAC) are not.
 */
const SENT_BY_DIRECTOR = `-i ens33 "ether src $(cat /sys/class/net/ens33/address) and tcp and src host ${VIP} and src port 80"`;
/** Besides the usual bare state: the module boot files and the rp_filter values the stack sets. */
const EXTRA = [
  "ls -A1 /etc/modules-load.d",
  "sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.ens33.rp_filter net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.tunl0.rp_filter net.ipv4.conf.gre0.rp_filter 2>&1",
];

/**
 * Packets on each host while the client sends `n` requests: host -> tcpdump arguments (interface and filter, for
 * the remote shell) -> tcpdump's lines.
 */
async function capture(where: Record<string, string[]>, n: number, check: (got: string[]) => void): Promise<Record<string, string[][]>> {
  const runs = Object.entries(where).map(([host, filters]) =>
    lab.execAsync(
      host,
      filters.map((f, i) => `(timeout 12 tcpdump -nq ${f} > /tmp/cap${i} 2>/dev/null) &`).join(" ") +
        ` wait; for i in ${filters.map((_, i) => i).join(" ")}; do cat /tmp/cap$i; echo ${SEP}; done`,
    ),
  );
  await new Promise((r) => setTimeout(r, 3000));
  const got = answers(URL, n);
  check(got);
  const results = await Promise.all(runs);
  return Object.fromEntries(
    Object.keys(where).map((host, k) => [
      host,
      results[k].stdout
        .split(`${SEP}\n`)
        .slice(0, -1)
        .map((part) => part.split("\n").filter(Boolean)),
    ]),
  );
}

describe("stack tun (tun preset, real engine)", function () {
  this.timeout(900000);
  let bare: string;
  // The real servers filter by reverse path strictly, as RHEL's default does (the lab's hosts start with 0): a
  // tunnelled request from the client arrives on tunl0 but routes back out of ens33, so the stack must relax it there.
  const ctx = useLabStacks("tun", () => {
    lab.runEach(
      ["rs1", "rs2"],
      `sysctl -qw ${["all", "default", "ens33", "tunl0", "gre0"].map((i) => `net.ipv4.conf.${i}.rp_filter=1`).join(" ")}`,
    );
    bare = snapshot(HOSTS, EXTRA);
  });

  it("the preset: the real servers are a routed hop away from the director", () => {
    assert.match(lab.run("director", "ip route get 12.0.0.30"), /via 192\.168\.118\.1 /);
    assert.match(lab.run("rs1", "ip route get 192.168.118.20"), /via 12\.0\.0\.1 /);
  });

  it("up from bare hosts: requests alternate rs1/rs2; they reach the real servers in ipip tunnels and the answers bypass the director", async () => {
    ctx.stack = await projectStack(ctx.backend, "tun");
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(
      `      tun up: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${Object.values(up.summary.resourceChanges ?? {}).reduce((a, b) => a + b, 0)} resources`,
    );
    assert.equal(up.outputs.vip.value, VIP);
    assert.equal(up.outputs.check.value, "10/10 answered (this is nginx1: 5, this is nginx2: 5)");
    assert.match(lab.run("director", "ipvsadm -Ln"), /12\.0\.0\.30:80\s+Tunnel\s+1[\s\S]*12\.0\.0\.40:80\s+Tunnel\s+1/);
    assert.match(lab.run("rs1", "ip -o -4 addr show dev tunl0"), /192\.168\.118\.100\/32/);
    assert.equal(lab.run("rs1", "cat /etc/modules-load.d/pulumi-lvs-ipip.conf | tail -n 1").trim(), "ipip");
    // rp_filter off where the tunnel needs it (all and tunl0: the kernel takes the larger), strict elsewhere.
    assert.equal(
      lab.run("rs2", "sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.tunl0.rp_filter net.ipv4.conf.ens33.rp_filter").trim(),
      "0\n0\n1",
    );

    const n = 10;
    const c = await capture(
      {
        director: [`-i any 'ip proto 4 and dst net 12.0.0.0/24'`, SENT_BY_DIRECTOR],
        router: [`-i any 'tcp and src host ${VIP} and src port 80'`],
      },
      n,
      (got) => assertAlternates(got, "this is nginx1", "this is nginx2"),
    );
    const [ipip, directorAnswers] = c.director;
    const routed = c.router[0];
    console.log(
      `      capture over ${n} requests: director ipip ${ipip.length}, director answers ${directorAnswers.length}, router answers ${routed.length}`,
    );
    // Each request is at least SYN, ACK, the request and FIN: all of them cross the tunnel.
    assert.ok(ipip.length >= 4 * n, `the director sent ${ipip.length} ipip packets for ${n} requests`);
    assert.deepEqual(directorAnswers, [], "no answer from the VIP passes the director");
    // Each answer packet crosses the router (seen in on ens36 and out on ens33).
    assert.ok(routed.length >= 2 * n, `the router forwarded ${routed.length} answer packets for ${n} requests`);
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("drift: a VIP removed from rs1's tunl0 and rs2's module boot file deleted are found by refresh and mended by up", async () => {
    lab.run("rs1", `ip addr del ${VIP}/32 dev tunl0`);
    lab.run("rs2", "rm /etc/modules-load.d/pulumi-lvs-ipip.conf");
    const got = answers(URL, 6);
    assert.ok(got.includes("FAILED"), `requests sent to rs1 fail without its VIP: ${got.join(", ")}`);
    const refresh = await ctx.stack!.refresh();
    assert.equal((await stateOutputs(ctx.stack!, "tun-rs1-vip")).assigned, false, "refresh found rs1's VIP gone");
    assert.equal((await stateOutputs(ctx.stack!, "tun-rs2-module")).persisted, false, "refresh found rs2's module boot file gone");
    assert.equal((await stateOutputs(ctx.stack!, "tun-rs2-module")).loaded, true);
    const up = await ctx.stack!.up();
    console.log(
      `      drift: refresh ${JSON.stringify(refresh.summary.resourceChanges)}, up ${JSON.stringify(up.summary.resourceChanges)}`,
    );
    assert.ok((up.summary.resourceChanges?.update ?? 0) >= 2, JSON.stringify(up.summary.resourceChanges));
    assertAlternates(answers(URL, 10), "this is nginx1", "this is nginx2");
    assert.equal(lab.run("rs2", "tail -n 1 /etc/modules-load.d/pulumi-lvs-ipip.conf").trim(), "ipip");
    await ctx.stack!.preview({ expectNoChanges: true });
  });

  it("tunType gre: the real servers take the VIP on gre0, the director sends GRE, requests still alternate", async () => {
    ctx.stack = await projectStack(ctx.backend, "tun", { tunType: "gre" });
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      tun ipip -> gre: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${JSON.stringify(up.summary.resourceChanges)}`);
    assert.match(lab.run("director", "ipvsadm -Ln"), /12\.0\.0\.30:80\s+Tunnel/);
    assert.match(lab.run("rs2", "ip -o -4 addr show dev gre0"), /192\.168\.118\.100\/32/);
    assert.equal(lab.run("rs2", "ip -o -4 addr show dev tunl0").trim(), "", "the ipip VIP is gone");
    // Every request answered by both real servers. Not asserted alternating: after the switch the director's
    // connection table still holds the ipip requests' entries (two minutes in FIN_WAIT), and a new request whose
    // source port meets one of them follows it instead of the scheduler.
    const c = await capture({ director: [`-i any 'ip proto 47'`, SENT_BY_DIRECTOR] }, 10, (got) => {
      const t = tally(got);
      assert.deepEqual(Object.keys(t).sort(), ["this is nginx1", "this is nginx2"], got.join(", "));
      assert.ok(t["this is nginx1"] >= 3 && t["this is nginx2"] >= 3, got.join(", "));
    });
    const [gre, answersSeen] = c.director;
    console.log(`      gre capture over 10 requests: director gre ${gre.length}, director answers ${answersSeen.length}`);
    assert.ok(gre.length >= 40, `the director sent ${gre.length} GRE packets`);
    assert.deepEqual(answersSeen, []);
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("destroy returns every host to the lab's bare state", async () => {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      tun destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS, EXTRA), bare);
  });
});
