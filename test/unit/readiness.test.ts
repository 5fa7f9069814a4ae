// Readiness: input checks, and the waiting loop run for real by this machine's
// bash (a command probe, no unit), ready and timed out.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Checker } from "../../providers/common/check";
import { checkReadiness, describeProbe, parseReadiness, readinessScript, resolveReadiness } from "../../providers/readiness/core";

function runLoop(script: string): { code: number; stdout: string } {
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 30000 });
  return { code: r.status ?? -1, stdout: r.stdout };
}

function failures(v: unknown): string[] {
  const c = new Checker();
  checkReadiness(c, "readiness", v);
  return c.failures.map((f) => f.property);
}

describe("readiness", () => {
  it("accepts each probe kind and refuses bad ones, naming the nested field", () => {
    assert.deepEqual(
      failures({ probe: { type: "http", url: "http://127.0.0.1:8080/index.jsp", statuses: [200] }, timeoutSeconds: 60 }),
      [],
    );
    assert.deepEqual(failures({ probe: { type: "tcp", port: 80 } }), []);
    assert.deepEqual(failures({ probe: { type: "command", command: "systemctl is-active nginx" } }), []);
    assert.deepEqual(failures({ probe: { type: "http", url: "http://x/'; rm -rf /" } }), ["readiness.probe.url"]);
    assert.deepEqual(failures({ probe: { type: "http", url: "http://x/", statuses: [200, 99] } }), ["readiness.probe.statuses[1]"]);
    assert.deepEqual(failures({ probe: { type: "tcp", port: 0 } }), ["readiness.probe.port"]);
    assert.deepEqual(failures({ probe: { type: "ping" } }), ["readiness.probe.type"]);
    assert.deepEqual(failures({ timeoutSeconds: 1.5 }), ["readiness.timeoutSeconds"]);
    assert.deepEqual(failures("yes"), ["readiness"]);
  });

  it("the loop reports ready with the seconds it took", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ready-"));
    const flag = path.join(dir, "up");
    try {
      const script = `(sleep 2; touch ${flag}) & ${readinessScript({ probe: { type: "command", command: `test -f ${flag}` }, timeoutSeconds: 20 })}`;
      const r = runLoop(script);
      assert.equal(r.code, 0, r.stdout);
      const report = parseReadiness(r.stdout);
      assert.ok(report?.ready, r.stdout);
      assert.ok(report.seconds >= 1 && report.seconds <= 5, `waited ${report.seconds} s`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the loop times out with the last answer", () => {
    const r = runLoop(readinessScript({ probe: { type: "command", command: "echo still starting; false" }, timeoutSeconds: 2 }));
    assert.equal(r.code, 3);
    const report = parseReadiness(r.stdout);
    assert.equal(report?.ready, false);
    assert.match(report.detail, /--- last answer\nstill starting/);
  });

  it("a TCP probe sees a listening port and a closed one", async () => {
    const net = await import("node:net");
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    try {
      // Run the loop asynchronously: the listener must keep accepting meanwhile.
      const { spawn } = await import("node:child_process");
      const out = await new Promise<string>((resolve) => {
        const p = spawn("bash", ["-c", readinessScript({ probe: { type: "tcp", port }, timeoutSeconds: 5 })]);
        let s = "";
        p.stdout.on("data", (d: Buffer) => (s += d.toString()));
        p.on("close", () => resolve(s));
      });
      assert.equal(parseReadiness(out)?.ready, true, out);
    } finally {
      server.close();
    }
    const closed = runLoop(readinessScript({ probe: { type: "tcp", port }, timeoutSeconds: 1 }));
    assert.match(closed.stdout, /--- last answer\nrefused/);
  });

  it("a resource's default is overridden field by field", () => {
    const d = { probe: { type: "http" as const, url: "http://127.0.0.1:8080/" }, timeoutSeconds: 300, unit: "tomcat10" };
    assert.deepEqual(resolveReadiness(undefined, d), d);
    assert.deepEqual(resolveReadiness({ timeoutSeconds: 30 }, d), { ...d, timeoutSeconds: 30 });
    assert.equal(describeProbe(resolveReadiness({ probe: { type: "tcp", port: 8080 } }, d).probe), "TCP 127.0.0.1:8080 accepting");
  });
});
