// Golden files: rendered output compared byte for byte with
// test/unit/golden/<kind>/<file>; UPDATE_GOLDEN=1 rewrites them instead
// (then read the diff before committing).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

export const GOLDEN_ROOT = path.resolve(__dirname, "../unit/golden");

export function goldenFor(kind: string): (file: string, actual: string) => void {
  const dir = path.join(GOLDEN_ROOT, kind);
  return (file, actual) => {
    const p = path.join(dir, file);
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(p, actual);
    }
    assert.equal(actual, fs.readFileSync(p, "utf8"), `${kind}/${file} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
  };
}
