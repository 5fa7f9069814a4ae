// A stack whose hosts break the topology's rules is refused at preview, by
// the real engine, before any resource is declared: the message names the
// hosts and the rule. The inventory points at a closed port, so any attempt
// to reach a host would fail differently.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { closedInventory } from "../support/closedInventory";
import { testBackend, TestBackend } from "../support/engine";
import { projectStack } from "../support/stacks";

function writeInventory(dir: string, rs1: string): string {
  const key = path.join(dir, "key");
  fs.writeFileSync(key, "not a key\n");
  const file = path.join(dir, "inventory.yaml");
  fs.writeFileSync(file, closedInventory(key, rs1));
  return file;
}

describe("stacks refuse a broken topology at preview (real engine)", function () {
  let backend: TestBackend;
  before(() => (backend = testBackend("checks-")));
  after(() => backend.dispose());

  it("dr: a real server off the director's segment", async () => {
    const stack = await projectStack(backend, "dr", { inventory: writeInventory(backend.dir, "10.9.9.30/24") });
    await assert.rejects(
      stack.preview(),
      /stack dr: refusing to touch any host:[\s\S]*DR real server rs1 \(10\.9\.9\.30\/24\) is not on director director1's subnet 192\.168\.118\.10\/24/,
    );
  });

  it("dr-keepalived: the VIP is a real server's own address", async () => {
    const stack = await projectStack(backend, "dr-keepalived", { inventory: writeInventory(backend.dir, "192.168.118.100/24") });
    await assert.rejects(stack.preview(), /refusing to touch any host:[\s\S]*the VIP 192\.168\.118\.100 is rs1's own address on ens33/);
  });
});
