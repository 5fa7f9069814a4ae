// Every Args field of every resource kind is checked. The fields come from the
// kinds' `<Type>Args` interfaces (read with the TypeScript compiler, as
// scripts/docs.ts does), so a field added without a check fails here: for each
// one, values of the wrong type are refused naming the field; each string
// field refuses hostile strings (newline, ';', '$(', backtick, quotes, braces,
// a leading '-', '..' segments, NUL, very long) unless it is free text the
// resource carries to the host byte for byte (FREE_TEXT, with the reason);
// each number field refuses non-integers and out-of-range values. A
// property-based run (fast-check, fixed seed; FC_RUNS=<n> for a larger one)
// adds generated strings around each hostile piece.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { CheckFailure } from "../../providers/common/check";
import { KIND_NAMES, KindName, KINDS } from "../../providers/registry";
import { kindDocs } from "../../scripts/docs";
import { argsOf, BAD_INPUTS, VALID_ARGS } from "../support/badInputs";

const conn = { host: "127.0.0.1", port: 2201, trustOnFirstUse: true };

/** One valid input per kind (test/support/badInputs.ts), with a connection: the base each case changes one field of. */
const VALID = Object.fromEntries(
  KIND_NAMES.map((k) => [k, k === "GeneratedSecret" ? VALID_ARGS[k] : { connection: conn, ...VALID_ARGS[k] }]),
) as Record<KindName, Record<string, unknown>>;

/**
 * String fields that carry free text to the host unchanged (never into a command line or a path unquoted): the
 * hostile-string cases do not apply to them; what they may hold and how it travels is said here.
 */
const FREE_TEXT: Record<string, string> = {
  "ManagedFile.content": "any text without NUL (refused), sent on the command's stdin (`cat > <temp file>`), never on a command line",
  "ManagedFile.validate": "a command the operator gives, run as root by design; must contain %s",
  "ManagedFile.reload": "a command the operator gives, run as root by design",
  "GeneratedSecret.characters":
    "the alphabet of a value generated in the engine (never sent to a host itself); whitespace, quotes, backslash, braces and # are refused",
};

type FieldType = "string" | "enum" | "number" | "boolean" | "list" | "map" | "object";

/** The field's type from its declaration (`pulumi.Input<T>` unwrapped). */
function fieldType(declared: string): FieldType {
  let t = declared.trim();
  for (;;) {
    const m = /^pulumi\.Input<([\s\S]*)>$/.exec(t);
    if (!m) break;
    t = m[1].trim();
  }
  if (t.endsWith("[]")) return "list";
  if (t.startsWith("Record<")) return "map";
  if (t === "string") return "string";
  if (t === "number") return "number";
  if (t === "boolean") return "boolean";
  if (/^"[^"]*"(\s*\|\s*"[^"]*")*$/.test(t)) return "enum";
  return "object";
}

const HOSTILE = ["a\nb", "a;b", "$(id)", "`id`", "a'b", 'a"b', "{a}", "-a", "../a", "a/../b", "a\0b", "a".repeat(5000)];

/** Values of the wrong type for each field type. */
const WRONG: Record<FieldType, unknown[]> = {
  string: [12345, true, {}, ["a"]],
  enum: ["bogus", 1, true, {}],
  number: ["80", 1.5, -1, 1e12, Number.NaN, Number.POSITIVE_INFINITY, true, {}],
  boolean: ["no", "false", "true", 0, 1, {}],
  list: ["a", 12, {}, [12345]],
  map: ["a", 12, [], { k: { nested: true } }],
  object: ["a", 12, true, []],
};

function check(kind: KindName, args: Record<string, unknown>): CheckFailure[] {
  return KINDS[kind].decl.check(args);
}

/** Does a failure name the field (or a path below it)? */
function names(failures: CheckFailure[], field: string): boolean {
  return failures.some((f) => f.property === field || f.property.startsWith(`${field}.`) || f.property.startsWith(`${field}[`));
}

const show = (v: unknown) =>
  typeof v === "string" && v.length > 40
    ? `"${v.slice(0, 12)}..." (${v.length} chars)`
    : typeof v === "number"
      ? String(v)
      : JSON.stringify(v);

function fields(kind: KindName): [string, FieldType][] {
  const d = kindDocs(KINDS[kind].decl);
  return d.args.map((f) => [f, fieldType(d.types.get(f) ?? "object")]);
}

describe("every field checked", function () {
  this.timeout(120000);
  const counted = { fields: 0, wrongType: 0, hostile: 0, generated: 0, catalogue: 0 };

  after(() =>
    console.log(
      `      ${counted.fields} fields of ${KIND_NAMES.length} kinds; refused: ${counted.wrongType} wrong-type, ${counted.hostile} hostile-string, ` +
        `${counted.generated} generated and ${counted.catalogue} catalogue cases; ${Object.keys(FREE_TEXT).length} free-text fields`,
    ),
  );

  for (const kind of KIND_NAMES) {
    describe(kind, () => {
      it("accepts its valid base input", () => assert.deepEqual(check(kind, VALID[kind]), []));

      it("refuses a value of the wrong type in every field, naming the field", () => {
        const missed: string[] = [];
        for (const [field, type] of fields(kind)) {
          counted.fields++;
          for (const v of WRONG[type]) {
            const failures = check(kind, { ...VALID[kind], [field]: v });
            if (names(failures, field)) counted.wrongType++;
            else missed.push(`${field} (${type}) = ${show(v)}: ${failures.length ? JSON.stringify(failures) : "accepted"}`);
          }
        }
        assert.deepEqual(missed, [], `${kind}: values accepted or refused under another name`);
      });

      it("refuses hostile strings in every string field that is not free text", () => {
        const missed: string[] = [];
        for (const [field, type] of fields(kind)) {
          if (type !== "string" || FREE_TEXT[`${kind}.${field}`]) continue;
          for (const v of HOSTILE) {
            const failures = check(kind, { ...VALID[kind], [field]: v });
            if (names(failures, field)) counted.hostile++;
            else missed.push(`${field} = ${show(v)}: accepted`);
          }
        }
        assert.deepEqual(missed, [], `${kind}: hostile strings accepted`);
      });
    });
  }

  it("the bad-input catalogue (test/support/badInputs.ts) is refused by the pure checks, naming the field and what is allowed", () => {
    const missed: string[] = [];
    for (const b of BAD_INPUTS.filter((x) => x.kind in KINDS)) {
      const failures = check(b.kind as KindName, argsOf(b));
      if (failures.some((f) => f.property === b.field && b.allowed.test(f.reason))) counted.catalogue++;
      else missed.push(`${b.kind}: ${b.what}: ${JSON.stringify(failures)}`);
    }
    assert.deepEqual(missed, []);
  });

  it("free-text fields are real string fields of their kinds", () => {
    for (const key of Object.keys(FREE_TEXT)) {
      const [kind, field] = key.split(".") as [KindName, string];
      assert.ok(KINDS[kind], key);
      assert.equal(fields(kind).find(([f]) => f === field)?.[1], "string", key);
    }
  });

  it("generated strings around each hostile piece are refused by every string field that is not free text (property)", () => {
    const runs = Number(process.env.FC_RUNS ?? 200);
    const targets = KIND_NAMES.flatMap((kind) =>
      fields(kind)
        .filter(([f, t]) => t === "string" && !FREE_TEXT[`${kind}.${f}`])
        .map(([f]) => [kind, f] as const),
    );
    const piece = fc.constantFrom("\n", ";", "$(", "`", "'", '"', "{", "}", "\0", "/../");
    fc.assert(
      fc.property(
        fc.constantFrom(...targets),
        fc.string({ maxLength: 20 }),
        piece,
        fc.string({ maxLength: 20 }),
        ([kind, field], a, p, b) => {
          counted.generated++;
          return names(check(kind, { ...VALID[kind], [field]: `${a}${p}${b}` }), field);
        },
      ),
      { seed: 4242, numRuns: runs },
    );
  });
});
