// The README's "Real machines" walk-through, run as a new user would, on the
// lab's dr hosts under other names and groups: a copy of the project whose
// examples/real-machines inventory names director1, director2, rs1 and rs2
// lb-a, lb-b, web-01 and web-02 (groups loadbalancers and webservers), the
// VIP and interface set in its Pulumi.prod.yaml, then the README's block line
// by line through `npm run pulumi` with the user's own passphrase: stack init
// prod, preview, up, the `try` output run on the lab's client, requests
// through the VIP (both web servers answer), destroy to the hosts' bare state.
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import * as lab from "../../../lab/lab";
import { snapshot } from "../../../scripts/lib/snapshot";
import { defaultInventoryPath, loadInventory } from "../../../stacks/inventory";
import { answers, holdsVip, tally } from "../../support/stacks";

const ROOT = path.join(__dirname, "..", "..", "..");
const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];
const AS = { "lb-a": "director1", "lb-b": "director2", "web-01": "rs1", "web-02": "rs2" } as const;
const VIP = "192.168.118.100";

/** The sh block after the walk-through marker of a markdown file, as lines. */
export function walkThrough(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const at = text.indexOf("<!-- walk-through");
  assert.ok(at >= 0, `${file} has no walk-through marker`);
  const m = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(m, `${file}: no sh block after the walk-through marker`);
  return m[1].split("\n").filter((l) => l.trim() !== "");
}

/** The user's shell: no Pulumi variable from the test's environment. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")));
}

function sh(dir: string, script: string): { status: number; out: string } {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, env: userEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe("README's Real machines walk-through on the lab (dr preset as lb-a, lb-b, web-01, web-02; stack prod)", function () {
  this.timeout(1800000);
  let bare: string;
  let dir: string;
  let block: string[];
  let exports: string;

  before(async function () {
    const r = await lab.use("dr");
    console.log(`      lab dr: ${r.mode} in ${r.seconds.toFixed(1)}s`);
    bare = snapshot(HOSTS);
    block = walkThrough(path.join(ROOT, "README.md"));
    assert.deepEqual(
      walkThrough(path.join(ROOT, "examples/real-machines/README.md")),
      block,
      "README.md and the example's README give one block",
    );
    exports = block.filter((l) => l.startsWith("export ")).join("\n");
    // A copy of the project as a user has it (tracked and new files; no state, no node_modules of its own).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-prod-"));
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((f) => f && fs.existsSync(path.join(ROOT, f)) && !f.startsWith("node_modules"));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
    // Step 1: the user's hosts in the example inventory (here: the lab's, by its inventory).
    const labInv = loadInventory(defaultInventoryPath());
    const invFile = path.join(dir, "examples/real-machines/inventory.yml");
    const doc = YAML.parse(fs.readFileSync(invFile, "utf8")) as Record<
      string,
      { children: Record<string, { hosts: Record<string, Record<string, unknown>> }> }
    >;
    for (const group of Object.values(doc.prod.children)) {
      for (const [name, vars] of Object.entries(group.hosts)) {
        const h = labInv.hosts[AS[name as keyof typeof AS]];
        Object.assign(vars, {
          ansible_host: h.sshHost,
          ansible_port: h.port,
          ansible_user: h.user,
          ansible_ssh_private_key_file: h.privateKeyPath,
          host_key_sha256: h.hostKeySha256,
          addresses: h.addresses,
        });
      }
    }
    fs.writeFileSync(invFile, YAML.stringify(doc));
    // Step 2: the VIP and the directors' interface.
    const cfgFile = path.join(dir, "examples/real-machines/Pulumi.prod.yaml");
    const cfg = fs.readFileSync(cfgFile, "utf8");
    const edited = cfg
      .replace(/pulumi-lvs:vip: .*/, `pulumi-lvs:vip: ${VIP}`)
      .replace(/pulumi-lvs:interface: .*/, "pulumi-lvs:interface: ens33");
    assert.notEqual(edited, cfg, "the example's Pulumi.prod.yaml has vip and interface lines to edit");
    fs.writeFileSync(cfgFile, edited);
  });

  after(function () {
    if (!dir) return;
    // On a failure, the stack may still hold the hosts: destroy it as the user would.
    if (fs.existsSync(path.join(dir, ".pulumi-state/.pulumi/stacks/pulumi-lvs/prod.json")))
      console.log(sh(dir, `${exports}\nnpm run -s pulumi -- destroy --yes --stack prod`).out.slice(-2000));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("without a passphrase of their own, stack init prod is refused and says how to set one", () => {
    const r = sh(dir, "npm run -s pulumi -- stack init prod");
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /stack prod: no passphrase[\s\S]*PULUMI_CONFIG_PASSPHRASE/);
    assert.ok(!fs.existsSync(path.join(dir, "Pulumi.prod.yaml")), "nothing written");
  });

  it("the block up to `stack output try`: up from bare hosts; try and 20 requests through the VIP reach both web servers", () => {
    const destroyAt = block.findIndex((l) => / destroy /.test(l));
    assert.ok(destroyAt > 0, "the block has a destroy line");
    const t0 = Date.now();
    const r = sh(dir, block.slice(0, destroyAt).join("\n"));
    console.log(`      stack init, preview, up, output: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(r.status, 0, r.out.slice(-4000));
    assert.match(r.out, /Previewing update \(prod\)/);
    assert.ok(holdsVip("director1") && !holdsVip("director2"), "lb-a (director1) holds the VIP as MASTER");
    const tryLine = r.out.split("\n").find((l) => /^curl -s /.test(l));
    assert.ok(tryLine, `\`stack output try\` printed a curl of the VIP:\n${r.out.slice(-2000)}`);
    assert.match(lab.run("client", tryLine), /^this is nginx[12]/, "`try` answers from the client");
    const counts = tally(answers(`http://${VIP}/`, 20));
    console.log(`      20 requests: ${JSON.stringify(counts)}`);
    assert.deepEqual(Object.keys(counts).sort(), ["this is nginx1", "this is nginx2"]);
  });

  it("the rest of the block: destroy and stack rm leave the hosts bare and no stack file", () => {
    const destroyAt = block.findIndex((l) => / destroy /.test(l));
    const t0 = Date.now();
    const r = sh(dir, [exports, ...block.slice(destroyAt)].join("\n"));
    console.log(`      destroy, stack rm: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(r.status, 0, r.out.slice(-4000));
    assert.equal(snapshot(HOSTS), bare);
    assert.ok(!fs.existsSync(path.join(dir, "Pulumi.prod.yaml")), "stack rm removed Pulumi.prod.yaml");
  });
});
