// The toolchain's versions are pinned once, in scripts/toolchain/versions.env;
// package.json, the lockfile and the Go build module must agree with it.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");

function pins(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read("scripts/toolchain/versions.env").split("\n")) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

describe("toolchain version pins", () => {
  const v = pins();
  const pkg = JSON.parse(read("package.json")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { version: string }> };

  it("package.json and the lockfile use the pinned SDK and provider versions", () => {
    const want: Record<string, string> = {
      "@pulumi/pulumi": v.PULUMI_VERSION,
      "@pulumi/command": v.PULUMI_COMMAND_VERSION,
      "@pulumi/random": v.PULUMI_RANDOM_VERSION,
    };
    // The package runs in its user's program, on the program's SDK (a peer, at least the pinned version); its
    // own development pins the SDK exactly. @pulumi/command stays a dependency although only the repository's
    // program uses it (stacks/outputs.ts): the language host finds a program's plugins through `dependencies` only.
    assert.equal(pkg.peerDependencies["@pulumi/pulumi"], `^${v.PULUMI_VERSION}`, "package.json peerDependencies @pulumi/pulumi");
    for (const [name, version] of Object.entries(want)) {
      assert.equal(name === "@pulumi/pulumi" ? pkg.devDependencies[name] : pkg.dependencies[name], version, `package.json ${name}`);
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `package-lock.json ${name}`);
    }
  });

  it("the Go build module requires the pinned CLI and SDK", () => {
    const gomod = read("scripts/toolchain/go.mod");
    assert.match(gomod, new RegExp(`github.com/pulumi/pulumi/pkg/v3 v${v.PULUMI_VERSION.replace(/\./g, "\\.")}\\b`));
    assert.match(gomod, new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${v.PULUMI_VERSION.replace(/\./g, "\\.")}\\b`));
  });
});
