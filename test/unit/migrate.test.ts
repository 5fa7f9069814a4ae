// The migration plan of `npm run migrate`, from exported deployments.
import { strict as assert } from "node:assert";
import { ExportedResource, NEW_TYPE, OLD_TYPE, planMigration, replaceInState, StateResource, successorUrn } from "../../scripts/migrate";

const GROUP = "urn:pulumi:prod::pulumi-lvs::pulumi-lvs:stacks:VrrpGroup::vrrp";
const secret = (plain: string) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(plain),
});
const old = (name: string, parent: string | undefined, value: unknown): ExportedResource => ({
  urn: `urn:pulumi:prod::pulumi-lvs::${parent ? "pulumi-lvs:stacks:VrrpGroup$" : ""}${OLD_TYPE}::${name}`,
  type: OLD_TYPE,
  parent,
  outputs: { length: 8, value },
});

describe("planMigration", () => {
  it("moves a VrrpGroup's GeneratedSecret, carrying its plaintext value", () => {
    const moves = planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, secret("Ab3dEf9h"))]);
    assert.deepEqual(moves, [
      {
        oldUrn: `urn:pulumi:prod::pulumi-lvs::pulumi-lvs:stacks:VrrpGroup$${OLD_TYPE}::vrrp-auth`,
        name: "vrrp-auth",
        parentUrn: GROUP,
        value: "Ab3dEf9h",
      },
    ]);
    assert.equal(successorUrn(moves[0].oldUrn), `urn:pulumi:prod::pulumi-lvs::pulumi-lvs:stacks:VrrpGroup$${NEW_TYPE}::vrrp-auth`);
  });

  it("leaves secrets outside a VrrpGroup, and groups already migrated", () => {
    assert.deepEqual(planMigration([old("other", undefined, secret("x"))]), []);
    assert.deepEqual(
      planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-other", GROUP, secret("x"))]),
      [],
      "only the group's own -auth secret",
    );
    const migrated: ExportedResource = {
      urn: `urn:pulumi:prod::pulumi-lvs::pulumi-lvs:stacks:VrrpGroup$${NEW_TYPE}::vrrp-auth`,
      type: NEW_TYPE,
      parent: GROUP,
    };
    assert.deepEqual(
      planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, secret("y")), migrated]),
      [],
    );
  });

  it("refuses a secret whose value the export does not show, naming it", () => {
    const ciphertext = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
    assert.throws(
      () => planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, ciphertext)]),
      /vrrp-auth has no readable value .*--show-secrets/,
    );
  });

  it("puts the RandomPassword (and its new provider) where the secret stood, and repoints dependents", () => {
    const oldUrn = "urn:s::p::G$" + OLD_TYPE + "::g-auth";
    const newUrn = "urn:s::p::G$" + NEW_TYPE + "::g-auth";
    const prov = "urn:s::p::pulumi:providers:random::default_4_19_1";
    const state: StateResource[] = [
      { urn: "urn:s::p::G::g", type: "G" },
      { urn: oldUrn, type: OLD_TYPE, parent: "urn:s::p::G::g" },
      { urn: "urn:s::p::G$K::g-d1", type: "K", dependencies: [oldUrn], propertyDependencies: { vrrp: [oldUrn, "x"] } },
      { urn: prov, type: "pulumi:providers:random" },
      { urn: newUrn, type: NEW_TYPE, provider: `${prov}::1234` },
    ];
    const out = replaceInState(state, oldUrn, newUrn);
    assert.deepEqual(
      out.map((r) => r.urn),
      ["urn:s::p::G::g", prov, newUrn, "urn:s::p::G$K::g-d1"],
    );
    assert.deepEqual(out[3].dependencies, [newUrn]);
    assert.deepEqual(out[3].propertyDependencies, { vrrp: [newUrn, "x"] });
  });
});
