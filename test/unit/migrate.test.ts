// The migration plan of `npm run migrate`, from exported deployments.
import { strict as assert } from "node:assert";
import { ExportedResource, NEW_TYPE, OLD_TYPE, planMigration } from "../../scripts/migrate";

const GROUP = "urn:pulumi:prod::pulumi-lvs::pulumi-lvs:stacks:VrrpGroup::vrrp";
const secret = (plain: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(plain) });
const old = (name: string, parent: string | undefined, value: unknown): ExportedResource => ({
  urn: `${parent ?? "urn:pulumi:prod::pulumi-lvs"}$${OLD_TYPE}::${name}`,
  type: OLD_TYPE,
  parent,
  outputs: { length: 8, value },
});

describe("planMigration", () => {
  it("moves a VrrpGroup's GeneratedSecret, carrying its plaintext value", () => {
    const moves = planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, secret("Ab3dEf9h"))]);
    assert.deepEqual(moves, [{ oldUrn: `${GROUP}$${OLD_TYPE}::vrrp-auth`, name: "vrrp-auth", parentUrn: GROUP, value: "Ab3dEf9h" }]);
  });

  it("leaves secrets outside a VrrpGroup, and groups already migrated", () => {
    assert.deepEqual(planMigration([old("other", undefined, secret("x"))]), []);
    const migrated: ExportedResource = { urn: `${GROUP}$${NEW_TYPE}::vrrp-auth`, type: NEW_TYPE, parent: GROUP };
    assert.deepEqual(planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, secret("y")), migrated]), []);
  });

  it("refuses a secret whose value the export does not show, naming it", () => {
    const ciphertext = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
    assert.throws(() => planMigration([{ urn: GROUP, type: "pulumi-lvs:stacks:VrrpGroup" }, old("vrrp-auth", GROUP, ciphertext)]), /vrrp-auth has no readable value .*--show-secrets/);
  });
});
