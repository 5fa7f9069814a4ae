// The lab tests of `npm run adopt`: the packed package (packed once per test
// process), the adopt CLI run against the lab's inventory into a fresh
// directory (each host's sshd logging the commands it ran meanwhile), the
// program installed and type-checked, and its stack.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as lab from "../../lab/lab";
import { defaultInventoryPath } from "../../stacks/inventory";
import { DISCOVERY_COMMAND } from "../../scripts/adopt/discover";
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

const COMMAND_LOG = "/var/log/pulumi-lvs-ssh-commands.log";
const LOGGER = "/usr/local/sbin/pulumi-lvs-log-shell";
const SAVED_SHELL = "/run/pulumi-lvs-root-shell";

/**
 * Has each host record every command its sshd runs for root, in the host's own log: root's login shell becomes a
 * wrapper that appends the command (`-c COMMAND`, base64, one per line) and runs it with the shell root had. sshd reads
 * the user's shell at each new connection: no reload, and nothing else on the host changes. Empties the log.
 */
function startCommandLog(hosts: string[]): void {
  const logger = [
    "#!/bin/sh",
    `if [ "$1" = -c ]; then printf '%s' "$2" | base64 -w0 >> ${COMMAND_LOG}; echo >> ${COMMAND_LOG}; fi`,
    `exec "$(cat ${SAVED_SHELL})" "$@"`,
  ].join("\n");
  lab.runEach(
    hosts,
    `getent passwd root | cut -d: -f7 > ${SAVED_SHELL} && echo ${Buffer.from(`${logger}\n`).toString("base64")} | base64 -d > ${LOGGER} && ` +
      `chmod 755 ${LOGGER} && : > ${COMMAND_LOG} && usermod -s ${LOGGER} root`,
  );
}

/** The commands each host's sshd ran since startCommandLog (but the reading one), and stops logging. */
function stopCommandLog(hosts: string[]): Record<string, string[]> {
  const read = `usermod -s $(cat ${SAVED_SHELL}) root && rm -f ${LOGGER} ${SAVED_SHELL} && cat ${COMMAND_LOG} && rm -f ${COMMAND_LOG}`;
  const out = lab.runEach(hosts, read);
  // The last line is this reading command itself (its connection came in while the log was on).
  const decode = (text: string) =>
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => Buffer.from(l, "base64").toString("utf8"))
      .filter((c) => c !== read);
  return Object.fromEntries(hosts.map((h) => [h, decode(out[h])]));
}

/**
 * Runs `npm run adopt` on the running lab's hosts into a new directory (creating stack `adopted`), installs and
 * type-checks the program. Each host's own sshd log of the run must hold exactly one command: the discovery line.
 */
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
  startCommandLog(hosts);
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
  const commands = stopCommandLog(hosts);
  for (const h of hosts) assert.deepEqual(commands[h], [DISCOVERY_COMMAND], `${h}'s sshd ran exactly adopt's one read-only command line`);
  console.log(`      the hosts' own sshd logs: ${hosts.length} commands, one discovery line each`);
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

/** How many resources adopt said the program adopts. */
export function adoptedCount(a: AdoptedProgram): number {
  const m = /: (\d+) resources to adopt/.exec(a.output);
  if (!m) throw new Error(`adopt printed no resource count:\n${a.output}`);
  return Number(m[1]);
}

/** The generated program as one line per statement, whatever the formatter's line breaks. */
export function programText(dir: string): string {
  return fs
    .readFileSync(path.join(dir, "index.ts"), "utf8")
    .replace(/\s+/g, " ")
    .replace(/([([]) /g, "$1")
    .replace(/,? ([)\]])/g, "$1")
    .replace(/, \}/g, " }");
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

/**
 * The seed's DR real server, typed by hand: the VIP on lo:0 (`ifconfig lo:0 VIP netmask 255.255.255.255`), its host
 * route (`route add -host VIP dev lo:0`) and the ARP sysctls. The lab's hosts have iproute2 only.
 */
export function seedDrRealServer(vip: string): string {
  return [
    `ip addr add ${vip}/32 dev lo label lo:0`,
    `ip route add ${vip} dev lo`,
    "echo 1 > /proc/sys/net/ipv4/conf/lo/arp_ignore",
    "echo 2 > /proc/sys/net/ipv4/conf/lo/arp_announce",
    "echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore",
    "echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce",
  ].join(" && ");
}

/**
 * The seed's plain DR director, typed by hand: the VIP as ens33:0 (`ifconfig ens33:0 VIP broadcast VIP netmask
 * 255.255.255.255 up`), no forwarding, no redirects, a wrr service with `-g` real servers .30 (weight 3) and .40 (1).
 */
export function seedDrDirector(vip: string): string {
  return [
    `ip addr add ${vip}/32 broadcast ${vip} dev ens33 label ens33:0`,
    "echo 0 > /proc/sys/net/ipv4/ip_forward",
    "echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects",
    "echo 0 > /proc/sys/net/ipv4/conf/default/send_redirects",
    "echo 0 > /proc/sys/net/ipv4/conf/ens33/send_redirects",
    `ipvsadm -A -t ${vip}:80 -s wrr`,
    `ipvsadm -a -t ${vip}:80 -r 192.168.118.30:80 -g -w 3`,
    `ipvsadm -a -t ${vip}:80 -r 192.168.118.40:80 -g -w 1`,
  ].join(" && ");
}

/** The resources the first up creates: the stack, each component the program declares, and each adopted resource. */
export function expectedCreates(a: AdoptedProgram): number {
  const components = fs.readFileSync(path.join(a.dir, "index.ts"), "utf8").match(/new DrCluster\(/g)?.length ?? 0;
  return 1 + components + adoptedCount(a);
}

/**
 * adopt's check, then the program's first up while the client requests `url` every 0.2 s: the up only creates (each
 * one an adoption, the check said), the hosts' state after it is `built`, and every request answered 200.
 */
export async function firstUpChangesNothing(a: AdoptedProgram, url: string, state: () => string, built: string): Promise<void> {
  const check = a.adopt(["--check", a.dir, "--stack", "adopted"]);
  assert.match(check, new RegExp(`only adoptions: ${adoptedCount(a)} resources`));
  console.log(`      ${check.trim()}`);
  startProbe(url);
  const t0 = Date.now();
  const up = await a.stack.up();
  const statuses = stopProbe();
  console.log(
    `      up: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${JSON.stringify(up.summary.resourceChanges)}; ${statuses.length} requests`,
  );
  assert.deepEqual(up.summary.resourceChanges, { create: expectedCreates(a) }, "the stack, each component and each adopted resource");
  assert.equal(state(), built, "up changed a host");
  assert.ok(statuses.length >= 5, `the probe ran (${statuses.length} requests)`);
  assert.deepEqual(
    statuses.filter((s) => s !== "200"),
    [],
    "every request through the VIP answered",
  );
}

/** refresh and preview of the adopted stack find no change. */
export async function noChange(a: AdoptedProgram): Promise<void> {
  const refresh = await a.stack.refresh();
  assert.deepEqual(Object.keys(refresh.summary.resourceChanges ?? {}), ["same"], JSON.stringify(refresh.summary.resourceChanges));
  const preview = await a.stack.preview();
  assert.deepEqual(Object.keys(preview.changeSummary), ["same"], JSON.stringify(preview.changeSummary));
}

/** destroy of the adopted stack (keepOnDestroy, the generated default) leaves every host's state as it was. */
export async function destroyKeepsAll(a: AdoptedProgram, state: () => string): Promise<void> {
  const before = state();
  const destroy = await a.stack.destroy();
  assert.equal(destroy.summary.result, "succeeded");
  assert.equal(state(), before, "destroy of an adopted stack removed something");
}

/**
 * A describe's hand-built setup, adopted: before() takes the lab preset, runs `build` (the hand-typed commands),
 * records `state()` as `built` and runs adopt on `hosts`; after() stops a probe and removes the program's directory.
 */
export function adoptHandBuilt(
  preset: string,
  hosts: string[],
  build: () => void | Promise<void>,
  state: () => string,
): { a: AdoptedProgram; built: string } {
  const t = {} as { a: AdoptedProgram; built: string };
  before(async function () {
    const r = await lab.use(preset);
    console.log(`      lab ${preset}: ${r.mode} in ${r.seconds.toFixed(1)}s`);
    await build();
    t.built = state();
    t.a = await adoptLab(hosts);
  });
  after(() => {
    stopProbe();
    if (t.a) fs.rmSync(t.a.tmp, { recursive: true, force: true });
  });
  return t;
}
