// The dr-ipv6 stack through the real engine, offline: on the dr preset's
// hosts (each with its fd00:118::/64 address in addresses6) at a closed port,
// preview passes the program's checks and every resource's own check, and
// plans the IPv6 cluster's resources; no host is dialled (any dial would fail).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { closedInventory } from "../support/closedInventory";
import { testBackend, TestBackend } from "../support/engine";
import { projectStack } from "../support/stacks";
import { parseInventory, renderInventory } from "../../stacks/inventory";

describe("dr-ipv6 previews offline through the real engine", function () {
  let backend: TestBackend;
  before(() => (backend = testBackend("dr6-")));
  after(() => backend.dispose());

  it("plans the cluster on the lab's IPv6 segment: director sysctls and VIP, the service, per real server sysctls, VIP on lo, real server", async () => {
    const key = path.join(backend.dir, "key");
    fs.writeFileSync(key, "not a key\n");
    const inv = parseInventory(closedInventory(key), "inventory.yaml");
    const six: Record<string, number> = { director1: 10, director2: 11, client: 20, rs1: 30, rs2: 40 };
    for (const [name, n] of Object.entries(six)) inv.hosts[name].addresses6 = { ens33: `fd00:118::${n}/64` };
    const file = path.join(backend.dir, "inventory.yaml");
    fs.writeFileSync(file, renderInventory(inv));
    const stack = await projectStack(backend, "dr-ipv6", { inventory: file });
    const events: { op?: string; type?: string; urn?: string }[] = [];
    const r = await stack.preview({
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m) events.push({ op: m.op, type: m.type, urn: m.urn });
      },
    });
    const planned = events
      .filter((e) => e.op === "create" && e.type?.startsWith("pulumi-nodejs:dynamic/"))
      .map((e) => `${e.type?.replace("pulumi-nodejs:dynamic/pulumi-lvs:", "")} ${e.urn?.split("::").pop()}`)
      .sort();
    assert.deepEqual(planned, [
      "IpvsRealServer dr-ipv6-rs1",
      "IpvsRealServer dr-ipv6-rs2",
      "IpvsService dr-ipv6-service",
      "SysctlSet dr-ipv6-director-sysctls",
      "SysctlSet dr-ipv6-rs1-sysctls",
      "SysctlSet dr-ipv6-rs2-sysctls",
      "VipAlias dr-ipv6-director-vip",
      "VipAlias dr-ipv6-rs1-vip",
      "VipAlias dr-ipv6-rs2-vip",
    ]);
    assert.equal(r.changeSummary.create, 11, "the nine resources, the DrCluster component and the stack");
  });
});
