// The haproxy stack on the haproxy preset, through the real engine: the VIP
// on haproxy1, 50 requests through it split 20/30 (static-rr 2:3), the L4
// frontend alternates; `npm run status` shows HAProxy's servers; a drill of
// each fault kind (HAProxy stopped: check_haproxy moves the VIP) under
// requests leaves the stack as found; preview shows no change; destroy =
// bare state.
import { strict as assert } from "node:assert";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, holdsVip, projectStack, tally } from "../../support/stacks";
import { readStatus, stackFacts } from "../../../scripts/review/status";
import { renderStatus } from "../../../scripts/review/statusCore";
import { runDrill } from "../../../scripts/review/drill";
import { timelineSvg } from "../../../scripts/review/drillCore";
import { runDoctor } from "../../../scripts/review/doctor";
import { closeAll } from "../../../providers/transport/ssh";

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

  it("npm run status: the VIP on haproxy1, HAProxy's servers UP with their sessions counted", async () => {
    const { facts, inventory } = await stackFacts(ctx.stack!);
    try {
      const st = await readStatus(facts, inventory);
      assert.deepEqual(st.warnings, []);
      assert.deepEqual(st.vipHolders, ["haproxy1"]);
      const h1 = st.haproxy.find((h) => h.host === "haproxy1");
      assert.ok(h1?.holdsVip, JSON.stringify(st.haproxy));
      const servers = h1.servers.filter((x) => x.proxy.includes("web"));
      assert.ok(servers.length >= 2 && servers.every((x) => x.status === "UP"), JSON.stringify(h1.servers));
      assert.ok(
        servers.reduce((n, x) => n + x.total, 0) >= 60,
        `the 60 requests above were counted: ${servers.map((x) => `${x.server} ${x.total}`).join(", ")}`,
      );
      console.log(renderStatus(st).replace(/^/gm, "      "));
    } finally {
      await closeAll();
    }
  });

  it("a drill of each fault (HAProxy stopped; the MASTER stopped, killed, cut off; a real server stopped) reports its figures and leaves the stack as found", async () => {
    const { facts, inventory } = await stackFacts(ctx.stack!);
    try {
      for (const fault of ["haproxy-stop", "master-stop", "master-kill", "link-cut", "realserver-stop"] as const) {
        // check_haproxy needs 2 failed runs, then the BACKUP 3 adverts: HAProxy's fault gets 15 s, the others 8 s.
        const slow = fault === "haproxy-stop";
        const run = await runDrill(facts, inventory, `http://${VIP}/`, { fault, rps: 2, durationSeconds: slow ? 30 : 16 });
        const f = run.result.figures;
        const svg = timelineSvg(run.result);
        console.log(
          `      drill ${fault} on ${run.result.host}: longest gap ${f.longestGapSeconds.toFixed(2)} s, ${f.answered} answered, ${f.failed} failed, ` +
            `VIP moved after ${f.vipMoveSeconds?.toFixed(2) ?? "-"} s, back ${f.vipBackSeconds?.toFixed(2) ?? "-"} s after the restore, ` +
            `recovery ${f.recoverySeconds.toFixed(2)} s, availability ${(100 * f.availability).toFixed(3)} %, ` +
            `failed before/during/after the fault ${f.failures.before}/${f.failures.during}/${f.failures.after}`,
        );
        assert.equal(run.notRestored, undefined, `${fault}: the stack is back as found`);
        assert.ok(f.requests >= 25 && f.answered > f.requests / 3, `${fault}: requests went through (${f.answered}/${f.requests})`);
        const limit = slow ? 15 : 8;
        const ev = run.result.events;
        const failedAt = run.result.requests
          .filter((r) => !r.ok)
          .map((r) => (r.start - ev.faultAt).toFixed(1))
          .join(", ");
        assert.ok(
          f.recovered && f.recoverySeconds < limit,
          `${fault}: traffic flowed again within ${limit} s (${f.recoverySeconds} s); failed requests started at ${failedAt} s ` +
            `after the fault, the restore at ${(ev.restoredAt - ev.faultAt).toFixed(1)} s`,
        );
        assert.match(svg, /this is nginx1[\s\S]*this is nginx2|this is nginx2[\s\S]*this is nginx1/, "both real servers in the timeline");
        if (fault === "realserver-stop") assert.equal(f.vipMoveSeconds, undefined);
        else {
          assert.equal(run.result.host, "haproxy1", "the fault hit the VIP holder");
          assert.ok(f.vipMoveSeconds !== undefined && f.vipMoveSeconds < limit, `${fault}: the VIP moved (${f.vipMoveSeconds} s)`);
        }
      }
      await ctx.stack!.preview({ expectNoChanges: true, refresh: true });
      const doctor = await runDoctor(facts.vrrp, inventory);
      assert.ok(doctor.healthy, doctor.text);
    } finally {
      await closeAll();
    }
  });

  it("destroy returns every host to the lab's bare state", async () => {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      haproxy destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
