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
import { parseInventory, renderInventory } from "../../stacks/inventory";

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

  it("dr-ipv6: the VIP is the client's IPv6 address, and a real server has no IPv6 address", async () => {
    const inv = parseInventory(fs.readFileSync(writeInventory(backend.dir, "192.168.118.30/24"), "utf8"), "inventory.yaml");
    const six: Record<string, string> = { director1: "10", director2: "11", client: "100", rs2: "40" };
    for (const [name, n] of Object.entries(six)) inv.hosts[name].addresses6 = { ens33: `fd00:118::${n}/64` };
    const file = path.join(backend.dir, "inventory6.yaml");
    fs.writeFileSync(file, renderInventory(inv));
    const stack = await projectStack(backend, "dr-ipv6", { inventory: file });
    await assert.rejects(
      stack.preview(),
      /stack dr-ipv6: refusing to touch any host:[\s\S]*the VIP fd00:118::100 is client's own address on ens33[\s\S]*the VIP fd00:118::100 is IPv6 but real server rs1's address 192\.168\.118\.30 is IPv4/,
    );
  });
});
