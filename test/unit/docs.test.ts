// The generated parts of README.md and docs/resources.md are what
// scripts/docs.ts makes from the resource declarations.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles, readmeList } from "../../scripts/docs";
import { KIND_NAMES } from "../../providers/registry";

describe("generated docs", () => {
  it("README.md and docs/resources.md are up to date (run npm run docs)", () => {
    for (const [file, text] of generatedFiles()) {
      assert.ok(fs.readFileSync(path.join(__dirname, "../..", file), "utf8") === text, `${file} is stale: run npm run docs`);
    }
  });

  it("every kind is in the README's list and has a field table", () => {
    const resources = fs.readFileSync(path.join(__dirname, "../../docs/resources.md"), "utf8");
    for (const k of KIND_NAMES) {
      assert.match(readmeList(), new RegExp(`\`${k}\``));
      assert.match(resources, new RegExp(`### \`${k}\``));
    }
  });
});
