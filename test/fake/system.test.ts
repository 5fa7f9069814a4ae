// ManagedFile, Package and SystemdService against a fake host: files in the
// fake host's overlay of /etc, and the dpkg-query / apt-get / systemctl
// stand-ins.
import * as assert from "node:assert/strict";
import { managedFileProvider } from "../../providers/files/managedFile";
import { packageProvider } from "../../providers/system/package";
import { systemdServiceProvider } from "../../providers/system/systemdService";
import { FakeHost } from "../support/fakeHost";
import { create, diff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

const exists = async (h: FakeHost, p: string) => (await h.exec(`test -e ${p}`)).code === 0;

describe("fake host: ManagedFile", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof managedFileProvider>;
  const file = (over: Partial<In> = {}): In =>
    ({ connection: host().connection, path: "/etc/lvs/app.conf", content: "a = 1\n", ...over }) as In;

  it("creates, updates content and mode in place, and deletes", async () => {
    const { id, outs } = await create(managedFileProvider, file());
    assert.equal(await host().sh("cat /etc/lvs/app.conf"), "a = 1\n");
    assert.equal((await host().sh("stat -c %a:%U:%G /etc/lvs/app.conf")).trim(), "644:root:root");
    assert.deepEqual(await diff(managedFileProvider, id, outs, file()), { changes: false, replaces: [] });
    const news = file({ content: "a = 2\n", mode: "0600" });
    assert.deepEqual(await diff(managedFileProvider, id, outs, news), { changes: true, replaces: [] });
    const after = await update(managedFileProvider, id, outs, news);
    assert.equal(await host().sh("cat /etc/lvs/app.conf"), "a = 2\n");
    assert.equal((await host().sh("stat -c %a /etc/lvs/app.conf")).trim(), "600");
    await remove(managedFileProvider, id, after);
    assert.equal(await exists(host(), "/etc/lvs/app.conf"), false);
  });

  it("takes over a file that was there (identical or not) and puts the original back at delete", async () => {
    await host().sh("mkdir -p /etc/lvs && printf 'stock\\n' > /etc/lvs/stock.conf");
    const { id, outs } = await create(managedFileProvider, file({ path: "/etc/lvs/stock.conf", content: "managed\n" }));
    assert.equal(await host().sh("cat /etc/lvs/stock.conf"), "managed\n");
    await remove(managedFileProvider, id, outs);
    assert.equal(await host().sh("cat /etc/lvs/stock.conf"), "stock\n");
  });

  it("refuses content its validator rejects, and leaves the live file alone", async () => {
    await host().sh("mkdir -p /etc/lvs && printf 'echo ok\\n' > /etc/lvs/run.sh");
    await assert.rejects(create(managedFileProvider, file({ path: "/etc/lvs/run.sh", content: "if then fi (\n", validate: "sh -n %s" })));
    assert.equal(await host().sh("cat /etc/lvs/run.sh"), "echo ok\n");
  });

  it("rolls back when the reload command fails", async () => {
    const { id, outs } = await create(managedFileProvider, file({ path: "/etc/lvs/r.conf", content: "v1\n" }));
    await assert.rejects(update(managedFileProvider, id, outs, file({ path: "/etc/lvs/r.conf", content: "v2\n", reload: "false" })));
    assert.equal(await host().sh("cat /etc/lvs/r.conf"), "v1\n");
    await remove(managedFileProvider, id, outs);
  });

  it("shows a hand edit and a chmod as drift on refresh; update repairs them", async () => {
    const { id, outs } = await create(managedFileProvider, file({ path: "/etc/lvs/d.conf" }));
    await host().sh("echo edited >> /etc/lvs/d.conf && chmod 0666 /etc/lvs/d.conf");
    const r = await read(managedFileProvider, id, outs);
    assert.equal(r.props.liveMode, "0666");
    assert.notEqual(r.props.sha256, outs.sha256);
    assert.equal((await diff(managedFileProvider, id, r.props, file({ path: "/etc/lvs/d.conf" }))).changes, true);
    const fixed = await update(managedFileProvider, id, r.props, file({ path: "/etc/lvs/d.conf" }));
    assert.equal(await host().sh("cat /etc/lvs/d.conf"), "a = 1\n");
    await remove(managedFileProvider, id, fixed);
  });

  it("replaces on a new path", async () => {
    const { id, outs } = await create(managedFileProvider, file({ path: "/etc/lvs/p.conf" }));
    assert.deepEqual((await diff(managedFileProvider, id, outs, file({ path: "/etc/lvs/q.conf" }))).replaces, ["path"]);
    await remove(managedFileProvider, id, outs);
  });
});

describe("fake host: Package", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof packageProvider>;
  const pkg = (names: string[], over: Partial<In> = {}): In => ({ connection: host().connection, names, ...over }) as In;
  const installed = async (n: string) => (await host().exec(`dpkg-query -W -f='\${Status}' ${n}`)).code === 0;

  before(async () => {
    await host().sh(
      `cat > /var/lib/fakehost/packages.json <<'X'\n{"installed":{"nginx":"1.22.1-9"},"available":{"ipvsadm":["1:1.31-1"],"tomcat10":["10.1.6-1"]}}\nX`,
    );
  });

  it("installs what is missing, adopts what is there, and removes only its own at delete", async () => {
    const { id, outs } = await create(packageProvider, pkg(["nginx", "ipvsadm"], { removeOnDelete: true }));
    assert.deepEqual(outs.installed, ["ipvsadm"]);
    assert.equal(await installed("ipvsadm"), true);
    assert.deepEqual(await diff(packageProvider, id, outs, pkg(["ipvsadm", "nginx"], { removeOnDelete: true })), {
      changes: false,
      replaces: [],
    });
    const after = await update(packageProvider, id, outs, pkg(["nginx", "ipvsadm", "tomcat10"], { removeOnDelete: true }));
    assert.deepEqual([...(after.installed ?? [])].sort(), ["ipvsadm", "tomcat10"]);
    await remove(packageProvider, id, after);
    assert.equal(await installed("ipvsadm"), false);
    assert.equal(await installed("tomcat10"), false);
    assert.equal(await installed("nginx"), true);
  });

  it("refuses a package the host cannot install", async () => {
    await assert.rejects(create(packageProvider, pkg(["no-such-package"])), /Unable to locate package no-such-package/);
  });

  it("shows a package removed by hand as drift; update installs it again", async () => {
    const { id, outs } = await create(packageProvider, pkg(["ipvsadm"]));
    await host().sh("apt-get remove -y ipvsadm");
    const r = await read(packageProvider, id, outs);
    assert.deepEqual(r.props.missing, ["ipvsadm"]);
    assert.equal((await diff(packageProvider, id, r.props, pkg(["ipvsadm"]))).changes, true);
    await update(packageProvider, id, r.props, pkg(["ipvsadm"]));
    assert.equal(await installed("ipvsadm"), true);
  });
});

describe("fake host: SystemdService", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof systemdServiceProvider>;
  const svc = (over: Partial<In> = {}): In => ({ connection: host().connection, unit: "tomcat10", ...over }) as In;
  const state = async (u: string) =>
    (await host().sh(`printf '%s %s' "$(systemctl is-enabled ${u})" "$(systemctl is-active ${u})"`)).trim();

  before(async () => {
    await host().sh("printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/tomcat10.service");
  });

  it("enables and starts a stopped unit, stops it in place, and puts the recorded state back at delete", async () => {
    assert.equal(await state("tomcat10"), "disabled inactive");
    const { id, outs } = await create(systemdServiceProvider, svc());
    assert.equal(await state("tomcat10"), "enabled active");
    assert.deepEqual(await diff(systemdServiceProvider, id, outs, svc()), { changes: false, replaces: [] });
    assert.deepEqual(await diff(systemdServiceProvider, id, outs, svc({ running: false })), { changes: true, replaces: [] });
    const after = await update(systemdServiceProvider, id, outs, svc({ running: false }));
    assert.equal(await state("tomcat10"), "enabled inactive");
    await remove(systemdServiceProvider, id, after);
    assert.equal(await state("tomcat10"), "disabled inactive");
  });

  it("adopts a unit already in the wanted state (and leaves it so at delete)", async () => {
    await host().sh("systemctl enable tomcat10 && systemctl start tomcat10");
    const { id, outs } = await create(systemdServiceProvider, svc());
    await remove(systemdServiceProvider, id, outs);
    assert.equal(await state("tomcat10"), "enabled active");
    await host().sh("systemctl disable tomcat10 && systemctl stop tomcat10");
  });

  it("counts as created once the unit is active and its probe passes; a probe that never passes fails create naming the unit", async () => {
    const { id, outs } = await create(
      systemdServiceProvider,
      svc({ readiness: { probe: { type: "command", command: "test -e /run/ready-marker || { touch /run/ready-marker; false; }" } } }),
    );
    assert.ok(
      typeof outs.readySeconds === "number" && outs.readySeconds >= 1,
      `waited until the probe passed: ${String(outs.readySeconds)} s`,
    );
    await remove(systemdServiceProvider, id, outs);
    await host().sh("rm -f /run/ready-marker");
    await assert.rejects(
      create(systemdServiceProvider, svc({ readiness: { probe: { type: "command", command: "false" }, timeoutSeconds: 2 } })),
      /SystemdService tomcat10 was not ready within 2 s \(waited for unit tomcat10 active and `false` exiting 0/,
    );
  });

  it("refuses a unit the host does not have", async () => {
    await assert.rejects(create(systemdServiceProvider, svc({ unit: "no-such-unit" })), /no-such-unit/);
  });

  it("shows a unit stopped by hand as drift; update starts it again", async () => {
    const { id, outs } = await create(systemdServiceProvider, svc());
    await host().sh("systemctl stop tomcat10");
    const r = await read(systemdServiceProvider, id, outs);
    assert.deepEqual(r.props.live, { enabled: true, running: false });
    assert.equal((await diff(systemdServiceProvider, id, r.props, svc())).changes, true);
    const fixed = await update(systemdServiceProvider, id, r.props, svc());
    assert.equal(await state("tomcat10"), "enabled active");
    await remove(systemdServiceProvider, id, fixed);
  });

  it("replaces on a new unit", async () => {
    const { id, outs } = await create(systemdServiceProvider, svc());
    assert.deepEqual((await diff(systemdServiceProvider, id, outs, svc({ unit: "nginx" }))).replaces, ["unit"]);
    await remove(systemdServiceProvider, id, outs);
  });
});
