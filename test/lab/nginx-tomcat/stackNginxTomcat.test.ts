// The lvs-nginx-tomcat stack on the nginx-tomcat preset, through the real
// engine: /index.html is answered by nginx1/nginx2 through the VIP,
// /index.jsp by tomcat1/tomcat2 through nginx, which pass the client's
// address in X-Real-IP; preview shows no change; a no-op up leaves Tomcat
// running (no restart); a hand-edited JSP is drift that up repairs; destroy =
// bare state (packages and units as they were). `up` returns when Tomcat
// answers: the first request right after it succeeds, with no wait between;
// an app that never answers fails `up` within its readiness timeout, naming
// host, unit, what was awaited and the journal, while nginx keeps serving.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { connectionArgs, loadInventory } from "../../../stacks/inventory";
import { TomcatApp } from "../../../providers";
import { inlineStack } from "../../support/engine";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, projectStack, tally } from "../../support/stacks";

const HOSTS = ["director1", "rs1", "rs2", "tomcat1", "tomcat2", "client"];
const VIP = "192.168.118.100";
/** The never-answering app's readiness timeout, seconds. */
const BROKEN_TIMEOUT = 60;

async function tomcatsAnswer(): Promise<void> {
  // One session polls from the client (an SSH login into a lab host costs seconds of emulated CPU).
  const both = ["192.168.118.50", "192.168.118.60"].map((ip) => `curl -s -f -m 3 -o /dev/null http://${ip}:8080/`).join(" && ");
  const r = lab.exec(
    "client",
    `end=$(($(date +%s) + 600)); while [ "$(date +%s)" -lt "$end" ]; do if ${both}; then exit 0; fi; sleep 1; done; exit 1`,
  );
  if (r.code !== 0) throw new Error(`tomcat1/tomcat2 did not answer on :8080 within 600 s (exit ${r.code}: ${r.stderr.trim()})`);
}

describe("stack lvs-nginx-tomcat (nginx-tomcat preset, real engine)", function () {
  this.timeout(1200000);
  let bare: string;
  const ctx = useLabStacks("nginx-tomcat");

  it("up from bare hosts: static pages from nginx1/nginx2, JSP from tomcat1/tomcat2 with the client's X-Real-IP", async () => {
    await tomcatsAnswer();
    bare = snapshot(HOSTS);
    ctx.stack = await projectStack(ctx.backend, "lvs-nginx-tomcat");
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      lvs-nginx-tomcat up: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(up.outputs.url.value, `http://${VIP}/index.jsp`);
    // No wait here: up returned once each TomcatApp answered on its host.
    const first = answers(`http://${VIP}/index.jsp`, 20);
    assert.ok(
      first.every((a) => /^this is tomcat[12]$/.test(a)),
      `every request right after up is answered by a tomcat: ${first.join(", ")}`,
    );
    // Each nginx round-robins its own upstream: both tomcats answer, not necessarily 5/5.
    assert.match(
      String(up.outputs.check.value),
      /^10\/10 answered \(this is tomcat1: \d+, this is tomcat2: \d+\)$/,
      "the stack's own check",
    );
    assertAlternates(answers(`http://${VIP}/index.html`, 20), "this is nginx1", "this is nginx2");
    // Each nginx round-robins its own upstream, so the tomcats alternate per
    // nginx host, not strictly in the client's sequence.
    const jsp = answers(`http://${VIP}/index.jsp`, 20);
    const counts = tally(jsp);
    assert.deepEqual(Object.keys(counts).sort(), ["this is tomcat1", "this is tomcat2"], jsp.join(", "));
    assert.equal(counts["this is tomcat1"], 10, `20 JSP requests split 10/10: ${jsp.join(", ")}`);
    assert.match(lab.run("client", `curl -s http://${VIP}/index.jsp`), /X-Real-IP: 192\.168\.118\.20$/m);
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("a no-op up does not restart Tomcat; a hand edit of index.jsp is drift that up repairs", async () => {
    const stack = ctx.stack!;
    const pid = lab.run("tomcat1", "systemctl show -p MainPID --value tomcat10").trim();
    const noop = await stack.up();
    assert.equal(Object.keys(noop.summary.resourceChanges ?? {}).join(), "same");
    assert.equal(lab.run("tomcat1", "systemctl show -p MainPID --value tomcat10").trim(), pid, "Tomcat was not restarted");
    lab.run("tomcat2", "echo tampered > /srv/tomcat-test/index.jsp");
    const refresh = await stack.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
    await stack.up();
    assert.match(lab.run("tomcat2", "cat /srv/tomcat-test/index.jsp"), /this is tomcat2/);
    assert.equal(lab.exec("client", `curl -s -f -m 3 http://192.168.118.60:8080/`).code, 0, "tomcat2 answers right after the repairing up");
  });

  it("an app that never answers fails up within its timeout, naming host, unit, probe and journal; nginx keeps serving", async () => {
    const inv = loadInventory();
    const t1 = inv.hosts.tomcat1;
    const broken = await inlineStack(ctx.backend, "broken-app", "lab", async () => {
      new TomcatApp("broken", {
        connection: connectionArgs(t1),
        name: "broken",
        path: "/broken",
        docBase: "/srv/tomcat-broken",
        files: { "index.jsp": "<% this is not Java %>\n" },
        // Long enough for Tomcat, restarted alone, to start (20 to 40 s under emulation) and answer the JSP with
        // its compile error (the HTTP 500 below); every second past that is only waited out.
        readiness: { timeoutSeconds: BROKEN_TIMEOUT },
      });
    });
    try {
      const t0 = Date.now();
      await assert.rejects(broken.up(), (err: Error) => {
        assert.match(err.message, new RegExp(`root@127\\.0\\.0\\.1:${t1.port}`), "names the host");
        assert.match(err.message, new RegExp(`not ready within ${BROKEN_TIMEOUT} s`));
        assert.match(err.message, /unit tomcat10 active and GET http:\/\/127\.0\.0\.1:8080\/broken\/index\.jsp answering 2xx\/3xx/);
        assert.match(err.message, /--- last answer\s+HTTP 500/);
        assert.match(err.message, /--- journalctl -u tomcat10/);
        assert.match(err.message, /the app's files and descriptor were removed again/);
        return true;
      });
      assert.notEqual(
        lab.exec("tomcat1", "ls -d /srv/tomcat-broken /etc/tomcat10/Catalina/localhost/broken.xml 2>/dev/null | grep .").code,
        0,
        "nothing of the failed app stays on tomcat1",
      );
      const seconds = (Date.now() - t0) / 1000;
      console.log(`      broken app: up failed after ${seconds.toFixed(1)} s`);
      assert.ok(seconds < BROKEN_TIMEOUT + 120, `up failed within the timeout plus the restart (${seconds.toFixed(1)} s)`);
      assertAlternates(answers(`http://${VIP}/index.html`, 10), "this is nginx1", "this is nginx2");
    } finally {
      // A failed create leaves nothing in the state: a destroy (a whole engine run) only when something is there.
      const left = (await broken.exportStack()).deployment?.resources ?? [];
      if (left.some((r: { type: string }) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:")))
        await broken.destroy();
    }
  });

  it("destroy returns every host to the lab's bare state, packages and units as they were", async () => {
    const t0 = Date.now();
    await ctx.stack!.destroy();
    console.log(`      lvs-nginx-tomcat destroy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.stack = undefined;
    await tomcatsAnswer();
    assert.equal(snapshot(HOSTS), bare);
  });
});
