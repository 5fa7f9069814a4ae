// The engine-floor benchmark's pure core (bench/floorReport.ts): the stack's
// shape per size, process roles and /proc parsing, summaries, the ratios to
// bench/results.md and the report.
import { strict as assert } from "node:assert";
import {
  descendants,
  FloorSample,
  floorMarkdown,
  floorShape,
  floorTable,
  parseResults,
  ppidOf,
  ratios,
  ratioTable,
  reweightedCount,
  roleOf,
  summarizeFloor,
  vmHwmKb,
} from "../../bench/floorReport";
import { reweighted } from "../../stacks/scale";

const sample = (n: number, op: FloorSample["op"], run: number, seconds: number, peakKb: FloorSample["peakKb"] = {}): FloorSample => ({
  n,
  resources: floorShape(n).resources,
  op,
  run,
  seconds,
  changes: "",
  peakKb,
});

describe("engine floor benchmark core", () => {
  it("shapes the stack like the scale stack: 10 services up to 500 real servers, 50 x 100 at 5,000", () => {
    assert.deepEqual(floorShape(50), { services: 10, serversPerService: 5, resources: 60 });
    assert.deepEqual(floorShape(500), { services: 10, serversPerService: 50, resources: 510 });
    assert.deepEqual(floorShape(5000), { services: 50, serversPerService: 100, resources: 5050 });
    assert.throws(() => floorShape(55), /do not split evenly/);
    assert.throws(() => floorShape(5), /integer >= 10/);
  });

  it("counts the reweighted servers as the scale stack's rule picks them", () => {
    for (const [n, pct] of [
      [50, 10],
      [500, 10],
      [5000, 10],
      [500, 0],
      [500, 25],
    ]) {
      const picked = Array.from({ length: n }, (_, i) => i + 1).filter((i) => reweighted(i, pct)).length;
      assert.equal(reweightedCount(n, pct), picked, `${n} at ${pct}%`);
    }
    assert.equal(reweightedCount(500, 10), 50);
  });

  it("tells the processes of a CLI command apart by their command line", () => {
    const root = "/root/.cache/pulumi-lvs/toolchain/pulumi-v3/bin";
    assert.equal(roleOf([`${root}/pulumi`, "up", "--yes"]), "cli");
    assert.equal(roleOf([`${root}/pulumi-language-nodejs`, "-root", "/x", "127.0.0.1:4000"]), "language");
    assert.equal(roleOf(["node", "/w/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:4001"]), "provider");
    assert.equal(roleOf(["/usr/bin/node", "/w/node_modules/@pulumi/pulumi/cmd/run/index.js", "--monitor", "x"]), "program");
    assert.equal(roleOf(["/bin/sh", `${root}/pulumi-resource-pulumi-nodejs`]), undefined);
    assert.equal(roleOf(["node", "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))"]), undefined);
    assert.equal(roleOf([]), undefined);
  });

  it("reads VmHWM and the parent pid from /proc", () => {
    assert.equal(vmHwmKb("Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  153600 kB\nVmRSS:\t 1200 kB\n"), 153600);
    assert.equal(vmHwmKb("Name:\tkthreadd\nState:\tS (sleeping)\n"), undefined);
    assert.equal(ppidOf("4242 (node) S 4100 4242 4100 0 -1 4194560"), 4100);
    assert.equal(ppidOf("77 (a (weird) name) R 12 77 77 0"), 12);
    assert.equal(ppidOf("garbage"), undefined);
  });

  it("finds a process tree's descendants", () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ]);
    assert.deepEqual(descendants(10, parents), [11, 12, 13]);
    assert.deepEqual(descendants(20, parents), []);
  });

  it("summarizes runs per size and operation: min, median, max, the largest peak RSS and state", () => {
    const rows = summarizeFloor([
      sample(500, "up", 1, 30, { cli: 300_000, provider: 150_000 }),
      sample(50, "up", 1, 5),
      { ...sample(500, "destroy", 1, 9), stateBytes: 10 },
      sample(500, "up", 2, 20, { cli: 310_000 }),
      sample(500, "up", 3, 25, { cli: 290_000, program: 200_000 }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.n, r.op]),
      [
        [50, "up"],
        [500, "up"],
        [500, "destroy"],
      ],
    );
    assert.deepEqual(rows[1], {
      n: 500,
      resources: 510,
      op: "up",
      runs: 3,
      min: 20,
      median: 25,
      max: 30,
      peakKb: { cli: 310_000, program: 200_000, provider: 150_000 },
    });
    assert.equal(rows[2].stateBytes, 10);
    const table = floorTable(rows);
    assert.match(table, /\| 500 \| 510 \| up \| 3 \| 20\.00 \| 25\.00 \| 30\.00 \| 303 \| - \| 195 \| 146 \| - \|/);
    assert.match(table, /\| 500 \| 510 \| destroy \| 1 \|.*\| 0\.0 \|$/m);
  });

  it("reads the Pulumi rows of bench/results.md and divides them by the floor", () => {
    const md = [
      "| tool | stack | operation | runs | min s | median s | max s | SSH connections per host (max) | sessions on all hosts (median) |",
      "|---|---|---|---:|---:|---:|---:|---:|---:|",
      "| pulumi | scale-500 | up | 1 | 113.50 | 113.50 | 113.50 | 1 | 139 |",
      "| pulumi | scale-500 | refresh | 3 | 4.00 | 4.35 | 5.00 | 1 | 1 |",
      "| ansible | nat-lab | apply | 3 | 55.26 | 55.26 | 56.89 | 1 | 49 |",
      "| stack | Pulumi | median s | Ansible | median s | Ansible / Pulumi | sessions Pulumi / Ansible |",
      "| nat-lab | up | 8.68 | apply | 55.26 | 6.4x | 11 / 49 |",
    ].join("\n");
    const ours = parseResults(md);
    assert.deepEqual(ours, [
      { stack: "scale-500", op: "up", runs: 1, median: 113.5 },
      { stack: "scale-500", op: "refresh", runs: 3, median: 4.35 },
    ]);
    const rows = summarizeFloor([sample(500, "up", 1, 22.7), sample(500, "refresh", 1, 2.9), sample(500, "preview", 1, 5)]);
    const rs = ratios(rows, ours);
    assert.deepEqual(
      rs.map((r) => [r.op, r.ratio.toFixed(2), r.above.toFixed(2)]),
      [
        ["up", "5.00", "90.80"],
        ["refresh", "1.50", "1.45"],
      ],
    );
    assert.match(ratioTable(rs), /\| 500 \| up \| 113\.50 \(1\) \| 22\.70 \| 5\.00x \| 90\.80 \| 22\.70 \| 5\.00x \|/);
    const two = ratios(summarizeFloor([sample(500, "up", 1, 20), sample(500, "up", 2, 30), sample(500, "up", 3, 25)]), ours);
    assert.deepEqual([two[0].floor, two[0].floorMin, two[0].ratioMin.toFixed(3)], [25, 20, "5.675"]);
    const stopped = summarizeFloor([{ ...sample(500, "up", 1, 300), timedOut: true, done: 120 }]);
    assert.deepEqual(ratios(stopped, ours), [], "a run stopped at the time limit gives no ratio");
    assert.match(
      floorTable(stopped),
      /\| up \(stopped at the time limit: 120 of 510 created\) \| 1 \| > 300\.00 \| > 300\.00 \| > 300\.00 \|/,
    );
    const others = summarizeFloor([
      { ...sample(500, "destroy", 1, 300), timedOut: true, done: 500 },
      { ...sample(500, "reweight", 1, 300), timedOut: true, done: 510 },
    ]);
    assert.match(floorTable(others), /\| reweight \(stopped at the time limit\) \|/);
    assert.match(floorTable(others), /\| destroy \(stopped at the time limit: 10 of 510 deleted\) \|/);
  });

  it("writes the report with the tables and the notes", () => {
    const rows = summarizeFloor([sample(50, "up", 1, 5)]);
    const md = floorMarkdown(
      { startedAt: new Date("2026-12-01T04:00:00Z"), minutes: 12, machine: "2 x cpu", cli: "Pulumi CLI v3", notes: ["a note"] },
      rows,
      [],
    );
    assert.match(md, /^# Benchmark: the engine's floor\n/);
    assert.match(md, /on 2026-12-01 04:00 UTC in 12 min: 2 x cpu; Pulumi CLI v3\./);
    assert.match(md, /\| 50 \| 60 \| up \| 1 \| 5\.00 \| 5\.00 \| 5\.00 \|/);
    assert.match(md, /No scale rows in \[results\.md\]/);
    assert.match(md, /^- a note$/m);
  });
});
