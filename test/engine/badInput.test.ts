// The bad-input catalogue through the real engine: every entry of
// test/support/badInputs.ts (every resource) and the components' cross-host
// mistakes are refused at preview, with a message naming the field and what
// is allowed. The connections point at a closed port, so a host contact would
// fail with a connection error instead: none happens.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { DrCluster } from "../../stacks/components/drCluster";
import { NatCluster } from "../../stacks/components/natCluster";
import { VrrpGroup, VrrpMember } from "../../stacks/components/vrrpGroup";
import type { Host } from "../../stacks/hosts";
import { argsOf, BAD_INPUTS, CLOSED_PORT, RESOURCES } from "../support/badInputs";
import { inlineStack, testBackend, TestBackend } from "../support/engine";

const host = (name: string, addresses: Record<string, string>): Host => ({
  name,
  connection: pulumi.output(CLOSED_PORT),
  addresses,
  sshHost: "127.0.0.1",
  ssh: `ssh ${name}`,
});
const lan = (n: number) => ({ ens33: `192.168.118.${n}/24` });
const members = (a: Partial<VrrpMember>, b: Partial<VrrpMember>): VrrpMember[] => [
  { host: host("director1", lan(10)), state: "MASTER", priority: 120, ...a },
  { host: host("director2", lan(11)), state: "BACKUP", priority: 100, ...b },
];

const COMPONENTS: { what: string; program: () => void; message: RegExp }[] = [
  {
    what: "DR real server on another subnet",
    program: () =>
      new DrCluster("dr", {
        director: host("director1", lan(10)),
        nic: "ens33",
        vip: "192.168.118.100",
        realServers: [{ host: host("rs1", { ens33: "10.0.0.30/24" }) }],
      }),
    message: /DR real server rs1 \(10\.0\.0\.30\/24\) is not on director director1's subnet 192\.168\.118\.10\/24/,
  },
  {
    what: "VIP is a real server's own address",
    program: () =>
      new DrCluster("dr", {
        director: host("director1", lan(10)),
        nic: "ens33",
        vip: "192.168.118.30",
        realServers: [{ host: host("rs1", lan(30)) }],
      }),
    message: /the VIP 192\.168\.118\.30 is rs1's own address on ens33/,
  },
  {
    what: "VRRP pair with equal priorities",
    program: () =>
      new VrrpGroup("pair", { members: members({}, { priority: 120 }), interface: "ens33", virtualRouterId: 51, vip: "192.168.118.100" }),
    message: /distinct priorities; got director1=120, director2=120/,
  },
  {
    what: "VRRP pair with two MASTERs",
    program: () =>
      new VrrpGroup("pair", { members: members({}, { state: "MASTER" }), interface: "ens33", virtualRouterId: 51, vip: "192.168.118.100" }),
    message: /exactly one MASTER; got 2/,
  },
  {
    what: "VRRP MASTER with the lower priority",
    program: () =>
      new VrrpGroup("pair", { members: members({ priority: 90 }, {}), interface: "ens33", virtualRouterId: 51, vip: "192.168.118.100" }),
    message: /the MASTER director1 \(priority 90\) must have the highest priority/,
  },
  {
    what: "NAT real server outside the director's inside subnet",
    program: () =>
      new NatCluster("nat", {
        director: host("director", { ens33: "192.168.118.20/24", ens36: "12.0.0.20/24" }),
        wanNic: "ens36",
        lanNic: "ens33",
        vip: "12.0.0.20",
        realServers: [{ host: host("rs1", { ens33: "10.1.1.30/24" }) }],
      }),
    message: /NAT real server rs1 is not on the director's inside subnet 192\.168\.118\.20\/24/,
  },
];

async function refusal(backend: TestBackend, stackName: string, program: () => unknown): Promise<string> {
  // One project per lane: concurrent lanes must not share a work directory.
  const stack = await inlineStack(backend, `bad-input-${stackName}`, "bad", async () => {
    program();
  });
  // A preview whose program never reached the engine runs again (inlineStack).
  // Once, under load, a preview of a refused input reported success (the four
  // lanes share this process's Pulumi runtime): such a preview runs once more,
  // and a real regression, which succeeds every time, still fails the test.
  for (let succeeded = 0; ;) {
    try {
      await stack.preview();
      if (++succeeded < 2) {
        console.log(`      ${stackName}: a preview of refused input succeeded; preview again`);
        continue;
      }
      return "(the preview succeeded)";
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}

describe("bad input is refused at preview, naming the field and what is allowed (real engine)", function () {
  this.timeout(900000);
  let backend: TestBackend;
  const results = new Map<string, string>();
  before(async () => {
    backend = testBackend("bad-input-");
    // Four previews at a time, each on its own stack.
    const queue: { key: string; stack: string; run: () => unknown }[] = BAD_INPUTS.map((b, i) => ({
      key: `${b.kind}: ${b.what}`,
      stack: `s${i % 4}`,
      run: () => new RESOURCES[b.kind]("bad", argsOf(b) as never),
    }));
    queue.push(...COMPONENTS.map((c, i) => ({ key: `component: ${c.what}`, stack: `s${i % 4}`, run: c.program })));
    await Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (const q of queue.filter((x) => x.stack === `s${lane}`)) results.set(q.key, await refusal(backend, q.stack, q.run));
      }),
    );
  });
  after(() => backend?.dispose());

  it(`the catalogue has at least 60 entries over every resource kind (${BAD_INPUTS.length} + ${COMPONENTS.length} component mistakes)`, () => {
    assert.ok(BAD_INPUTS.length + COMPONENTS.length >= 60);
    assert.deepEqual(new Set(BAD_INPUTS.map((b) => b.kind)), new Set(Object.keys(RESOURCES)));
  });

  for (const b of BAD_INPUTS) {
    it(`${b.kind}: ${b.what}`, () => {
      const msg = results.get(`${b.kind}: ${b.what}`) ?? "";
      assert.ok(msg.includes(`property ${b.field} `) || msg.includes(b.field), `names ${b.field}:\n${msg}`);
      assert.match(msg, b.allowed);
      assert.doesNotMatch(msg, /ECONNREFUSED|cannot connect|ssh 127\.0\.0\.1/, "no host was contacted");
    });
  }

  for (const c of COMPONENTS) {
    it(`component: ${c.what}`, () => {
      const msg = results.get(`component: ${c.what}`) ?? "";
      assert.match(msg, /refusing to touch any host/);
      assert.match(msg, c.message);
      assert.doesNotMatch(msg, /ECONNREFUSED|cannot connect/);
    });
  }
});
