// The benchmark's pure core: sshd log counting, summaries, the Pulumi/Ansible
// pairing, the comparison with the engine's floor, the PLAY RECAP parser and
// the SVG chart.
import { strict as assert } from "node:assert";
import { parseRecap } from "../../bench/ansible";
import {
  barChart,
  compare,
  countSshd,
  floorComparisons,
  floorComparisonTable,
  floorGoals,
  goals,
  median,
  ratio,
  Sample,
  stackSvgs,
  summarize,
} from "../../bench/report";
import { reweighted } from "../../stacks/scale";

const host = (connections: number, sessions: number) => ({ connections, sessions });

describe("benchmark core", () => {
  it("counts connections and sessions in sshd's VERBOSE log", () => {
    const log = [
      'Connection from 10.0.2.15 port 40112 on 192.168.118.10 port 22 rdomain ""',
      "Accepted publickey for root from 10.0.2.15 port 40112 ssh2: ED25519 SHA256:abc",
      "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)",
      "Starting session: command for root from 10.0.2.15 port 40112 id 0",
      "Starting session: command for root from 10.0.2.15 port 40112 id 1",
      "Starting session: subsystem 'sftp' for root from 10.0.2.15 port 40112 id 2",
      "Close session: user root from 10.0.2.15 port 40112 id 0",
      "Failed publickey for root from 10.0.2.15 port 40114 ssh2",
    ].join("\n");
    assert.deepEqual(countSshd(log), host(1, 3));
    assert.deepEqual(countSshd(""), host(0, 0));
  });

  it("summarizes runs: min, median, max, connections per host, sessions", () => {
    const s = (seconds: number, hosts: Sample["hosts"], extra: Partial<Sample> = {}): Sample => ({
      tool: "pulumi",
      stack: "nat-lab",
      op: "up",
      seconds,
      hosts,
      ...extra,
    });
    const rows = summarize([
      s(3, { a: host(1, 4), b: host(1, 2) }, { peakKb: { cli: 300, provider: 90 }, stateBytes: 10 }),
      s(1, { a: host(1, 4), b: host(2, 2) }, { peakKb: { cli: 200, provider: 120 }, stateBytes: 30 }),
      s(2, { a: host(1, 5), b: host(1, 2) }),
    ]);
    assert.deepEqual(rows, [
      {
        tool: "pulumi",
        stack: "nat-lab",
        op: "up",
        runs: 3,
        min: 1,
        median: 2,
        max: 3,
        maxConnectionsPerHost: 2,
        sessions: 6,
        peakKb: { cli: 300, provider: 120 },
        stateBytes: 30,
      },
    ]);
    assert.deepEqual(summarize([s(1, {})])[0].peakKb, {});
    assert.equal(summarize([s(1, {})])[0].stateBytes, undefined);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /no values/);
  });

  it("pairs each Pulumi operation with its Ansible peer", () => {
    const mk = (tool: Sample["tool"], op: string, seconds: number): Sample => ({ tool, stack: "nat-lab", op, seconds, hosts: {} });
    const cs = compare(
      summarize([
        mk("pulumi", "up", 5),
        mk("ansible", "apply", 20),
        mk("pulumi", "preview", 3),
        mk("pulumi", "noop-up", 2),
        mk("pulumi", "up-refresh", 4),
        mk("ansible", "noop-apply", 10),
      ]),
    );
    assert.deepEqual(
      cs.map((c) => [c.op, c.ansible.op, c.speedup]),
      [
        ["up", "apply", 4],
        ["noop-up", "noop-apply", 5],
        ["up-refresh", "noop-apply", 2.5],
      ],
    );
  });

  it("pairs the scale stack's reweight with the Ansible reference's, stack by stack", () => {
    const mk = (tool: Sample["tool"], stack: string, op: string, seconds: number): Sample => ({ tool, stack, op, seconds, hosts: {} });
    const cs = compare(
      summarize([
        mk("pulumi", "scale-500", "reweight", 30),
        mk("ansible", "scale-500", "reweight", 15),
        mk("pulumi", "scale-50", "reweight", 8),
        mk("floor", "scale-50", "reweight", 7),
      ]),
    );
    assert.deepEqual(
      cs.map((c) => [c.stack, c.op, c.ansible.op, c.speedup]),
      [["scale-500", "reweight", "reweight", 0.5]],
    );
  });

  it("divides each scale operation by the floor's in the same run, with ipvsadm -R beside it, and judges the floor goals", () => {
    const mk = (tool: Sample["tool"], stack: string, op: string, seconds: number, peakKb?: Sample["peakKb"]): Sample => ({
      tool,
      stack,
      op,
      seconds,
      hosts: {},
      ...(peakKb ? { peakKb } : {}),
    });
    const mem = { cli: 2048, provider: 1024 };
    const samples = [
      mk("pulumi", "scale-500", "up", 120, mem),
      mk("pulumi", "scale-500", "up", 100, mem),
      mk("pulumi", "scale-500", "up", 110, mem),
      mk("floor", "scale-500", "up", 100, mem),
      mk("floor", "scale-500", "up", 90, mem),
      mk("floor", "scale-500", "up", 80, mem),
      mk("ipvsadm", "scale-500", "restore", 1.5),
      mk("pulumi", "scale-500", "refresh", 5, mem),
      mk("floor", "scale-500", "refresh", 3, mem),
      mk("pulumi", "scale-50", "up", 20, mem),
      mk("floor", "scale-50", "up", 5, mem),
      mk("pulumi", "nat-lab", "up", 8, mem),
    ];
    const cs = floorComparisons(summarize(samples));
    assert.deepEqual(
      cs.map((c) => [c.n, c.op, c.ours.median, c.floor.median, Number(c.ratio.toFixed(3)), c.host?.median]),
      [
        [50, "up", 20, 5, 4, undefined],
        [500, "up", 110, 90, 1.222, 1.5],
        [500, "refresh", 5, 3, 1.667, undefined],
      ],
    );
    const table = floorComparisonTable(cs);
    assert.match(
      table,
      /\| 500 \| up \| 3 \| 100\.00 \/ \*\*110\.00\*\* \/ 120\.00 \| 80\.00 \/ \*\*90\.00\*\* \/ 100\.00 \| 1\.22x \| 20\.00 \| 1\.50 \| 2 \/ 2 \| 1 \/ 1 \|/,
    );
    const [at500, big] = floorGoals(summarize(samples));
    assert.equal(at500.met, false, "refresh is 1.67x");
    assert.match(at500.measured, /up 1\.22x, refresh 1\.67x/);
    assert.equal(big.met, false);
    assert.match(big.measured, /up missing/);
    const within = floorGoals(summarize(samples.filter((x) => x.op !== "refresh")))[0];
    assert.equal(within.met, true);
    const bigOps = ["up", "noop-up", "refresh", "reweight", "destroy"].map((op) => mk("pulumi", "scale-5000", op, 60, mem));
    assert.equal(floorGoals(summarize(bigOps))[1].met, true);
    const noMemory = bigOps.map((x) => (x.op === "reweight" ? { ...x, peakKb: { cli: 1 } } : x));
    assert.equal(floorGoals(summarize(noMemory))[1].met, false, "the provider's peak RSS is missing");
    assert.equal(floorGoals([])[0].met, false, "no data is not met");
  });

  it("sums the PLAY RECAP over hosts and refuses output without one", () => {
    const out = `PLAY RECAP *********************************************************************
director                   : ok=9    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
rs1                        : ok=4    changed=1    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
`;
    assert.deepEqual(parseRecap(out), { ok: 13, changed: 4, failed: 1, unreachable: 0 });
    assert.throws(() => parseRecap("ERROR! the playbook could not be found"), /no PLAY RECAP/);
  });

  it("draws one bar per series and label, escapes text, and stacks charts", () => {
    const svg = barChart("a <b> & c", "s", [
      { label: "up", series: "x", min: 1, median: 2, max: 3 },
      { label: "up", series: "y", min: 4, median: 5, max: 6 },
      { label: "refresh", series: "x", min: 1, median: 1, max: 1 },
    ]);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="760" height="\d+"/);
    assert.equal((svg.match(/<line x1=/g) ?? []).length, 3 + 1, "three whiskers and the axis");
    assert.ok(svg.includes("a &lt;b&gt; &amp; c"));
    const both = stackSvgs([svg, svg]);
    const h = Number(svg.match(/height="(\d+)"/)?.[1]);
    assert.match(both, new RegExp(`height="${2 * h}"`));
    assert.equal((both.match(/<svg /g) ?? []).length, 1);
  });

  it("writes a ratio with one decimal, and with two below 1", () => {
    assert.equal(ratio(3.94), "3.9x");
    assert.equal(ratio(2.96 / 76.58), "0.04x");
    assert.equal(ratio(0.756), "0.76x");
  });

  it("reweights the given share of the scale stack's real servers", () => {
    const count = (percent: number) => Array.from({ length: 500 }, (_, i) => i + 1).filter((i) => reweighted(i, percent)).length;
    assert.equal(count(10), 50);
    assert.equal(count(0), 0);
    assert.equal(count(100), 500);
  });

  it("judges the goals from medians and counts, and misses a goal without data", () => {
    const mk = (tool: Sample["tool"], stack: string, op: string, seconds: number, connections = 0, sessions = 0): Sample => ({
      tool,
      stack,
      op,
      seconds,
      hosts: { h: host(connections, sessions) },
    });
    const samples = [
      mk("pulumi", "nat-lab", "up", 5, 1, 9),
      mk("ansible", "nat-lab", "apply", 30, 1, 60),
      mk("pulumi", "nat-lab", "noop-up", 4),
      mk("ansible", "nat-lab", "noop-apply", 7, 1, 40),
      mk("pulumi", "scale-500", "preview", 8),
      mk("pulumi", "scale-500", "refresh", 4, 1, 1),
    ];
    const g = goals(summarize(samples));
    const met = Object.fromEntries(g.map((x) => [x.goal, x.met]));
    assert.equal(met["no-op `up` runs no write command and opens at most one SSH connection per host"], true);
    assert.equal(met["`refresh` of 500 real servers reads the IPVS table once per host (one command on the director)"], true);
    assert.equal(met["`refresh` of 500 real servers takes under 3x a no-op `preview` of the same stack"], true);
    assert.equal(met["nat-lab: cold `up` at least 2x faster than Ansible's apply"], true);
    assert.equal(met["nat-lab: no-op `up` at least 2x faster than Ansible's noop-apply"], false, "7 s is not 2x 4 s");
    assert.equal(met["dr-keepalived: cold `up` at least 2x faster than Ansible's apply"], false, "no data");
  });
});
