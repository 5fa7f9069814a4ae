// examples/consumer, a Pulumi program of its own, with the packed pulumi-lvs
// installed from its tarball, through the real engine on the lab's dr hosts:
// up (a keepalived DR pair from the components and one raw IpvsService), the
// provider stubs in state load from node_modules/pulumi-lvs/dist, requests
// through the VIP reach both real servers, refresh finds no change, destroy
// returns the hosts to their bare state.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as lab from "../../../lab/lab";
import { pulumiCommand, toolchainEnv } from "../../../scripts/lib/toolchain";
import { snapshot } from "../../../scripts/lib/snapshot";
import { defaultInventoryPath } from "../../../stacks/inventory";
import { answers, holdsVip, tally } from "../../support/stacks";

const ROOT = path.join(__dirname, "..", "..", "..");
const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];
const VIP = "192.168.118.100";

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
}

describe("examples/consumer: the packed package in a program of its own (dr preset, real engine)", function () {
  this.timeout(1800000);
  let bare: string;
  let tmp: string;
  let stack: Stack | undefined;

  before(async function () {
    const r = await lab.use("dr");
    console.log(`      lab dr: ${r.mode} in ${r.seconds.toFixed(1)}s`);
    bare = snapshot(HOSTS);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-consumer-"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tmp], ROOT)) as { filename: string }[];
    const dir = path.join(tmp, "consumer");
    fs.cpSync(path.join(ROOT, "examples/consumer"), dir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["pulumi-lvs"] = `file:${path.join(tmp, packed[0].filename)}`;
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    const base = ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];
    const t0 = Date.now();
    try {
      run("npm", [...base, "--offline"], dir);
    } catch {
      run("npm", base, dir);
    }
    console.log(`      npm install of the consumer: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    run(path.join(dir, "node_modules/.bin/tsc"), ["--noEmit", "-p", dir], dir);
    const env: Record<string, string> = {
      ...toolchainEnv(),
      PULUMI_BACKEND_URL: `file://${tmp}/state`,
      PULUMI_CONFIG_PASSPHRASE: "the consumer's own",
    };
    fs.mkdirSync(path.join(tmp, "state"));
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "lab", workDir: dir },
      { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
    );
    await stack.setConfig("vip", { value: VIP });
    await stack.setConfig("interface", { value: "ens33" });
    await stack.setConfig("pulumi-lvs:inventory", { value: defaultInventoryPath() });
  });

  after(async () => {
    try {
      if (stack) await stack.destroy().catch(() => undefined);
    } finally {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("up: the pair holds the VIP on director1, both real servers answer, the stubs load from node_modules", async () => {
    const t0 = Date.now();
    const up = await stack!.up();
    console.log(`      up: ${((Date.now() - t0) / 1000).toFixed(1)} s; members: ${JSON.stringify(up.outputs.members?.value)}`);
    assert.ok(holdsVip("director1") && !holdsVip("director2"), "the VIP on director1 only");
    assert.match(lab.run("director1", "ipvsadm -Sn"), /-A -t 192\.168\.118\.100:8080 -s wlc/, "the raw IpvsService");
    const counts = tally(answers(`http://${VIP}/`, 20));
    assert.deepEqual(Object.keys(counts).sort(), ["this is nginx1", "this is nginx2"]);
    const state = JSON.stringify((await stack!.exportStack()).deployment);
    assert.match(state, /node_modules\/pulumi-lvs\/dist\/providers\//, "the provider stubs name the installed package");
    assert.doesNotMatch(state, new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "/providers/"), "not the repository's sources");
  });

  it("refresh and preview find no change", async () => {
    const r = await stack!.refresh();
    const changed = Object.entries(r.summary.resourceChanges ?? {}).filter(([k, v]) => k !== "same" && (v ?? 0) > 0);
    assert.deepEqual(changed, [], "refresh found drift");
    await stack!.preview({ expectNoChanges: true });
  });

  it("destroy returns every host to its bare state", async () => {
    await stack!.destroy();
    stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
