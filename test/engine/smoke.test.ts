// Toolchain smoke test: the real Pulumi CLI, the Node.js language host and the
// dynamic-provider shim, driven through the Automation API on a throwaway
// stack with a file:// backend in a temporary directory.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import { inlineStack, localStack, testBackend } from "../support/engine";
import { toolchainEnv } from "../support/toolchain";

const programDir = path.join(__dirname, "smoke");

async function newStack(env: Record<string, string>, tmp: string): Promise<Stack> {
  return localStack({ dir: tmp, env: { ...env, PULUMI_BACKEND_URL: `file://${tmp}/state` }, dispose: () => undefined }, programDir, "smoke");
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
    const stack = await localStack({ dir: tmp, env: { ...env, PULUMI_BACKEND_URL: `file://${tmp}/state` }, dispose: () => undefined }, programDir, "noconfig");
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
