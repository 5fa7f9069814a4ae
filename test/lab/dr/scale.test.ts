// The scale stack (10 IPVS services x 5 real servers on director1) through
// the real engine, with SSH counted by the director's own sshd: a cold up
// batches its IPVS changes, a no-op up touches no host, a refresh reads the
// host once (one connection, one command: facts and the whole IPVS table),
// a weight change of 10% runs as one read and one batch, destroy = bare.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { countSince, cursors } from "../../../bench/hostCounts";
import { HostCount } from "../../../bench/report";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { projectStack } from "../../support/stacks";

const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];

async function counted(fn: () => Promise<unknown>): Promise<Record<string, HostCount>> {
  const from = cursors(HOSTS);
  await fn();
  return countSince(from);
}

function others(c: Record<string, HostCount>): string {
  return HOSTS.filter((h) => h !== "director1" && (c[h].connections || c[h].sessions)).join(", ");
}

describe("stack scale: SSH per operation counted on the hosts (dr preset, real engine)", function () {
  this.timeout(900000);
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot(HOSTS)));

  it("cold up of 10 services and 50 real servers: one connection, IPVS changes in batches", async () => {
    ctx.stack = await projectStack(ctx.backend, "scale", { services: "10", serversPerService: "5" });
    const c = await counted(() => ctx.stack!.up());
    const d = c.director1;
    console.log(`      cold up: director1 ${d.connections} connection(s), ${d.sessions} commands for 60 resources`);
    assert.equal(d.connections, 1, "one SSH connection to the director");
    assert.ok(d.sessions <= 30, `60 IPVS objects should take at most 30 commands when batched; took ${d.sessions}`);
    assert.equal(others(c), "", "no other host is contacted");
    const table = lab.run("director1", "ipvsadm -Sn");
    assert.equal(table.split("\n").filter((l) => l.startsWith("-A ")).length, 10);
    assert.equal(table.split("\n").filter((l) => l.startsWith("-a ")).length, 50);
  });

  it("no-op up: no connection, no command on any host", async () => {
    const c = await counted(async () => {
      const r = await ctx.stack!.up();
      assert.deepEqual(Object.keys(r.summary.resourceChanges ?? {}), ["same"]);
    });
    assert.deepEqual(c.director1, { connections: 0, sessions: 0 });
    assert.equal(others(c), "");
  });

  it("refresh of 60 resources reads the director once: one connection, one command", async () => {
    const c = await counted(() => ctx.stack!.refresh({ expectNoChanges: true }));
    assert.deepEqual(c.director1, { connections: 1, sessions: 1 });
    assert.equal(others(c), "");
  });

  it("a weight change on 10% of the real servers: one read and one batch", async () => {
    await ctx.stack!.setConfig("pulumi-lvs:reweightPercent", { value: "10" });
    const c = await counted(async () => {
      const r = await ctx.stack!.up();
      assert.equal(r.summary.resourceChanges?.update, 5, JSON.stringify(r.summary.resourceChanges));
    });
    console.log(`      reweight: director1 ${c.director1.connections} connection(s), ${c.director1.sessions} commands for 5 updates`);
    assert.equal(c.director1.connections, 1);
    assert.ok(
      c.director1.sessions <= 3,
      `5 concurrent updates should be one read and one batch (at most 3 commands); took ${c.director1.sessions}`,
    );
    assert.equal(
      lab
        .run("director1", "ipvsadm -Sn")
        .split("\n")
        .filter((l) => / -w 2$/.test(l)).length,
      5,
    );
    // Saved for boot as well.
    assert.equal(
      lab
        .run("director1", "cat /etc/ipvsadm.rules")
        .split("\n")
        .filter((l) => / -w 2$/.test(l)).length,
      5,
    );
  });

  it("destroy returns the hosts to the lab's bare state", async () => {
    await ctx.stack!.destroy();
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
