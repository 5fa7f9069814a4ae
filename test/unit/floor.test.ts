// The engine-floor benchmark's pure core (bench/floorReport.ts): the stack's
// shape per size, process roles and /proc parsing, the host-side floor's rules.
import { strict as assert } from "node:assert";
import { descendants, floorShape, hostFloorRules, ppidOf, reweightedCount, roleOf, vmHwmKb } from "../../bench/floorReport";
import { reweighted } from "../../stacks/scale";

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

  it("writes the host-side floor as ipvsadm -R input: the scale stack's rules, a 10% reweight, every service removed", () => {
    const r = hostFloorRules(500, "192.168.118.100", "10.10");
    const restore = r.restore.trim().split("\n");
    assert.equal(restore.length, 510);
    assert.equal(restore[0], "-A -t 192.168.118.100:8001 -s wrr");
    assert.equal(restore[1], "-a -t 192.168.118.100:8001 -r 10.10.1.1:8001 -g -w 1");
    assert.equal(restore[510 - 1], "-a -t 192.168.118.100:8010 -r 10.10.10.50:8010 -g -w 1");
    const reweight = r.reweight.trim().split("\n");
    assert.equal(reweight.length, reweightedCount(500, 10));
    assert.equal(reweight[0], "-e -t 192.168.118.100:8001 -r 10.10.1.10:8001 -g -w 2");
    for (let i = 1; i <= 50; i++)
      assert.equal(reweighted(i, 10), reweight.includes(`-e -t 192.168.118.100:8001 -r 10.10.1.${i}:8001 -g -w 2`));
    assert.deepEqual(r.remove.trim().split("\n").slice(0, 2), ["-D -t 192.168.118.100:8001", "-D -t 192.168.118.100:8002"]);
    assert.equal(hostFloorRules(5000, "192.168.118.100", "10.10").restore.trim().split("\n").length, 5050);
  });
});
