// The nat-lab stack on the nat preset, through the real engine: up from bare
// hosts, 20 requests from the client alternate nginx1/nginx2, preview shows no
// change, the config switch to wrr 2:3 splits 20 requests 8/12, refresh finds
// no drift, destroy returns every host to the lab's bare state.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadInventory } from "../../../stacks/inventory";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, projectStack, tally } from "../../support/stacks";

const HOSTS = ["director", "rs1", "rs2", "client"];

describe("stack nat-lab (nat preset, real engine)", function () {
  this.timeout(900000);
  let bare: string;
  const ctx = useLabStacks("nat", () => (bare = snapshot(HOSTS)));

  it("up from bare hosts: the client's 20 requests alternate exactly; preview shows no change", async () => {
    ctx.stack = await projectStack(ctx.backend, "nat-lab");
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(
      `      nat-lab up: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${Object.values(up.summary.resourceChanges ?? {}).reduce((a, b) => a + b, 0)} resources`,
    );
    assert.equal(up.outputs.vip.value, "12.0.0.20");
    assert.match(String(up.outputs.try.value), /curl -s http:\/\/12\.0\.0\.20\//);
    // The stack's own check (a remote.Command on the client), run at the end of up.
    assert.equal(up.outputs.check.value, "10/10 answered (this is nginx1: 5, this is nginx2: 5)");
    assertAlternates(answers("http://12.0.0.20/", 20), "this is nginx1", "this is nginx2");
    await ctx.stack.preview({ expectNoChanges: true });
    // The SSH private key reaches the providers but never the state file in plaintext.
    const state = fs.readFileSync(path.join(ctx.backend.dir, "state", ".pulumi", "stacks", "pulumi-lvs", "nat-lab.json"), "utf8");
    const key = fs.readFileSync(loadInventory().hosts.director.privateKeyPath, "utf8");
    assert.ok(!state.includes("PRIVATE KEY") && !state.includes(key.split("\n")[1]), "no private key in the state file");
  });

  it("config scheduler=wrr, weights [2,3]: 20 requests split 8/12; refresh finds no drift", async () => {
    ctx.stack = await projectStack(ctx.backend, "nat-lab", { scheduler: "wrr", weights: "[2,3]" });
    const up = await ctx.stack.up();
    assert.equal(up.summary.resourceChanges?.update, 3, JSON.stringify(up.summary.resourceChanges));
    assert.equal(up.summary.resourceChanges?.replace, 1, "the check runs again when the scheduler or weights change");
    assert.equal(up.outputs.check.value, "10/10 answered (this is nginx1: 4, this is nginx2: 6)");
    assert.deepEqual(tally(answers("http://12.0.0.20/", 20)), { "this is nginx1": 8, "this is nginx2": 12 });
    await ctx.stack.refresh({ expectNoChanges: true });
  });

  it("destroy returns every host to the lab's bare state", async () => {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      nat-lab destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
