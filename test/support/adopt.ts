// The lab tests of `npm run adopt`: the packed package (packed once per test
// process), the adopt CLI run against the lab's inventory into a fresh
// directory, the program installed and type-checked, and its stack.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as lab from "../../lab/lab";
import { defaultInventoryPath } from "../../stacks/inventory";
import { pulumiCommand, toolchainEnv } from "./toolchain";

const ROOT = path.join(__dirname, "..", "..");

export function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
}

let packed: string | undefined;

/** The package's tarball, packed once per process (removed when the process exits). */
function packedPackage(): string {
  if (packed) return packed;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-pack-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], ROOT)) as { filename: string }[];
  packed = path.join(dir, out[0].filename);
  return packed;
}

export interface AdoptedProgram {
  /** The test's directory (the program in `adopted/`, the state in `state/`); remove it when done. */
  tmp: string;
  dir: string;
  /** The CLI environment with the stack's backend and passphrase. */
  env: Record<string, string>;
  stack: Stack;
  /** What adopt printed. */
  output: string;
  /** Runs the adopt CLI with these arguments (e.g. --check). */
  adopt(args: string[]): string;
}

/** Runs `npm run adopt` on the running lab's hosts into a new directory (creating stack `adopted`), installs and type-checks the program. */
export async function adoptLab(hosts: string[]): Promise<AdoptedProgram> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-adopt-"));
  const dir = path.join(tmp, "adopted");
  fs.mkdirSync(path.join(tmp, "state"));
  const env: Record<string, string> = {
    ...toolchainEnv(),
    PULUMI_BACKEND_URL: `file://${tmp}/state`,
    PULUMI_CONFIG_PASSPHRASE: "the adopted stack's own",
  };
  const adopt = (args: string[]) =>
    run("npx", ["ts-node", "--transpile-only", "scripts/adopt.ts", ...args], ROOT, { ...process.env, ...env });
  const tarball = packedPackage();
  const t0 = Date.now();
  const output = adopt([
    "--inventory",
    defaultInventoryPath(),
    "--hosts",
    hosts.join(","),
    "--out",
    dir,
    "--package",
    `file:${tarball}`,
    "--stack",
    "adopted",
  ]);
  console.log(`      adopt: ${((Date.now() - t0) / 1000).toFixed(1)} s\n${output.trim().replace(/^/gm, "        ")}`);
  const base = ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];
  try {
    run("npm", [...base, "--offline"], dir);
  } catch {
    run("npm", base, dir);
  }
  run(path.join(dir, "node_modules/.bin/tsc"), ["--noEmit", "-p", dir], dir);
  const stack = await LocalWorkspace.selectStack(
    { stackName: "adopted", workDir: dir },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
  );
  return { tmp, dir, env, stack, output, adopt };
}

/** The generated program as one line per statement, whatever the formatter's line breaks. */
export function programText(dir: string): string {
  return fs.readFileSync(path.join(dir, "index.ts"), "utf8").replace(/\s+/g, " ").replace(/\( /g, "(").replace(/,? \)/g, ")");
}

const PROBE_LOG = "/tmp/adopt-probe.log";

/** Starts requests from the client to the URL, one every 0.2 s, each status logged. */
export function startProbe(url: string): void {
  lab.run(
    "client",
    `rm -f ${PROBE_LOG}; nohup sh -c 'while :; do curl -s -m 2 -o /dev/null -w "%{http_code}\\n" ${url} >> ${PROBE_LOG}; sleep 0.2; done' >/dev/null 2>&1 & echo $! > /tmp/adopt-probe.pid`,
  );
}

/** Stops the probe (also safe when none runs); the statuses it logged. */
export function stopProbe(): string[] {
  const r = lab.exec("client", `kill $(cat /tmp/adopt-probe.pid) 2>/dev/null; sleep 0.3; cat ${PROBE_LOG} 2>/dev/null`);
  return r.stdout.trim().split("\n").filter(Boolean);
}
