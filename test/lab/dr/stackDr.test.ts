// The stacks of the dr preset, one after the other on one lab, through the
// real engine: dr, dr-keepalived (failover under load, TCP_CHECK) and
// keepalived-nginx (check_nginx moves the VIP). Each: up from bare hosts,
// the client's requests, preview shows no change, destroy = bare state.
// `npm run status` on dr-keepalived: the MASTER, the real servers with their
// connection counts, and rs1 shown as taken out by its health check.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { gapDuring } from "../../support/load";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { readStatus, stackFacts } from "../../../scripts/review/status";
import { ClusterStatus, renderStatus } from "../../../scripts/review/statusCore";
import { closeAll } from "../../../providers/transport/ssh";
import { answers, assertAlternates, holdsVip, projectStack, tally, until } from "../../support/stacks";

const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];
const URL = "http://192.168.118.100/";

describe("stacks dr, dr-keepalived and keepalived-nginx (dr preset, real engine)", function () {
  this.timeout(1200000);
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot(HOSTS)));

  async function upFromBare(name: string): Promise<Record<string, unknown>> {
    ctx.stack = await projectStack(ctx.backend, name);
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      ${name} up: ${((Date.now() - t0) / 1000).toFixed(1)} s; check: ${String(up.outputs.check?.value)}`);
    return Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
  }

  /** What `npm run status -- <stack> --json` prints, for the stack under test. */
  async function status(): Promise<ClusterStatus> {
    const { facts, inventory } = await stackFacts(ctx.stack!);
    try {
      return await readStatus(facts, inventory);
    } finally {
      await closeAll();
    }
  }

  async function destroyToBare(name: string): Promise<void> {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      ${name} destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  }

  it("dr: 20 requests alternate exactly; preview shows no change; destroy = bare", async () => {
    const outputs = await upFromBare("dr");
    assert.equal(outputs.check, "10/10 answered (this is nginx1: 5, this is nginx2: 5)", "the stack's remote.Command check");
    assertAlternates(answers(URL, 20), "this is nginx1", "this is nginx2");
    await ctx.stack!.preview({ expectNoChanges: true });
    await destroyToBare("dr");
  });

  it("dr-keepalived: the VIP on director1, 20 requests alternate; preview shows no change", async () => {
    const outputs = await upFromBare("dr-keepalived");
    // No wait: up returned once director1 (MASTER) held the VIP and keepalived's checkers had both real servers in IPVS.
    assert.ok(holdsVip("director1") && !holdsVip("director2"), "the VIP on director1 only");
    assert.equal((lab.run("director1", "ipvsadm -Sn").match(/-a -t/g) ?? []).length, 2, "both real servers in IPVS");
    assert.equal(outputs.check, "10/10 answered (this is nginx1: 5, this is nginx2: 5)", "the stack's remote.Command check");
    assertAlternates(answers(URL, 20), "this is nginx1", "this is nginx2");
    await ctx.stack!.preview({ expectNoChanges: true });
    // npm run status (its --json is this object): the MASTER, both real servers up, the 20 requests counted.
    const st = await status();
    assert.deepEqual(st.warnings, []);
    assert.deepEqual(st.vipHolders, ["director1"]);
    assert.deepEqual(
      st.vrrp[0].members.map((m) => [m.host, m.holds, m.keepalived]),
      [
        ["director1", true, true],
        ["director2", false, true],
      ],
    );
    const web = st.services.find((x) => x.key === "TCP 192.168.118.100:80");
    assert.ok(web, JSON.stringify(st.services));
    assert.deepEqual(
      web.realServers.map((r) => [r.address, r.forward, r.health]),
      [
        ["192.168.118.30", "Route", "up"],
        ["192.168.118.40", "Route", "up"],
      ],
    );
    assert.ok(
      web.realServers.every((r) => r.conns >= 10),
      `each real server counted its requests: ${web.realServers.map((r) => r.conns).join(", ")}`,
    );
    console.log(renderStatus(st).replace(/^/gm, "      "));
  });

  it("dr-keepalived: with requests running, stopping the master moves the VIP and requests resume; its return takes the VIP back", async () => {
    const load = await gapDuring("client", URL, async () => {
      lab.run("director1", "systemctl stop keepalived");
      await until("VIP on director2", 10, () => holdsVip("director2"));
      await new Promise((r) => setTimeout(r, 3000));
    });
    console.log(
      `      master down: longest gap between answered requests ${load.gapSeconds.toFixed(2)} s (${load.ok} ok, ${load.failed} failed)`,
    );
    assert.ok(load.gapSeconds < 5, `requests resumed within 5 s (gap ${load.gapSeconds} s)`);
    const back = await gapDuring("client", URL, async () => {
      lab.run("director1", "systemctl start keepalived");
      await until("VIP back on director1", 20, () => holdsVip("director1") && !holdsVip("director2"));
      await new Promise((r) => setTimeout(r, 3000));
    });
    console.log(`      master back: longest gap ${back.gapSeconds.toFixed(2)} s (${back.ok} ok, ${back.failed} failed)`);
    assert.ok(back.gapSeconds < 5, `requests continued while the VIP returned (gap ${back.gapSeconds} s)`);
  });

  it("dr-keepalived: nginx stopped on rs1 is removed by TCP_CHECK and all requests go to nginx2; destroy = bare", async () => {
    lab.run("rs1", "systemctl stop nginx");
    try {
      const s = await until("rs1 out of IPVS", 30, () => !/192\.168\.118\.30/.test(lab.run("director1", "ipvsadm -Sn")));
      console.log(`      TCP_CHECK removed rs1 after ${s.toFixed(1)} s`);
      assert.deepEqual(tally(answers(URL, 10)), { "this is nginx2": 10 });
      const st = await status();
      assert.deepEqual(st.warnings, ["192.168.118.30:80 is out of TCP 192.168.118.100:80 on director1 (its health check fails)"]);
      assert.equal(st.services[0].realServers.find((r) => r.address === "192.168.118.30")?.health, "removed");
    } finally {
      lab.run("rs1", "systemctl start nginx");
    }
    await until("rs1 back in IPVS", 30, () => /192\.168\.118\.30/.test(lab.run("director1", "ipvsadm -Sn")));
    await destroyToBare("dr-keepalived");
  });

  it("keepalived-nginx: the VIP on rs1 answers; nginx stopped there moves it to rs2 (check_nginx); destroy = bare", async () => {
    const outputs = await upFromBare("keepalived-nginx");
    assert.ok(holdsVip("rs1"), "up returned once the MASTER rs1 held the VIP");
    assert.equal(outputs.check, "10/10 answered (this is nginx1: 10)");
    assert.deepEqual(tally(answers(URL, 20)), { "this is nginx1": 20 });
    await ctx.stack!.preview({ expectNoChanges: true });
    lab.run("rs1", "systemctl stop nginx");
    try {
      const s = await until("VIP on rs2", 20, () => holdsVip("rs2") && !holdsVip("rs1"));
      console.log(`      check_nginx moved the VIP to rs2 after ${s.toFixed(1)} s`);
      assert.deepEqual(tally(answers(URL, 5)), { "this is nginx2": 5 });
    } finally {
      lab.run("rs1", "systemctl start nginx");
    }
    await until("VIP back on rs1", 20, () => holdsVip("rs1"));
    await destroyToBare("keepalived-nginx");
  });
});
