// The package as a user gets it: `npm pack` (prepack compiles dist/ with
// tsconfig.build.json), the tarball's files, an install into an empty directory
// with @pulumi/pulumi and TypeScript, a small program that type-checks against
// the installed types (with the module resolution of Pulumi's TypeScript
// template, and with node16's, which reads package.json "exports"), require()
// of each entry point, and the provider stub a resource stores in state loading
// its module from node_modules/: in place, after an update of the package to a
// new version, and after the program's directory moved.
//
// No host and no engine: the stub comes from Pulumi's mocks and runs as the
// engine's provider process runs it (require-from-string, then check()).
// Installs use the npm cache (--offline) and fall back to the registry.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KIND_NAMES, KINDS } from "../../providers/registry";
import { localStack, testBackend } from "../support/engine";

const root = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};
const typescriptVersion = (require("typescript/package.json") as { version: string }).version;
/** The engine's provider process turns `__provider` back into the provider with this module. */
const requireFromString = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] });

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited with ${err.status}:\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

/** Every file the package may hold: the manifest and docs, and compiled JS + types of the resources, components and inventory reader. */
const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^dist\/providers\/([a-z]+\/)?[A-Za-z]+\.(js|d\.ts)$/,
  /^dist\/stacks\/(checks|hosts|inventory)\.(js|d\.ts)$/,
  /^dist\/stacks\/components\/[A-Za-z]+\.(js|d\.ts)$/,
];

/** A program of a user: the resources, a component, the inventory reader, and inputs from another resource's outputs. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService, type ConnectionArgs } from "pulumi-lvs";
import { DrCluster, type ClusterHost } from "pulumi-lvs/components";
import { loadInventory } from "pulumi-lvs/inventory";

const config = new pulumi.Config();
const pin = "SHA256:" + "A".repeat(43);
const connection = pulumi.secret(
  config.requireSecret("privateKey").apply((privateKey): ConnectionArgs => ({ host: "127.0.0.1", port: 1, privateKey, hostKeySha256: pin })),
);
const web = new IpvsService("web", { connection, address: "192.0.2.100", port: 8080, scheduler: "wrr" });
new IpvsRealServer("rs1", { connection, service: web.key, address: "192.0.2.21", port: 8080, method: "route", weight: 2 });

const host = (name: string, address: string): ClusterHost => ({ name, connection, addresses: { eth0: address + "/24" } });
const dr = new DrCluster("dr", { director: host("lb-a", "192.0.2.10"), nic: "eth0", vip: "192.0.2.101", realServers: [{ host: host("web-01", "192.0.2.21") }] });
const inventory = config.get("inventory");
export const hosts = inventory ? Object.keys(loadInventory(inventory).hosts) : [];
export const service = dr.service.id;
`;

/** Pulumi's TypeScript template's tsconfig.json (`pulumi new typescript`). */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** Run in the program's directory: an IpvsService under Pulumi's mocks; writes the `__provider` it registers. */
const STORE_STUB = `const fs = require("node:fs");
const pulumi = require("@pulumi/pulumi");
let stored;
pulumi.runtime.setMocks({
  newResource: (a) => { if (typeof a.inputs.__provider === "string") stored = a.inputs.__provider; return { id: a.name + "-id", state: a.inputs }; },
  call: (a) => a.inputs,
}, "consumer", "test", false);
const { IpvsService } = require("pulumi-lvs");
const connection = { host: "192.0.2.10", port: 22, user: "root", privateKey: "k", hostKeySha256: "SHA256:" + "A".repeat(43) };
new IpvsService("web", { connection, address: "192.0.2.100", port: 80 }).id.apply(() => fs.writeFileSync(process.argv[2], stored));
`;

/** Run anywhere: the stored stub, deserialized as the engine's provider process does, checks a bad address. */
const RUN_STUB = `const fs = require("node:fs");
const [rfs, stubFile] = process.argv.slice(2);
const provider = require(rfs)(fs.readFileSync(stubFile, "utf8")).handler();
const connection = { host: "192.0.2.10", port: 22, user: "root", privateKey: "k", hostKeySha256: "SHA256:" + "A".repeat(43) };
const loaded = () => Object.keys(require.cache).filter((k) => k.endsWith("/providers/ipvs/service.js"));
Promise.resolve()
  .then(() => provider.check({}, { connection, address: "12.0.0.300", port: 80 }))
  .then((r) => console.log(JSON.stringify({ failures: r.failures ?? [], loaded: loaded() })), (e) => console.log(JSON.stringify({ error: String(e.message), loaded: loaded() })));
`;

/** What the newer version adds to the IPVS service provider's check, so that a test can tell which code ran. */
const MARK = "checked by 0.1.1-test";

interface StubRun {
  failures?: { property: string; reason: string }[];
  error?: string;
  loaded: string[];
}

describe("the npm package", function () {
  this.timeout(600_000);
  let tmp: string;
  let tgz: string;
  let consumer: string;
  let stub: string;
  const timings: string[] = [];
  let started = Date.now();
  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    try {
      return f();
    } finally {
      timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  /** npm install in the program's directory: from the npm cache, else from the registry. */
  function install(args: string[]): void {
    const base = ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...args];
    try {
      timed("npm install --offline", () => run("npm", [...base, "--offline"], consumer));
    } catch {
      timed("npm install (registry)", () => run("npm", [...base, "--prefer-offline"], consumer));
    }
  }

  function runStub(cwd: string): StubRun {
    const out = run(process.execPath, [path.join(tmp, "run-stub.js"), requireFromString, stub], cwd);
    return JSON.parse(out.trim().split("\n").pop()!) as StubRun;
  }

  before(() => {
    started = Date.now();
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-package-")));
    consumer = path.join(tmp, "program");
    stub = path.join(tmp, "stub.js");
    fs.writeFileSync(path.join(tmp, "run-stub.js"), RUN_STUB);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`      package test: ${timings.join(", ")}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  it("npm pack builds pulumi-lvs-<version>.tgz: compiled JS and .d.ts of the resources, components and inventory reader, not the program, lab, scripts, bench or tests", () => {
    const out = timed("npm pack", () => run("npm", ["pack", "--json", "--pack-destination", tmp], root));
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[]; size: number }[];
    assert.equal(info.filename, `${pkg.name}-${pkg.version}.tgz`);
    tgz = path.join(tmp, info.filename);
    assert.ok(fs.existsSync(tgz), tgz);
    const files = info.files.map((f) => f.path).sort();
    // What the archive really holds (npm's list and tar's agree).
    const entries = run("tar", ["-tzf", tgz], tmp)
      .split("\n")
      .filter((l) => l && !l.endsWith("/"))
      .map((l) => l.replace(/^package\//, ""))
      .sort();
    assert.deepEqual(entries, files);
    assert.deepEqual(
      files.filter((f) => !ALLOWED.some((re) => re.test(f))),
      [],
      "files outside the package's parts",
    );
    for (const f of files.filter((p) => p.endsWith(".js"))) assert.ok(files.includes(f.replace(/\.js$/, ".d.ts")), `${f} has no .d.ts`);
    const entryPoints = ["dist/providers/index", "dist/stacks/components/index", "dist/stacks/inventory"];
    for (const e of entryPoints) for (const ext of [".js", ".d.ts"]) assert.ok(files.includes(e + ext), `${e}${ext} missing`);
    // Every module a provider stub names is shipped.
    for (const k of KIND_NAMES) {
      const rel = path.relative(root, KINDS[k].decl.file).split(path.sep).join("/");
      assert.ok(files.includes(`dist/${rel.replace(/\.ts$/, ".js")}`), `${k}: dist/${rel} missing`);
    }
    for (const f of ["package.json", "README.md", "LICENSE", "CHANGELOG.md"]) assert.ok(files.includes(f), `${f} missing`);
    assert.ok(!files.some((f) => /^dist\/(index|lab|scripts|bench|test)\b/.test(f)), "the program or a tool is in the package");
    assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "a TypeScript source is in the package");
  });

  it("installs into an empty directory with @pulumi/pulumi and TypeScript (one copy of the SDK)", () => {
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "program", version: "0.0.0", private: true }));
    install([tgz, `@pulumi/pulumi@${pkg.devDependencies["@pulumi/pulumi"]}`, `typescript@${typescriptVersion}`]);
    assert.ok(fs.existsSync(path.join(consumer, "node_modules/pulumi-lvs/dist/providers/index.js")));
    assert.ok(
      !fs.existsSync(path.join(consumer, "node_modules/pulumi-lvs/node_modules/@pulumi/pulumi")),
      "a second @pulumi/pulumi under pulumi-lvs",
    );
  });

  it("a program importing IpvsService, IpvsRealServer, DrCluster and loadInventory type-checks (Pulumi's template; node16 resolution)", () => {
    fs.writeFileSync(path.join(consumer, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    const tsc = path.join(consumer, "node_modules/typescript/bin/tsc");
    timed("tsc (template)", () => run(process.execPath, [tsc, "--noEmit", "-p", "."], consumer));
    timed("tsc (node16)", () =>
      run(process.execPath, [tsc, "--noEmit", "-p", ".", "--module", "node16", "--moduleResolution", "node16", "--skipLibCheck"], consumer),
    );
    // And a name the package does not export is refused (the check is real).
    fs.writeFileSync(
      path.join(consumer, "index.ts"),
      PROGRAM.replace("DrCluster, type ClusterHost", "DrCluster, NoSuchComponent, type ClusterHost"),
    );
    assert.throws(
      () => run(process.execPath, [tsc, "--noEmit", "-p", ".", "--skipLibCheck"], consumer),
      /has no exported member 'NoSuchComponent'/,
    );
    fs.writeFileSync(path.join(consumer, "index.ts"), PROGRAM);
  });

  it("the program previews with the project's CLI: every resource to create (the connection is 127.0.0.1:1; a preview dials nothing)", async () => {
    fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: program\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    const backend = testBackend("package-");
    try {
      const stack = await localStack(backend, consumer, "dev");
      await stack.setConfig("privateKey", {
        value: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot used\n-----END OPENSSH PRIVATE KEY-----",
        secret: true,
      });
      const t0 = Date.now();
      const r = await stack.preview();
      timings.push(`pulumi preview ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // The stack, IpvsService web, IpvsRealServer rs1, DrCluster dr and its 6 children (director sysctls and VIP,
      // the service; per real server its ARP sysctls, VIP on lo and IPVS entry).
      assert.deepEqual(r.changeSummary, { create: 10 }, r.stdout);
      assert.match(r.stdout, /pulumi-lvs:stacks:DrCluster/);
    } finally {
      backend.dispose();
    }
  });

  it('require("pulumi-lvs") loads and exposes the resources; pulumi-lvs/components and pulumi-lvs/inventory load', () => {
    const script = `const r = require("pulumi-lvs"), c = require("pulumi-lvs/components"), i = require("pulumi-lvs/inventory");
console.log(JSON.stringify({ IpvsService: typeof r.IpvsService, IpvsRealServer: typeof r.IpvsRealServer, DrCluster: typeof c.DrCluster, loadInventory: typeof i.loadInventory, main: require.resolve("pulumi-lvs") }));`;
    const out = JSON.parse(run(process.execPath, ["-e", script], consumer)) as Record<string, string>;
    assert.deepEqual(
      { IpvsService: out.IpvsService, IpvsRealServer: out.IpvsRealServer, DrCluster: out.DrCluster, loadInventory: out.loadInventory },
      { IpvsService: "function", IpvsRealServer: "function", DrCluster: "function", loadInventory: "function" },
    );
    assert.equal(out.main, path.join(consumer, "node_modules/pulumi-lvs/dist/providers/index.js"));
  });

  it("the provider stub a resource stores names its module in node_modules and loads it from there", () => {
    fs.writeFileSync(path.join(consumer, "store-stub.js"), STORE_STUB);
    run(process.execPath, ["store-stub.js", stub], consumer);
    const text = fs.readFileSync(stub, "utf8");
    const module = path.join(consumer, "node_modules/pulumi-lvs/dist/providers/ipvs/service.js");
    assert.ok(text.includes(JSON.stringify(module)), "the stub names the installed module");
    assert.ok(text.length < 4000, `__provider is ${text.length} bytes`);
    const r = runStub(consumer);
    assert.ok(
      r.failures?.some((f) => /12\.0\.0\.300/.test(f.reason)),
      JSON.stringify(r),
    );
    assert.deepEqual(r.loaded, [module]);
  });

  it("after an update of the package, the stub stored by the old version runs the new version's code", () => {
    // 0.1.1: the same package with a check that says so.
    const next = path.join(tmp, "next");
    fs.mkdirSync(next);
    run("tar", ["-xzf", tgz, "-C", next], tmp);
    const dir = path.join(next, "package");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest, version: "0.1.1-test" }, null, 2));
    fs.appendFileSync(
      path.join(dir, "dist/providers/ipvs/service.js"),
      `\nconst check010 = exports.ipvsServiceProvider.check;
exports.ipvsServiceProvider = { ...exports.ipvsServiceProvider, check: async (o, n) => { const r = await check010(o, n); return { ...r, failures: [...(r.failures ?? []), { property: "version", reason: ${JSON.stringify(MARK)} }] }; } };\n`,
    );
    const out = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", next, dir], tmp);
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
    install([path.join(next, info.filename)]);
    const installed = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules/pulumi-lvs/package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(installed.version, "0.1.1-test");
    const r = runStub(consumer);
    assert.ok(
      r.failures?.some((f) => f.reason === MARK),
      JSON.stringify(r),
    );
    assert.ok(
      r.failures?.some((f) => /12\.0\.0\.300/.test(f.reason)),
      JSON.stringify(r),
    );
  });

  it("after the program's directory moves, the stub finds the package under the new directory, or says where it looked", () => {
    const moved = path.join(tmp, "moved", "program");
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(consumer, moved);
    const r = runStub(moved);
    assert.ok(
      r.failures?.some((f) => /12\.0\.0\.300/.test(f.reason)),
      JSON.stringify(r),
    );
    assert.deepEqual(r.loaded, [path.join(moved, "node_modules/pulumi-lvs/dist/providers/ipvs/service.js")]);
    // From a subdirectory of the program too (node_modules above the working directory).
    fs.mkdirSync(path.join(moved, "sub"));
    assert.deepEqual(runStub(path.join(moved, "sub")).loaded, r.loaded);
    // Nowhere to be found: the error names the module and the places tried.
    const elsewhere = path.join(tmp, "elsewhere");
    fs.mkdirSync(elsewhere);
    const lost = runStub(elsewhere);
    assert.match(
      lost.error ?? "",
      /providers\/ipvs\/service\.js is neither at .*\/program\/node_modules\/pulumi-lvs\/dist\/providers\/ipvs\/service\.js nor under /,
    );
    assert.match(lost.error ?? "", /node_modules\/pulumi-lvs\/dist\/providers\/ipvs\/service\.js there or above/);
  });
});
