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
});
