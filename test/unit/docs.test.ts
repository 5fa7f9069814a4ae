// The generated parts of README.md and docs/resources.md are what
// scripts/docs.ts makes from the resource declarations.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles, kindDocs, readmeList } from "../../scripts/docs";
import { undocumentedArgsFields } from "../../scripts/apiDocs";
import { fieldsOf } from "../../providers/common/define";
import { KIND_NAMES, KINDS } from "../../providers/registry";

describe("generated docs", () => {
  it("README.md, docs/resources.md and docs/api/ are up to date (run npm run docs)", function () {
    this.timeout(60_000);
    for (const [file, text] of generatedFiles()) {
      assert.ok(fs.readFileSync(path.join(__dirname, "../..", file), "utf8") === text, `${file} is stale: run npm run docs`);
    }
  });

  it("each kind declares every field of its Args, and each field and class has TSDoc", () => {
    for (const k of KIND_NAMES) {
      const d = KINDS[k].decl;
      const docs = kindDocs(d);
      const inputs = [...fieldsOf(d, "replace"), ...fieldsOf(d, "update")];
      assert.deepEqual([...docs.args].filter((a) => a !== "connection").sort(), [...inputs].sort(), `${k}Args and the declared fields`);
      for (const f of [...inputs, ...fieldsOf(d, "output")]) assert.ok(docs.fields.get(f), `${k}.${f} has no TSDoc`);
      assert.ok(docs.doc, `${k}: the class has no TSDoc`);
    }
  });

  it("every exported Args field of the package says Required or its Default, and what a change does (docs/api/)", function () {
    this.timeout(60_000);
    assert.deepEqual(undocumentedArgsFields(), []);
  });

  it("every kind is in the README's list and has a field table", () => {
    const resources = fs.readFileSync(path.join(__dirname, "../../docs/resources.md"), "utf8");
    for (const k of KIND_NAMES) {
      assert.match(readmeList(), new RegExp(`\`${k}\``));
      assert.match(resources, new RegExp(`### \`${k}\``));
    }
  });
});
