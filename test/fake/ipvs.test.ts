// IpvsService and IpvsRealServer against a fake director (the ipvsadm
// stand-in: a model of the table persisted on the fake host, printing
// `ipvsadm -Sn` and `-Ln --thresholds` as the parsers read them).
import * as assert from "node:assert/strict";
import { ipvsRealServerProvider } from "../../providers/ipvs/realServer";
import { ipvsServiceProvider } from "../../providers/ipvs/service";
import { create, diff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

type ServiceInputs = InputsOf<typeof ipvsServiceProvider>;
type ServerInputs = InputsOf<typeof ipvsRealServerProvider>;

describe("fake host: IpvsService", () => {
  const host = withFakeHost();
  const svc = (over: Partial<ServiceInputs> = {}): ServiceInputs =>
    ({ connection: host().connection, protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr", ...over }) as ServiceInputs;
  const table = async () => (await host().sh("ipvsadm -Sn")).trim();

  afterEach(async () => {
    await host().sh("ipvsadm -C");
  });

  it("creates, reads back, edits in place, and deletes (restoring an empty table)", async () => {
    const { id, outs } = await create(ipvsServiceProvider, svc());
    assert.equal(await table(), "-A -t 10.0.0.100:80 -s rr");
    assert.deepEqual(await diff(ipvsServiceProvider, id, outs, svc()), { changes: false, replaces: [] });
    const after = await update(ipvsServiceProvider, id, outs, svc({ scheduler: "wrr", persistence: 60 }));
    assert.equal(await table(), "-A -t 10.0.0.100:80 -s wrr -p 60");
    await remove(ipvsServiceProvider, id, after);
    assert.equal(await table(), "");
    // The table is saved for boot after every change.
    assert.equal((await host().sh("cat /etc/ipvsadm.rules")).trim(), "");
  });

  it("adopts an identical service already on the host, and saves the table for boot (a run killed after -A)", async () => {
    await host().sh("rm -f /etc/ipvsadm.rules && ipvsadm -A -t 10.0.0.100:80 -s rr");
    const { outs } = await create(ipvsServiceProvider, svc());
    assert.equal(outs.scheduler, "rr");
    assert.equal(await table(), "-A -t 10.0.0.100:80 -s rr");
    assert.equal((await host().sh("cat /etc/ipvsadm.rules")).trim(), await table());
  });

  it("refuses a conflicting service already on the host, and leaves it alone", async () => {
    await host().sh("ipvsadm -A -t 10.0.0.100:80 -s wlc -p 300");
    await assert.rejects(create(ipvsServiceProvider, svc()), /already exists with different settings \(scheduler wlc, persistence 300\)/);
    assert.equal(await table(), "-A -t 10.0.0.100:80 -s wlc -p 300");
  });

  it("shows a hand change as drift on refresh, and a service removed by hand as gone", async () => {
    const { id, outs } = await create(ipvsServiceProvider, svc());
    await host().sh("ipvsadm -E -t 10.0.0.100:80 -s lc");
    const r = await read(ipvsServiceProvider, id, outs);
    assert.equal(r.props.scheduler, "lc");
    assert.deepEqual(await diff(ipvsServiceProvider, id, r.props, svc()), { changes: true, replaces: [] });
    await update(ipvsServiceProvider, id, r.props, svc());
    assert.equal(await table(), "-A -t 10.0.0.100:80 -s rr");
    await host().sh("ipvsadm -D -t 10.0.0.100:80");
    assert.equal((await read(ipvsServiceProvider, id, outs)).id, "");
  });

  it("replaces on a new address or port (diff names it)", async () => {
    const { id, outs } = await create(ipvsServiceProvider, svc());
    assert.ok((await diff(ipvsServiceProvider, id, outs, svc({ port: 8080 }))).replaces.includes("port"));
    assert.ok((await diff(ipvsServiceProvider, id, outs, svc({ address: "10.0.0.101" }))).replaces.includes("address"));
  });
});

describe("fake host: IpvsRealServer", () => {
  const host = withFakeHost();
  const key = { protocol: "tcp" as const, address: "10.0.0.100", port: 80 };
  const rs = (over: Partial<ServerInputs> = {}): ServerInputs =>
    ({
      connection: host().connection,
      service: key,
      address: "192.168.1.11",
      port: 80,
      method: "route",
      weight: 1,
      ...over,
    }) as ServerInputs;
  const table = async () => (await host().sh("ipvsadm -Sn")).trim().split("\n");

  beforeEach(async () => {
    await host().sh("ipvsadm -C && ipvsadm -A -t 10.0.0.100:80 -s wrr");
  });

  it("creates, updates weight and method in place, and deletes", async () => {
    const { id, outs } = await create(ipvsRealServerProvider, rs());
    assert.deepEqual(await table(), ["-A -t 10.0.0.100:80 -s wrr", "-a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 1"]);
    assert.deepEqual(await diff(ipvsRealServerProvider, id, outs, rs()), { changes: false, replaces: [] });
    const d = await diff(ipvsRealServerProvider, id, outs, rs({ weight: 3, method: "masq" }));
    assert.deepEqual(d, { changes: true, replaces: [] });
    const after = await update(ipvsRealServerProvider, id, outs, rs({ weight: 3, method: "masq" }));
    assert.deepEqual(await table(), ["-A -t 10.0.0.100:80 -s wrr", "-a -t 10.0.0.100:80 -r 192.168.1.11:80 -m -w 3"]);
    await remove(ipvsRealServerProvider, id, after);
    assert.deepEqual(await table(), ["-A -t 10.0.0.100:80 -s wrr"]);
  });

  it("keeps weight 0 and thresholds (read from -Ln --thresholds)", async () => {
    const { id, outs } = await create(ipvsRealServerProvider, rs({ weight: 0, upperThreshold: 100, lowerThreshold: 10 }));
    const r = await read(ipvsRealServerProvider, id, outs);
    assert.equal(r.props.weight, 0);
    assert.equal(r.props.upperThreshold, 100);
    assert.equal(r.props.lowerThreshold, 10);
  });

  it("adopts an identical server (saving the table for boot) and refuses a conflicting one", async () => {
    // As a run killed between its -a and the save leaves it: in the table, not in the rules file.
    await host().sh("ipvsadm-save -n > /etc/ipvsadm.rules && ipvsadm -a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 1");
    await create(ipvsRealServerProvider, rs());
    assert.equal((await host().sh("cat /etc/ipvsadm.rules")).trim(), (await host().sh("ipvsadm -Sn")).trim(), "create saved the table");
    await assert.rejects(create(ipvsRealServerProvider, rs({ weight: 5 })), /192\.168\.1\.11/);
    assert.deepEqual(await table(), ["-A -t 10.0.0.100:80 -s wrr", "-a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 1"]);
  });

  it("refuses a server of a service that does not exist", async () => {
    await host().sh("ipvsadm -C");
    await assert.rejects(create(ipvsRealServerProvider, rs()), /does not exist; create the IpvsService first/);
  });

  it("shows a weight changed by hand as drift, and a server removed by hand as gone", async () => {
    const { id, outs } = await create(ipvsRealServerProvider, rs({ weight: 2 }));
    await host().sh("ipvsadm -e -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 7");
    const r = await read(ipvsRealServerProvider, id, outs);
    assert.equal(r.props.weight, 7);
    assert.equal((await diff(ipvsRealServerProvider, id, r.props, rs({ weight: 2 }))).changes, true);
    await host().sh("ipvsadm -d -t 10.0.0.100:80 -r 192.168.1.11:80");
    assert.equal((await read(ipvsRealServerProvider, id, outs)).id, "");
  });

  it("replaces on a new address (diff names it)", async () => {
    const { id, outs } = await create(ipvsRealServerProvider, rs());
    assert.ok((await diff(ipvsRealServerProvider, id, outs, rs({ address: "192.168.1.12" }))).replaces.includes("address"));
  });
});
