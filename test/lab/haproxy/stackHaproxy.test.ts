// The haproxy stack on the haproxy preset, through the real engine: the VIP
// on haproxy1, 50 requests through it split 20/30 (static-rr 2:3), the L4
// frontend alternates, stopping HAProxy on haproxy1 moves the VIP
// (check_haproxy) and haproxy2 answers; preview shows no change; destroy =
// bare state.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, holdsVip, projectStack, tally, until } from "../../support/stacks";

const HOSTS = ["haproxy1", "haproxy2", "rs1", "rs2", "client"];
const VIP = "192.168.118.100";

describe("stack haproxy (haproxy preset, real engine)", function () {
  this.timeout(1200000);
  let bare: string;
  const ctx = useLabStacks("haproxy", () => (bare = snapshot(HOSTS)));

  it("up from bare hosts: VIP on haproxy1, static-rr 2:3 splits 50 requests 20/30, L4 alternates, no change on preview", async () => {
    ctx.stack = await projectStack(ctx.backend, "haproxy");
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      haproxy up: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(holdsVip("haproxy1"), "up returned once the MASTER haproxy1 held the VIP");
    assert.equal(
      up.outputs.check.value,
      "10/10 answered (this is nginx1: 4, this is nginx2: 6)",
      "the stack's remote.Command check (static-rr 2:3)",
    );
    assert.deepEqual(tally(answers(`http://${VIP}/`, 50)), { "this is nginx1": 20, "this is nginx2": 30 });
    assertAlternates(answers(`http://${VIP}:8080/`, 10), "this is nginx1", "this is nginx2");
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("HAProxy stopped on haproxy1: check_haproxy moves the VIP to haproxy2, which answers", async () => {
    lab.run("haproxy1", "systemctl stop haproxy");
    try {
      const s = await until("VIP on haproxy2", 20, () => holdsVip("haproxy2") && !holdsVip("haproxy1"));
      console.log(`      check_haproxy moved the VIP after ${s.toFixed(1)} s`);
      assert.equal(answers(`http://${VIP}/`, 5).filter((a) => /this is nginx/.test(a)).length, 5);
    } finally {
      lab.run("haproxy1", "systemctl start haproxy");
    }
    await until("VIP back on haproxy1", 20, () => holdsVip("haproxy1"));
  });

  it("destroy returns every host to the lab's bare state", async () => {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      haproxy destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
