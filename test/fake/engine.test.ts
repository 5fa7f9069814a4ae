// Through the real Pulumi engine (Automation API, inline program): the
// dynamic providers run in the engine's provider plugin process, which finds
// the fake host through PULUMI_LVS_FAKE_HOSTS (providers/transport/seam.ts).
// up (with readiness progress shown as it waits), a hand change, refresh
// showing it, destroy restoring the host.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as P from "../../providers";
import { FAKE_HOSTS_ENV } from "../../providers/transport/seam";
import { inlineStack, TestBackend, testBackend } from "../support/engine";
import { FakeHost, startFakeHost, writeFakeHostsDir } from "../support/fakeHost";

describe("fake host through the engine: SysctlSet + VipAlias + IpvsService + NginxSite", function () {
  this.timeout(180000);
  let host: FakeHost | undefined;
  let backend: TestBackend | undefined;

  before(async () => {
    host = await startFakeHost();
    backend = testBackend("fake-");
    const dir = path.join(backend.dir, "fake-hosts");
    writeFakeHostsDir(dir, [host]);
    backend.env[FAKE_HOSTS_ENV] = dir;
    backend.env.PULUMI_LVS_PROGRESS_SECONDS = "1";
  });

  after(() => {
    backend?.dispose();
    host?.stop();
  });

  it("up, refresh after a hand change, destroy", async () => {
    if (!host || !backend) throw new Error("setup failed");
    const h = host;
    const connection = h.connection;
    const stack = await inlineStack(backend, "fake-director", "t", async () => {
      const fwd = new P.SysctlSet("forward", { connection, name: "90-lvs", values: { "net.ipv4.ip_forward": "1" } });
      new P.VipAlias("vip", { connection, address: "12.0.0.20", interface: "ens33", label: "ens33:0" });
      new P.IpvsService("web", { connection, address: "12.0.0.20", port: 80, scheduler: "rr" }, { dependsOn: [fwd] });
      // A site whose readiness takes 3 s: with a line every second, up shows the wait as it happens.
      new P.NginxSite("site", {
        connection,
        name: "web",
        locations: [{ match: "/" }],
        readiness: { probe: { type: "command", command: "sleep 3" } },
      });
    });

    let output = "";
    const up = await stack.up({ onOutput: (s) => (output += s) });
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.summary.resourceChanges?.create, 5);
    assert.match(output, /waiting for NginxSite web on \S+ \(unit nginx active and `sleep 3` exiting 0\): [1-3] s of at most 60 s/);
    assert.equal((await h.sh("sysctl -n net.ipv4.ip_forward")).trim(), "1");
    assert.match(await h.sh("ip -o addr show dev ens33"), /inet 12\.0\.0\.20\/32 .*ens33:0/);
    assert.equal((await h.sh("ipvsadm -Sn")).trim(), "-A -t 12.0.0.20:80 -s rr");

    await h.sh("sysctl -w net.ipv4.ip_forward=0 && ipvsadm -E -t 12.0.0.20:80 -s wlc");
    const refresh = await stack.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 2, "the sysctl and the scheduler changed by hand show on refresh");

    // (up repairing drift is covered provider by provider in the other fake suites; one engine operation less here.)
    const destroy = await stack.destroy();
    assert.equal(destroy.summary.resourceChanges?.delete, 5);
    assert.equal((await h.sh("sysctl -n net.ipv4.ip_forward")).trim(), "0");
    assert.doesNotMatch(await h.sh("ip -o addr show dev ens33"), /12\.0\.0\.20/);
    assert.equal((await h.sh("ipvsadm -Sn")).trim(), "");
    assert.equal((await h.exec("test -e /etc/sysctl.d/90-lvs.conf")).code, 1);
  });

  it("the import option adopts a hand-built IPVS service and real server: up changes nothing, preview then shows no change, retainOnDelete leaves them", async () => {
    if (!host || !backend) throw new Error("setup failed");
    const h = host;
    const connection = h.connection;
    await h.sh("rm -f /etc/ipvsadm.rules && ipvsadm -A -t 12.0.0.30:80 -s wrr && ipvsadm -a -t 12.0.0.30:80 -r 192.168.118.30:80 -g -w 3");
    const before = (await h.sh("ipvsadm -Sn")).trim();
    const svcArgs = { connection, address: "12.0.0.30", port: 80, scheduler: "wrr" };
    const rsArgs = {
      connection,
      service: { protocol: "tcp" as const, address: "12.0.0.30", port: 80 },
      address: "192.168.118.30",
      method: "route" as const,
      weight: 3,
    };
    const target = `${connection.user ?? "root"}@${connection.host}:${connection.port ?? 22}`;
    const program = (weight: number) => async () => {
      const opts = { retainOnDelete: true };
      const svc = new P.IpvsService("adopted", svcArgs, { ...opts, import: `${target}/tcp 12.0.0.30:80` });
      new P.IpvsRealServer(
        "adopted-rs",
        { ...rsArgs, weight },
        { ...opts, dependsOn: [svc], import: `${target}/192.168.118.30:80 of tcp 12.0.0.30:80` },
      );
    };
    const stack = await inlineStack(backend, "fake-adopt", "t", program(3));
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 3 }, "the stack and the two adopted resources");
    assert.equal((await h.sh("ipvsadm -Sn")).trim(), before, "up changed the host");
    assert.equal((await h.exec("test -e /etc/ipvsadm.rules")).code, 1, "up wrote the boot rules");
    const again = await stack.preview();
    assert.deepEqual(again.changeSummary, { same: 3 });
    // A weight edit in the program then applies in place.
    const edited = await inlineStack(backend, "fake-adopt", "t", program(5));
    const upd = await edited.up();
    assert.deepEqual(upd.summary.resourceChanges, { same: 2, update: 1 });
    assert.match((await h.sh("ipvsadm -Sn")).trim(), /-a -t 12\.0\.0\.30:80 -r 192\.168\.118\.30:80 -g -w 5/);
    const destroy = await edited.destroy();
    assert.equal(destroy.summary.resourceChanges?.delete, 3);
    assert.match((await h.sh("ipvsadm -Sn")).trim(), /-A -t 12\.0\.0\.30:80 -s wrr/, "retainOnDelete kept the service");
    await h.sh("ipvsadm -C; rm -f /etc/ipvsadm.rules");
  });
});
