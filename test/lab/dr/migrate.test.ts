// `npm run migrate` on the dr preset, through the real engine: a VRRP pair
// deployed the way pulumi-lvs did before random.RandomPassword (the group's
// auth_pass a GeneratedSecret) keeps its password on both directors after
// the migration, and the first `up` with today's VrrpGroup changes nothing.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as lab from "../../../lab/lab";
import { GeneratedSecret } from "../../../providers";
import { vrrpInstances, VrrpGroup, VrrpGroupArgs } from "../../../stacks/components/vrrpGroup";
import { hostsFromConfig } from "../../../stacks/hosts";
import { migrateStack, NEW_TYPE, OLD_TYPE } from "../../../scripts/migrate";
import { inlineStack } from "../../support/engine";
import { useLabStacks } from "../../support/labStack";

const GROUP = "pair";

function groupArgs(): VrrpGroupArgs {
  const hosts = hostsFromConfig();
  return {
    members: [
      { host: hosts.host("director1"), state: "MASTER", priority: 120 },
      { host: hosts.host("director2"), state: "BACKUP", priority: 100 },
    ],
    interface: "ens33",
    virtualRouterId: 61,
    vip: "192.168.118.100",
  };
}

/** The VrrpGroup as deployed before: the same component and instances, the password a GeneratedSecret. */
class GroupBefore extends pulumi.ComponentResource {
  constructor(name: string, args: VrrpGroupArgs) {
    super("pulumi-lvs:stacks:VrrpGroup", name, {});
    const secret = new GeneratedSecret(`${name}-auth`, { length: 8 }, { parent: this });
    vrrpInstances(this, name, args, secret.value);
    this.registerOutputs({});
  }
}

/** auth_pass as each director's keepalived file has it. */
function passwordsOnHosts(): string[] {
  return ["director1", "director2"].map((h) => {
    const m = /auth_pass\s+(\S+)/.exec(lab.run(h, `cat /etc/keepalived/conf.d/${GROUP}.conf`));
    assert.ok(m, `${h}: no auth_pass in /etc/keepalived/conf.d/${GROUP}.conf`);
    return m[1];
  });
}

describe("npm run migrate: a VRRP group's GeneratedSecret becomes a RandomPassword with the same value (dr preset, real engine)", function () {
  this.timeout(900000);
  const ctx = useLabStacks("dr");

  it("keeps the password on both directors, and the next up changes nothing", async () => {
    const before = await inlineStack(ctx.backend, "migrate", "lab", async () => {
      new GroupBefore(GROUP, groupArgs());
    });
    ctx.stack = before;
    await before.up();
    const [p1, p2] = passwordsOnHosts();
    assert.equal(p1, p2, "both directors share the password");
    assert.match(p1, /^[A-Za-z0-9]{8}$/);

    const workDir = path.join(ctx.backend.dir, "work", "migrate");
    const dry = migrateStack("lab", workDir, ctx.backend.env, true);
    assert.deepEqual(
      dry.map((m) => m.name),
      [`${GROUP}-auth`],
      "the dry run lists the group's secret",
    );
    const moves = migrateStack("lab", workDir, ctx.backend.env);
    assert.equal(moves.length, 1);
    const types = (await before.exportStack()).deployment.resources.map((r: { type: string }) => r.type);
    assert.ok(
      types.includes(NEW_TYPE) && !types.includes(OLD_TYPE),
      `state holds the RandomPassword, not the GeneratedSecret: ${types.join(", ")}`,
    );

    const after = await inlineStack(ctx.backend, "migrate", "lab", async () => {
      new VrrpGroup(GROUP, groupArgs());
    });
    const preview = await after.preview();
    assert.deepEqual(
      Object.keys(preview.changeSummary).filter((k) => k !== "same"),
      [],
      `no change after the migration: ${JSON.stringify(preview.changeSummary)}`,
    );
    await after.up();
    assert.deepEqual(passwordsOnHosts(), [p1, p1], "the directors keep the password they had");
    assert.deepEqual(migrateStack("lab", workDir, ctx.backend.env, true), [], "a second migration has nothing to do");
  });
});
