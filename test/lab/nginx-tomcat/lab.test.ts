// The lab itself on the nginx-tomcat preset.
import { strict as assert } from "node:assert";
import { loadInventory } from "../../../stacks/inventory";
import * as lab from "../../../lab/lab";
import { allHostsPinned, usePreset } from "../../support/labChecks";

describe("lab: preset nginx-tomcat", function () {
  this.timeout(600000);
  usePreset("nginx-tomcat");

  it("has the dr hosts plus two tomcats answering on 8080", async () => {
    await allHostsPinned(["client", "director1", "director2", "rs1", "rs2", "tomcat1", "tomcat2"]);
    const inv = loadInventory();
    assert.deepEqual(inv.groups.appservers, ["tomcat1", "tomcat2"]);
    for (const t of ["192.168.118.50", "192.168.118.60"]) {
      let code = "000";
      for (let i = 0; i < 90 && code === "000"; i++) {
        code = lab.exec("rs1", `curl -s -o /dev/null -m 5 -w '%{http_code}' http://${t}:8080/`).stdout.trim();
        if (code === "000") await new Promise((r) => setTimeout(r, 2000));
      }
      assert.match(code, /^[2-4]\d\d$/, `tomcat at ${t}:8080 answers HTTP (got ${code})`);
    }
  });
});
