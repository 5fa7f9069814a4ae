// The transport seam itself: nothing installed is SSH; an installed factory
// wins; PULUMI_LVS_FAKE_HOSTS routes a connection to its fake host and refuses
// any other.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FAKE_HOSTS_ENV, setTransportFactory } from "../../providers/transport/seam";
import { sshTransport } from "../../providers/transport/ssh";
import { ConnectionArgs, Transport } from "../../providers/transport/types";
import { FakeHost, startFakeHost, writeFakeHostsDir } from "../support/fakeHost";

describe("transport seam", () => {
  let host: FakeHost | undefined;
  let dir = "";
  const saved = process.env[FAKE_HOSTS_ENV];

  before(async function () {
    this.timeout(30000);
    host = await startFakeHost();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-fake-hosts-"));
    writeFakeHostsDir(dir, [host]);
  });

  afterEach(() => {
    setTransportFactory(undefined);
    if (saved === undefined) delete process.env[FAKE_HOSTS_ENV];
    else process.env[FAKE_HOSTS_ENV] = saved;
  });

  after(() => {
    host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const other: ConnectionArgs = { host: "192.0.2.1", port: 2222, trustOnFirstUse: true };

  it("is the SSH transport when nothing is installed (it dials the host: here a closed port on 127.0.0.1)", async () => {
    delete process.env[FAKE_HOSTS_ENV];
    const t = sshTransport({ host: "127.0.0.1", port: 1, password: "unused", retries: 1, trustOnFirstUse: true });
    await assert.rejects(t.run("true"), /ssh root@127\.0\.0\.1:1: cannot connect: .*ECONNREFUSED/);
  });

  it("returns the installed factory's transport, and SSH again once it is removed", () => {
    const fake: Transport = { ...(host as FakeHost).transport, target: "fake" };
    setTransportFactory(() => fake);
    assert.equal(sshTransport(other), fake);
    setTransportFactory(undefined);
    assert.notEqual(sshTransport(other), fake);
  });

  it("with PULUMI_LVS_FAKE_HOSTS, runs a connection's commands on its fake host and refuses any other host", async () => {
    process.env[FAKE_HOSTS_ENV] = dir;
    const h = host as FakeHost;
    const t = sshTransport(h.connection);
    assert.equal(t.target, h.target);
    assert.equal((await t.run("cat /etc/os-release")).includes("fake host"), true);
    assert.throws(
      () => sshTransport(other),
      /PULUMI_LVS_FAKE_HOSTS is set and .*192\.0\.2\.1_2222\.json does not exist; refusing to reach a real host/,
    );
  });
});
