// Parallel changes to one fake director keep the saved IPVS rules equal to
// the table: 20 runs in which the weights of 12 real servers change at the
// same time, as the engine's dynamic provider process runs the updates of
// one `up` concurrently (Promise.all of the provider's update, one operation
// per run), then a parallel delete.
//
// The providers queue the changes of one host that arrive together and run
// them as one batch (one command: one ipvsadm per change, then one save of
// the whole table to /etc/ipvsadm.rules); changes that arrive while a batch
// runs form the next batch, never a second command alongside it
// (providers/ipvs/host.ts). Even runs start all 12 updates at once (one
// batch); odd runs start 6, and the other 6 when the first batch's command
// has started (two batches, the second queued behind the first). The
// stand-in ipvsadm keeps its table in a file without a lock, so two batches
// running at once could also lose a change or save a stale table.
//
// The lab keeps a 3-run proof of the same property through the real engine
// and kernel (the real `ipvsadm -Sn` format): test/lab/dr/reliability.test.ts.
import * as assert from "node:assert/strict";
import { ipvsRealServerProvider } from "../../providers/ipvs/realServer";
import { ipvsServiceProvider } from "../../providers/ipvs/service";
import { transportOver } from "../../providers/transport/base";
import { FakeHost, installFakeHosts, startFakeHost, uninstallFakeHosts } from "../support/fakeHost";
import { create, InputsOf, newOperation, remove } from "./lifecycle";

type ServerInputs = InputsOf<typeof ipvsRealServerProvider>;
type ServerProps = NonNullable<Awaited<ReturnType<typeof ipvsRealServerProvider.create>>["outs"]>;

const VIP = "192.168.118.150";
const PORT = 8080;
const BULK = Array.from({ length: 12 }, (_, i) => `192.168.118.${201 + i}`);
const RUNS = 20;
/** The batch script's status line, one per change, and the restore script's rules (providers/ipvs/batch.ts). */
const RC_MARK = "__PULUMI_LVS_RC__ ";
const RULES_END = "__PULUMI_LVS_RULES__";

/** The changes in a batch command: its status lines, or the lines of its ipvsadm -R input; undefined for other commands. */
function changesIn(line: string): number | undefined {
  if (line.includes(RC_MARK)) return line.split(RC_MARK).length - 1;
  const [, rules] = line.split(`<<'${RULES_END}'\n`);
  return rules === undefined ? undefined : rules.split(`\n${RULES_END}\n`)[0].split("\n").length;
}

describe("fake host: parallel IPVS changes to one director", function () {
  // 65 - 76 s for the 20 runs on a busy 2-core machine: each stand-in ipvsadm call starts node (13 per batch).
  this.timeout(300000);
  let host: FakeHost | undefined;
  /** Batch commands the providers ran, each with its number of changes. */
  let batches: number[] = [];
  /** Their scripts. */
  let scripts: string[] = [];
  let running = 0;
  let maxRunning = 0;
  /** Called when a batch command starts (before it runs). */
  let onBatch: (() => void) | undefined;

  before(async function () {
    this.timeout(30000);
    const h = await startFakeHost();
    host = h;
    // The providers' transport, counting the batch commands and how many run at once.
    const counting = transportOver(
      h.target,
      async (line, stdin) => {
        const changes = changesIn(line);
        if (changes === undefined) return h.transport.exec(line, stdin);
        batches.push(changes);
        scripts.push(line);
        running++;
        maxRunning = Math.max(maxRunning, running);
        onBatch?.();
        try {
          return await h.transport.exec(line, stdin);
        } finally {
          running--;
        }
      },
      new Map(),
    );
    installFakeHosts([{ ...h, transport: counting }]);
  });
  after(() => {
    uninstallFakeHosts();
    host?.stop();
  });

  const fake = (): FakeHost => {
    if (!host) throw new Error("the fake host did not start");
    return host;
  };
  const rs = (address: string, weight: number): ServerInputs =>
    ({
      connection: fake().connection,
      service: { protocol: "tcp", address: VIP, port: PORT },
      address,
      method: "route",
      weight,
    }) as ServerInputs;

  /** The saved rules and the table (`cat /etc/ipvsadm.rules`, `ipvsadm -Sn`) read in one command. */
  async function look(): Promise<{ saved: string; table: string }> {
    const out = await fake().sh("cat /etc/ipvsadm.rules; echo __SEP__; ipvsadm -Sn");
    const [saved, table] = out.split("__SEP__\n");
    return { saved, table };
  }

  /** After a change: the saved rules equal the table, and all 12 real servers are there with weight w. */
  async function assertSaved(what: string, w: number): Promise<void> {
    const { saved, table } = await look();
    assert.equal(saved, table, `${what}: /etc/ipvsadm.rules differs from ipvsadm -Sn`);
    const lines = table.split("\n").filter((l) => l !== "");
    assert.equal(lines[0], `-A -t ${VIP}:${PORT} -s wrr`, `${what}: the service`);
    const bulk = lines.filter((l) => l.startsWith(`-a -t ${VIP}:${PORT} `));
    assert.equal(bulk.length, BULK.length, `${what}: ${bulk.length} real servers:\n${table}`);
    assert.equal(lines.length, 1 + BULK.length, `${what}: nothing else in the table:\n${table}`);
    for (const a of BULK) {
      assert.ok(
        bulk.some((l) => l === `-a -t ${VIP}:${PORT} -r ${a}:${PORT} -g -w ${w}`),
        `${what}: ${a} has weight ${w}:\n${table}`,
      );
    }
    assert.ok(
      bulk.every((l) => l.endsWith(`-w ${w}`)),
      `${what}: every weight is ${w}`,
    );
  }

  it(`${RUNS} runs of 12 real servers changed in parallel keep /etc/ipvsadm.rules equal to ipvsadm -Sn; deleting them in parallel empties both`, async () => {
    const service = await create(ipvsServiceProvider, {
      connection: fake().connection,
      protocol: "tcp",
      address: VIP,
      port: PORT,
      scheduler: "wrr",
    } as InputsOf<typeof ipvsServiceProvider>);

    // The 12 created in one operation, in parallel (as `up` does).
    const checked = await Promise.all(BULK.map((a) => ipvsRealServerProvider.check!({} as ServerInputs, rs(a, 1))));
    for (const c of checked) assert.deepEqual(c.failures ?? [], [], "check refused the inputs");
    newOperation();
    batches = [];
    const created = await Promise.all(checked.map((c) => ipvsRealServerProvider.create(c.inputs as ServerInputs)));
    const ids = created.map((c) => c.id);
    let props = created.map((c) => c.outs as ServerProps);
    await assertSaved("after create", 1);
    assert.deepEqual(batches, [BULK.length], "the 12 creates ran as one batch");

    const t0 = Date.now();
    let commands = 0;
    for (let run = 0; run < RUNS; run++) {
      const w = run % 2 === 0 ? 2 : 5;
      const split = run % 2 === 1;
      const news = BULK.map((a) => rs(a, w));
      const checks = await Promise.all(news.map((n, i) => ipvsRealServerProvider.check!(props[i] as ServerInputs, n)));
      // One engine operation per run: one provider process, its IPVS table read once.
      newOperation();
      batches = [];
      maxRunning = 0;
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let gateOpenedDuringBatch = false;
      onBatch = () => {
        gateOpenedDuringBatch ||= running === 1;
        open();
      };
      const update = (i: number) => ipvsRealServerProvider.update!(ids[i], props[i], checks[i].inputs as ServerInputs);
      const outs = await Promise.all(BULK.map((_, i) => (split && i >= BULK.length / 2 ? gate.then(() => update(i)) : update(i))));
      onBatch = undefined;
      props = outs.map((o) => o.outs as ServerProps);
      assert.ok(
        props.every((p) => p.weight === w),
        `run ${run}: every update returned weight ${w}`,
      );
      assert.equal(maxRunning, 1, `run ${run}: two batch commands ran at once on the director`);
      if (split) {
        assert.ok(gateOpenedDuringBatch, `run ${run}: the last 6 updates started while the first batch ran`);
        assert.deepEqual(batches, [6, 6], `run ${run}: 6 changes, then the 6 queued behind them, as two batches`);
      } else {
        assert.deepEqual(batches, [BULK.length], `run ${run}: the 12 parallel changes ran as one batch`);
      }
      commands += batches.length;
      await assertSaved(`run ${run}`, w);
    }
    console.log(
      `      ${RUNS} runs of 12 parallel weight changes on a fake director: ${((Date.now() - t0) / 1000).toFixed(1)} s (${commands} batch commands)`,
    );

    // Delete: the 12 in parallel (one operation), then the service.
    newOperation();
    batches = [];
    maxRunning = 0;
    await Promise.all(BULK.map((_, i) => ipvsRealServerProvider.delete!(ids[i], props[i])));
    assert.equal(maxRunning, 1, "delete: two batch commands ran at once on the director");
    assert.deepEqual(batches, [BULK.length], "the 12 parallel deletes ran as one batch");
    const afterServers = await look();
    assert.equal(afterServers.saved, afterServers.table, "after deleting the real servers: /etc/ipvsadm.rules differs from ipvsadm -Sn");
    assert.equal(afterServers.table, `-A -t ${VIP}:${PORT} -s wrr\n`);
    await remove(ipvsServiceProvider, service.id, service.outs);
    const end = await look();
    assert.equal(end.table, "", "the table is empty");
    assert.equal(end.saved, "", "/etc/ipvsadm.rules is empty");
  });

  it("runs a batch as one ipvsadm -R; when a line fails, the table tells which took, and the others fail with their own message", async () => {
    const svc = (port: number) =>
      create(ipvsServiceProvider, {
        connection: fake().connection,
        protocol: "tcp",
        address: VIP,
        port,
        scheduler: "wrr",
      } as InputsOf<typeof ipvsServiceProvider>);
    const server = (port: number, address: string): ServerInputs =>
      ({
        connection: fake().connection,
        service: { protocol: "tcp", address: VIP, port },
        address,
        method: "route",
        weight: 1,
      }) as ServerInputs;
    newOperation();
    await svc(9001);
    await svc(9002);
    // The next operation reads the table (both services), then 9002 goes away behind the provider's back.
    newOperation();
    await ipvsRealServerProvider.read!("", { ...server(9001, "192.168.118.230"), port: 9001 } as unknown as ServerProps);
    await fake().sh(`ipvsadm -D -t ${VIP}:9002`);
    batches = [];
    scripts = [];
    const [ok, gone, ok2] = await Promise.allSettled([
      ipvsRealServerProvider.create(server(9001, "192.168.118.231")),
      ipvsRealServerProvider.create(server(9002, "192.168.118.232")),
      ipvsRealServerProvider.create(server(9001, "192.168.118.233")),
    ]);
    assert.equal(ok.status, "fulfilled");
    assert.equal(ok2.status, "fulfilled");
    assert.equal(gone.status, "rejected");
    assert.match(
      String((gone as PromiseRejectedResult).reason),
      new RegExp(`"ipvsadm -a -t ${VIP.replace(/\./g, "\\.")}:9002 -r 192\\.168\\.118\\.232:9002 -g -w 1" exited 1: Service not defined`),
    );
    assert.deepEqual(batches, [3, 1], "one ipvsadm -R for the three, then the failed one alone");
    assert.match(scripts[0], /ipvsadm -R/);
    assert.match(scripts[1], /__PULUMI_LVS_RC__/);
    const { saved, table } = await look();
    assert.equal(saved, table);
    assert.match(table, /-r 192\.168\.118\.231:9001 /);
    assert.match(table, /-r 192\.168\.118\.233:9001 /);
    newOperation();
    await fake().sh(`ipvsadm -D -t ${VIP}:9001`);
  });
});
