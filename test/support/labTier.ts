// Root hooks of the lab tier (loaded by test/.mocharc.lab.json): at the end,
// even after failures, the lab is stopped and nothing it started keeps running,
// and each preset's VM was started at most once (suites of one preset share it
// through `lab.use`, which resets instead of booting).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as lab from "../../lab/lab";

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120000);
    const s = lab.labState();
    await lab.down();
    if (s) assert.equal(fs.existsSync(`/proc/${s.qemuPid}`), false, "qemu is gone after down");
    const starts = Object.entries(lab.counters.starts);
    console.log(
      `\n  lab tier: VM starts ${starts.map(([p, n]) => `${p} ${n}`).join(", ") || "none"}; resets ${
        Object.entries(lab.counters.resets)
          .map(([p, n]) => `${p} ${n}`)
          .join(", ") || "none"
      }`,
    );
    const twice = starts.filter(([, n]) => n > 1);
    assert.deepEqual(
      twice,
      [],
      "each preset's VM starts at most once per lab tier (suites of a preset share it; order the spec by preset)",
    );
  },
};
