// dr-fwmark through the real engine, offline: its committed lab config with
// an inventory whose hosts are at a closed port. A broken topology (a real
// server off the director's segment, a port given twice) is refused at
// preview naming the hosts or the ports; a sound one previews the MARK rule,
// the fwmark service and the nginx sites without reaching any host.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { closedInventory } from "../support/closedInventory";
import { testBackend, TestBackend } from "../support/engine";
import { projectStack } from "../support/stacks";

function writeInventory(dir: string, rs1?: string): string {
  const key = path.join(dir, "key");
  fs.writeFileSync(key, "not a key\n");
  const file = path.join(dir, "inventory.yaml");
  fs.writeFileSync(file, closedInventory(key, rs1));
  return file;
}

describe("stack dr-fwmark at preview (real engine, no host reached)", function () {
  let backend: TestBackend;
  before(() => (backend = testBackend("fwmark-")));
  after(() => backend.dispose());

  it("refuses a real server off the director's segment", async () => {
    const stack = await projectStack(backend, "dr-fwmark", { inventory: writeInventory(backend.dir, "10.9.9.30/24") });
    await assert.rejects(
      stack.preview(),
      /stack dr-fwmark: refusing to touch any host:[\s\S]*DR real server rs1 \(10\.9\.9\.30\/24\) is not on director director1's subnet 192\.168\.118\.10\/24/,
    );
  });

  it("refuses a port given twice and a mark out of range, naming them", async () => {
    const dup = await projectStack(backend, "dr-fwmark", { inventory: writeInventory(backend.dir), ports: "[80,8080,8080]" });
    await assert.rejects(
      dup.preview(),
      /stack dr-fwmark: refusing to touch any host:[\s\S]*ports must be distinct; got 8080 more than once/,
    );
    const big = await projectStack(backend, "dr-fwmark", {
      inventory: writeInventory(backend.dir),
      ports: "[80,8080]",
      fwmark: "4294967296",
    });
    await assert.rejects(big.preview(), /pulumi-lvs:fwmark must be an integer 1\.\.4294967295; got "4294967296"/);
  });

  it("previews the MARK rule, the fwmark service, the real servers and the nginx sites of the lab's config", async () => {
    // The stack (and its config) persists on the backend between tests: the earlier tests' values are set back.
    const stack = await projectStack(backend, "dr-fwmark", { inventory: writeInventory(backend.dir), fwmark: "1", ports: "[80,8080]" });
    const events: string[] = [];
    const r = await stack.preview({
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op === "create") events.push(m.urn.slice(m.urn.lastIndexOf("::") + 2));
      },
    });
    // The stack, the DrCluster, its 4 director resources (sysctls, VIP, MARK rule, service), 3 per real server, 2 sites.
    assert.equal(r.changeSummary.create, 14, `creates: ${events.join(", ")}`);
    assert.deepEqual(Object.keys(r.changeSummary), ["create"], "only creates");
    for (const name of [
      "dr-fwmark-mark",
      "dr-fwmark-service",
      "dr-fwmark-rs1",
      "dr-fwmark-rs2",
      "dr-fwmark-rs1-vip",
      "dr-fwmark-rs1-www-8080",
      "dr-fwmark-rs2-www-8080",
      "dr-fwmark-director-vip",
    ])
      assert.ok(events.includes(name), `${name} in ${events.join(", ")}`);
  });
});
