// Each kind's id (what an `import` option names): a pure function of the
// inputs, starting with the host's user@host:port, and documented in
// docs/adoption.md.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KIND_NAMES, KINDS } from "../../providers/registry";
import { targetOf } from "../../providers/transport/types";
import { VALID_ARGS } from "../support/badInputs";

const connection = { host: "192.0.2.10", port: 2222, user: "admin", privateKey: "k", hostKeySha256: `SHA256:${"A".repeat(43)}` };
const doc = fs.readFileSync(path.join(__dirname, "../../docs/adoption.md"), "utf8");

describe("ids by kind (adoption)", () => {
  for (const k of KIND_NAMES) {
    const id = KINDS[k].decl.id;
    if (k === "GeneratedSecret") {
      it("GeneratedSecret lives on no host: no id to adopt by, and the docs say so", () => {
        assert.equal(id, undefined);
        assert.match(doc, /`GeneratedSecret` lives on no host and cannot be adopted/);
      });
      continue;
    }
    it(`${k}: the id is the host's user@host:port and the object's name, the same for the same inputs, and documented`, () => {
      assert.ok(id, `${k} declares no id`);
      const inputs = { connection, ...VALID_ARGS[k] } as never;
      const a = id(inputs);
      assert.ok(a.startsWith(`${targetOf(connection)}`) && a.length > targetOf(connection).length + 1, a);
      assert.equal(id(structuredClone(inputs)), a);
      assert.notEqual(
        id({ ...(inputs as object), connection: { ...connection, host: "192.0.2.11" } } as never),
        a,
        "another host, another id",
      );
      assert.match(doc, new RegExp(`\\| [^|\\n]*\`${k}\``), `docs/adoption.md has no row for ${k}`);
    });
  }
});
