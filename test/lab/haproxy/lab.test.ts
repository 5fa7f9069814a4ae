// The lab itself on the haproxy preset.
import { strict as assert } from "node:assert";
import { loadInventory } from "../../../stacks/inventory";
import { allHostsPinned, ok, usePreset } from "../../support/labChecks";

describe("lab: preset haproxy", function () {
  this.timeout(600000);
  usePreset("haproxy");

  it("has two HAProxy hosts with haproxy installed and two nginx real servers", async () => {
    await allHostsPinned(["client", "haproxy1", "haproxy2", "rs1", "rs2"]);
    const inv = loadInventory();
    assert.deepEqual(inv.groups.haproxies, ["haproxy1", "haproxy2"]);
    for (const h of ["haproxy1", "haproxy2"]) {
      assert.match(ok(h, "haproxy -v"), /HAProxy version/);
      assert.equal(ok(h, "curl -s http://192.168.118.30/").trim(), "this is nginx1");
    }
    assert.equal(ok("client", "curl -s http://192.168.118.40/").trim(), "this is nginx2");
  });
});
