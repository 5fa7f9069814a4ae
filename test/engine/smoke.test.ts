// Toolchain smoke test: the real Pulumi CLI, the Node.js language host and the
// dynamic-provider shim, driven through the Automation API on a throwaway
// stack with a file:// backend in a temporary directory.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import { inlineStack, localStack, TestBackend, testBackend } from "../support/engine";
import { pinnedVersions, toolchainEnv } from "../support/toolchain";

const programDir = path.join(__dirname, "smoke");

async function newStack(env: Record<string, string>, tmp: string): Promise<Stack> {
  return localStack(
    { dir: tmp, env: { ...env, PULUMI_BACKEND_URL: `file://${tmp}/state` }, dispose: () => undefined },
    programDir,
    "smoke",
  );
}

/**
 * A toolchain directory holding only some of the binaries. The CLI looks for
 * plugins next to its own resolved path, so the binaries are linked or
 * copied, never symlinked.
 */
function partialToolchain(tmp: string, env: Record<string, string>, names: string[]): Record<string, string> {
  const bin = path.join(tmp, "partial", "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const name of names) {
    const src = path.join(env.PULUMI_LVS_TOOLCHAIN, "bin", name);
    try {
      fs.linkSync(fs.realpathSync(src), path.join(bin, name));
    } catch {
      fs.copyFileSync(src, path.join(bin, name));
    }
  }
  const rest = env.PATH.split(":").filter((p) => !p.startsWith(env.PULUMI_LVS_TOOLCHAIN));
  return { ...env, PATH: [bin, ...rest].join(":"), PULUMI_LVS_TOOLCHAIN: path.dirname(bin) };
}

describe("toolchain smoke test (real engine)", function () {
  let tmp: string;
  let env: Record<string, string>;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-smoke-"));
    fs.mkdirSync(path.join(tmp, "state"));
    env = toolchainEnv();
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("runs a program of a stack without any configuration (the language host sends {} rather than null)", async () => {
    const stack = await localStack(
      { dir: tmp, env: { ...env, PULUMI_BACKEND_URL: `file://${tmp}/state` }, dispose: () => undefined },
      programDir,
      "noconfig",
    );
    const stackFile = path.join(programDir, "Pulumi.noconfig.yaml");
    try {
      // The program reaches its own config.require: the SDK parsed the (empty) configuration.
      await assert.rejects(stack.preview(), (err: Error) => {
        assert.match(err.message, /Missing required configuration variable 'pulumi-lvs-smoke:markerPath'/);
        assert.doesNotMatch(err.message, /Cannot convert undefined or null to object/);
        return true;
      });
    } finally {
      fs.rmSync(stackFile, { force: true });
    }
  });

  it("runs preview, up, refresh, preview and destroy of a dynamic resource", async () => {
    const stack = await newStack(env, tmp);
    const marker = path.join(tmp, "marker.txt");
    await stack.setAllConfig({ markerPath: { value: marker }, content: { value: "hello" } });

    const firstPreview = await stack.preview();
    assert.equal(firstPreview.changeSummary.create, 2, "stack + marker to create");
    assert.equal(fs.existsSync(marker), false, "preview must not touch anything");

    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.outputs.content.value, "hello");
    assert.equal(fs.readFileSync(marker, "utf8"), "hello");

    const refresh = await stack.refresh({ expectNoChanges: true });
    assert.equal(refresh.summary.result, "succeeded");

    const again = await stack.preview({ expectNoChanges: true });
    assert.deepEqual(again.changeSummary, { same: 2 });

    // Drift: refresh reads the changed file back into state.
    fs.writeFileSync(marker, "edited by hand");
    const drift = await stack.refresh();
    assert.equal(drift.summary.resourceChanges?.update, 1, "the hand edit shows as an update on refresh");
    const repair = await stack.up();
    assert.equal(repair.summary.resourceChanges?.update, 1);
    assert.equal(fs.readFileSync(marker, "utf8"), "hello");

    const destroy = await stack.destroy();
    assert.equal(destroy.summary.result, "succeeded");
    assert.equal(fs.existsSync(marker), false, "destroy removes the file");
    await stack.workspace.removeStack("smoke");
  });

  it("fails when the language host is missing", async () => {
    const stack = await newStack(partialToolchain(tmp, env, ["pulumi", "pulumi-resource-pulumi-nodejs"]), tmp);
    await stack.setAllConfig({ markerPath: { value: path.join(tmp, "m") }, content: { value: "x" } });
    await assert.rejects(stack.preview(), /pulumi-language-nodejs|language runtime plugin/);
  });

  it("fails when the dynamic-provider shim is missing", async () => {
    const stack = await newStack(partialToolchain(tmp, env, ["pulumi", "pulumi-language-nodejs"]), tmp);
    await stack.setAllConfig({ markerPath: { value: path.join(tmp, "m") }, content: { value: "x" } });
    await assert.rejects(stack.up(), /pulumi-nodejs/);
    assert.equal(fs.existsSync(path.join(tmp, "m")), false);
  });
});

describe("inline programs (real engine, language runtime served by the test process)", () => {
  it("create, refresh and destroy a dynamic resource declared in the test", async () => {
    const backend = testBackend();
    try {
      const provider: pulumi.dynamic.ResourceProvider = {
        async create(inputs: { n: number }) {
          return { id: `n${inputs.n}`, outs: { n: inputs.n, doubled: inputs.n * 2 } };
        },
        async read(id: string, props: { n: number; doubled: number }) {
          return { id, props };
        },
      };
      class Doubler extends pulumi.dynamic.Resource {
        declare readonly doubled: pulumi.Output<number>;
        constructor(name: string, n: number) {
          super(provider, name, { n, doubled: undefined }, {});
        }
      }
      const stack = await inlineStack(backend, "inline-smoke", "t", async () => {
        return { doubled: new Doubler("r", 21).doubled };
      });
      const up = await stack.up();
      assert.equal(up.outputs.doubled.value, 42, "the provider ran in the dynamic-provider plugin");
      await stack.refresh({ expectNoChanges: true });
      const destroy = await stack.destroy();
      assert.equal(destroy.summary.resourceChanges?.delete, 2);
    } finally {
      backend.dispose();
    }
  });
});

// The command and random provider plugins that `npm run setup` installs into
// the project's PULUMI_HOME (downloaded, or built from source where the
// download and the module proxy are refused).
describe("provider plugins command and random (real engine)", () => {
  const pins = pinnedVersions();
  const versions: Record<string, string> = { command: pins.PULUMI_COMMAND_VERSION, random: pins.PULUMI_RANDOM_VERSION };
  let backend: TestBackend;
  let programDir: string;

  // A copy of test/engine/smoke/plugins inside the project (.test-work/), so
  // that the program resolves node_modules and the stack file stays out of git.
  beforeEach(() => {
    backend = testBackend("plugins-");
    programDir = path.join(backend.dir, "program");
    fs.cpSync(path.join(__dirname, "smoke", "plugins"), programDir, { recursive: true });
  });
  afterEach(() => backend.dispose());

  /**
   * A PULUMI_HOME holding the project's installed plugins except `name`'s
   * (files hard-linked, or copied across file systems).
   */
  function homeWithout(name: string): string {
    const home = path.join(backend.dir, `home-without-${name}`);
    const from = path.join(backend.env.PULUMI_HOME, "plugins");
    const to = path.join(home, "plugins");
    fs.mkdirSync(to, { recursive: true });
    let kept = 0;
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.name.startsWith(`resource-${name}-`)) continue;
      if (entry.isDirectory()) kept++;
      fs.cpSync(path.join(from, entry.name), path.join(to, entry.name), { recursive: true });
    }
    assert.ok(kept > 0, `the other plugin is still installed in ${to}`);
    return home;
  }

  it("runs a command.local.Command and a random.RandomPassword: preview, up, refresh, preview, destroy", async () => {
    const stack = await localStack(backend, programDir, "plugins");

    const installed = await stack.workspace.listPlugins();
    for (const [name, version] of Object.entries(versions)) {
      assert.ok(
        installed.some((p) => p.name === name && p.kind === "resource" && p.version === version),
        `${name} v${version} is installed in PULUMI_HOME (npm run setup): ${JSON.stringify(installed.map((p) => `${p.name} ${p.version}`))}`,
      );
    }

    const preview = await stack.preview();
    assert.equal(preview.changeSummary.create, 3, "stack, password and command to create");

    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    const authPass = up.outputs.authPass;
    assert.equal(authPass.secret, true, "RandomPassword.result is a secret output");
    assert.match(String(authPass.value), /^[A-Za-z0-9]{8}$/, "8 letters and digits, no special characters");
    assert.equal(String(up.outputs.measured.value).trim(), "8", "the command ran and measured the password");

    const refresh = await stack.refresh({ expectNoChanges: true });
    assert.equal(refresh.summary.result, "succeeded");

    const again = await stack.preview({ expectNoChanges: true });
    assert.deepEqual(again.changeSummary, { same: 3 });
    const outputs = await stack.outputs();
    assert.equal(outputs.authPass.value, authPass.value, "the password is kept across refresh and preview");

    const destroy = await stack.destroy();
    assert.equal(destroy.summary.result, "succeeded");
    assert.equal(destroy.summary.resourceChanges?.delete, 3);
    await stack.workspace.removeStack("plugins");
  });

  for (const missing of ["command", "random"]) {
    it(`fails naming the plugin when ${missing} is not installed (and not downloaded)`, async () => {
      const env = { ...backend.env, PULUMI_HOME: homeWithout(missing), PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };
      const stack = await localStack({ ...backend, env }, programDir, `no-${missing}`);
      await assert.rejects(stack.preview(), (err: Error) => {
        assert.match(err.message, new RegExp(`no resource plugin 'pulumi-resource-${missing}' found`));
        return true;
      });
    });
  }

  it("the language host reports both plugins to `pulumi plugin ls --project` and `pulumi about`", async () => {
    const pulumi = path.join(backend.env.PULUMI_LVS_TOOLCHAIN, "bin", "pulumi");
    const run = async (args: string[]): Promise<unknown> => {
      const { stdout } = await promisify(execFile)(pulumi, args, { cwd: programDir, env: backend.env, maxBuffer: 1 << 24 });
      return JSON.parse(stdout) as unknown;
    };
    const listed = (await run(["plugin", "ls", "--project", "--json"])) as { name: string; kind: string; version: string }[];
    const about = (await run(["about", "--json"])) as { plugins: { name: string; version: string }[] | null };
    for (const [name, version] of Object.entries(versions)) {
      assert.ok(
        listed.some((p) => p.name === name && p.kind === "resource" && p.version === version),
        `plugin ls --project lists ${name} ${version}: ${JSON.stringify(listed)}`,
      );
      assert.ok(
        (about.plugins ?? []).some((p) => p.name === name && p.version === version),
        `about lists ${name} ${version}: ${JSON.stringify(about.plugins)}`,
      );
    }
  });
});

describe("language host: the plugins a program needs (real CLI)", () => {
  it('reads pulumi-plugin.json or package.json\'s "pulumi" key through the whole dependency tree', async () => {
    const backend = testBackend("required-");
    try {
      // A project of its own: a direct dependency that declares its plugin in
      // package.json, a nested one with pulumi-plugin.json, a package without
      // a plugin and a devDependency (not part of the program).
      const root = path.join(backend.dir, "project");
      const write = (rel: string, value: unknown) => {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), JSON.stringify(value));
      };
      write("package.json", { name: "p", dependencies: { "dep-a": "1.0.0", plain: "1.0.0" }, devDependencies: { "dev-only": "1.0.0" } });
      write("node_modules/dep-a/package.json", {
        name: "dep-a",
        version: "1.0.0",
        dependencies: { "@acme/dep-b": "2.3.4" },
        pulumi: { resource: true, name: "alpha" },
      });
      write("node_modules/dep-a/node_modules/@acme/dep-b/package.json", { name: "@acme/dep-b", version: "2.3.4" });
      write("node_modules/dep-a/node_modules/@acme/dep-b/pulumi-plugin.json", { resource: true, name: "beta", version: "2.3.5" });
      write("node_modules/plain/package.json", { name: "plain", version: "1.0.0" });
      write("node_modules/dev-only/package.json", { name: "dev-only", version: "1.0.0", pulumi: { resource: true, name: "gamma" } });
      fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: required\nruntime: nodejs\n");
      const pulumi = path.join(backend.env.PULUMI_LVS_TOOLCHAIN, "bin", "pulumi");
      const { stdout } = await promisify(execFile)(pulumi, ["about", "--json"], { cwd: root, env: backend.env, maxBuffer: 1 << 24 });
      const about = JSON.parse(stdout) as { plugins: { name: string; version: string; kind: string }[] | null };
      const resources = (about.plugins ?? []).filter((p) => p.kind === "resource").map((p) => `${p.name} ${p.version}`);
      assert.deepEqual(resources, ["alpha 1.0.0", "beta 2.3.5"]);
    } finally {
      backend.dispose();
    }
  });
});
