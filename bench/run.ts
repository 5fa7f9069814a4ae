// `npm run bench [-- --runs N (1)] [--scale-runs N (3)] [--scale-sizes 50,500,5000]
// [--scale-big-runs N] [--big-parallel N] [--only nat-lab,dr-keepalived,scale]`:
// on the lab, times each stack's cold `up`, no-op `up`, no-op `preview`,
// `refresh`, `up --refresh` and `destroy` through the project's CLI, and the
// Ansible peer's cold apply, no-op apply, `--check --diff` and teardown on the
// same hosts, interleaved run by run; checks that both leave the hosts in the
// same state and that destroy/teardown return them to bare. Then the scale
// stack at 50, 500 and 5,000 real servers, each run followed by the engine's
// floor (the same stack shape with a provider that does nothing,
// bench/floor.ts) and by `ipvsadm -R` of the same rules on the director, with
// the peak RSS of each command's processes; up to 500 real servers the first
// run also has Ansible's playbook for the same rules (bench/ansible/scale.yml)
// as a reference, its host state checked against ours. SSH connections and sessions are
// counted on the hosts. Writes bench/results.md and bench/chart.svg.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as lab from "../lab/lab";
import { snapshot } from "../scripts/lib/snapshot";
import { holdsVip, until } from "../scripts/lib/probe";
import { projectRoot, pulumiCommand, toolchainEnv } from "../scripts/lib/toolchain";
import { closeMasters, runPlaybook } from "./ansible";
import { Floor, killOurs, PeakSampler } from "./floor";
import { floorShape, hostFloorRules, reweightedCount } from "./floorReport";
import { countSince, cursors } from "./hostCounts";
import { LogPanel, logChart } from "./logChart";
import {
  barChart,
  compare,
  comparisonTable,
  floorComparisons,
  floorComparisonTable,
  floorGoals,
  goals,
  goalsTable,
  HOST_OP,
  HostCount,
  rowsTable,
  Sample,
  stackSvgs,
  summarize,
  Tool,
} from "./report";

const WORK = path.join(projectRoot, ".bench-work");
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const RUNS = Number(opt("runs", "1"));
const SCALE_RUNS = Number(opt("scale-runs", "3"));
const SCALE_SIZES = opt("scale-sizes", "50,500,5000")
  .split(",")
  .map(Number)
  // The largest first: the longest part fails, if it does, before the others have taken their time.
  .sort((a, b) => b - a);
/** Above this many real servers: one run (`--scale-big-runs`), no checkpoints and a wider parallelism (see BIG_ENV). */
const BIG = 500;
const SCALE_BIG_RUNS = Number(opt("scale-big-runs", "1"));
/**
 * The environment of every command at the big size, ours and the floor's alike: the local file backend rewrites
 * the whole state after every step (quadratic: a cold `up` of 5,050 resources would spend hours writing
 * checkpoints), so the state is written once at the end; and more operations in flight, so that our provider
 * batches more IPVS changes per SSH command.
 */
const BIG_ENV = { PULUMI_SKIP_CHECKPOINTS: "true", PULUMI_PARALLEL: opt("big-parallel", "1024") };
const ONLY = opt("only", "nat-lab,dr-keepalived,scale").split(",");

const samples: Sample[] = [];
const notes: string[] = [];
const say = (msg: string) => process.stdout.write(`${msg}\n`);

/**
 * Host files the stacks manage, by checksum: equal states mean equal bytes,
 * except the VRRP password (generated per stack) and the order of the IPVS
 * rules (real servers are listed in the order they were added).
 */
const STATE_EXTRA = [
  "md5sum /etc/keepalived/keepalived.conf /etc/sysctl.d/90-* /etc/systemd/system/pulumi-lvs* 2>/dev/null",
  'for f in /etc/keepalived/conf.d/*.conf; do [ -f "$f" ] && echo "$(sed \'s/auth_pass .*/auth_pass SECRET/\' "$f" | md5sum | cut -d\' \' -f1) $f (auth_pass masked)"; done; true',
  "echo \"$(sort /etc/ipvsadm.rules | md5sum | cut -d' ' -f1) /etc/ipvsadm.rules (sorted)\"",
  'for u in $(cd /etc/systemd/system && ls pulumi-lvs* 2>/dev/null); do echo "$u $(systemctl is-enabled $u 2>/dev/null)"; done',
  "grep '^AUTO' /etc/default/ipvsadm 2>/dev/null; ls /etc/rc2.d | grep ipvsadm || true",
];

/** The hosts' state for comparing two tools: every line, sorted within each host. */
function state(hosts: string[]): string {
  return snapshot(hosts, STATE_EXTRA)
    .split(/^(?=## )/m)
    .map((h) =>
      h
        .split("\n")
        .filter((l) => l.trim() !== "")
        .sort()
        .join("\n"),
    )
    .join("\n");
}

/** The lab's bare state, as the lab tests define it. */
function bareState(hosts: string[]): string {
  return snapshot(hosts);
}

const sampler = new PeakSampler();

/**
 * Times fn and counts SSH on `hosts` around it; with `stateFile` (a Pulumi command), also the peak RSS of the
 * command's processes and the checkpoint's size after it.
 */
async function measure(
  tool: Tool,
  stack: string,
  op: string,
  hosts: string[],
  fn: () => Promise<void>,
  stateFile?: string,
): Promise<Sample> {
  const from = cursors(hosts);
  if (stateFile) sampler.start();
  const t0 = process.hrtime.bigint();
  let peakKb: Sample["peakKb"];
  try {
    await fn();
  } finally {
    if (stateFile) peakKb = sampler.stop();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const counts: Record<string, HostCount> = countSince(from);
  const stateBytes = stateFile && fs.existsSync(stateFile) ? fs.statSync(stateFile).size : undefined;
  const s: Sample = {
    tool,
    stack,
    op,
    seconds,
    hosts: counts,
    ...(peakKb ? { peakKb } : {}),
    ...(stateBytes !== undefined ? { stateBytes } : {}),
  };
  samples.push(s);
  const conns = Object.entries(counts)
    .map(([h, c]) => `${h} ${c.connections}/${c.sessions}`)
    .join(", ");
  const mem = peakKb
    ? `   peak RSS MB: CLI ${((peakKb.cli ?? 0) / 1024).toFixed(0)}, provider ${((peakKb.provider ?? 0) / 1024).toFixed(0)}`
    : "";
  say(
    `  ${tool.padEnd(7)} ${stack.padEnd(14)} ${op.padEnd(11)} ${seconds.toFixed(2).padStart(8)} s   connections/sessions: ${conns || "-"}${mem}`,
  );
  return s;
}

// ------------------------------------------------------------------ Pulumi

let env: Record<string, string>;

/** The project's program through the CLI and the Node.js language host, on the benchmark's own backend. */
async function pulumiStack(name: string, config: Record<string, string> = {}, extraEnv: Record<string, string> = {}): Promise<Stack> {
  const project = path.join(WORK, "project");
  fs.mkdirSync(path.join(WORK, "state"), { recursive: true });
  fs.mkdirSync(project, { recursive: true });
  // The project's own runtime and main (program.js: index.ts through the compile cache), run from this directory.
  fs.writeFileSync(
    path.join(project, "Pulumi.yaml"),
    `name: pulumi-lvs\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: ${path.join(projectRoot, "program.js")}\n`,
  );
  // The lab stack's committed config (its topology and the lab's values), read by the CLI from the project dir.
  const committed = path.join(projectRoot, `Pulumi.${name}.yaml`);
  if (fs.existsSync(committed)) fs.copyFileSync(committed, path.join(project, `Pulumi.${name}.yaml`));
  env ??= { ...toolchainEnv(), PULUMI_BACKEND_URL: `file://${WORK}/state` };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: project },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: { ...env, ...extraEnv } },
  );
  for (const [k, v] of Object.entries(config)) await stack.setConfig(`pulumi-lvs:${k}`, { value: v });
  return stack;
}

function changes(summary: Record<string, number> | undefined): string {
  return Object.entries(summary ?? {})
    .filter(([k, v]) => k !== "same" && v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

interface CycleOptions {
  /** Runs after `up`, before the no-op (keepalived elects, checks run). */
  settled?: () => Promise<void>;
  /** Runs before `destroy` (the scale stack's reweight). */
  extra?: (s: Stack) => Promise<void>;
  /** Operations left out (the big size: `preview`, `up-refresh`). */
  skip?: string[];
  /** The stack's checkpoint file: peak RSS and state size are measured. */
  stateFile?: string;
}

/**
 * One run: cold `up`, no-op `up`, no-op `preview`, `refresh` (no drift), `up --refresh` (reads every host,
 * changes nothing), `extra`, `destroy`; each result checked. `tool` is pulumi or floor.
 */
async function cycle(tool: Tool, stack: Stack, label: string, hosts: string[], o: CycleOptions = {}): Promise<void> {
  const run = (op: string, fn: () => Promise<void>) =>
    o.skip?.includes(op) ? Promise.resolve() : measure(tool, label, op, hosts, fn, o.stateFile);
  await run("up", async () => {
    const r = await stack.up();
    if (r.summary.result !== "succeeded") throw new Error(`${tool} ${label} up: ${r.summary.result}`);
  });
  await o.settled?.();
  await run("noop-up", async () => {
    const c = changes((await stack.up()).summary.resourceChanges);
    if (c) throw new Error(`${tool} ${label}: a second up changed resources (${c})`);
  });
  await run("preview", async () => {
    const c = changes((await stack.preview()).changeSummary);
    if (c) throw new Error(`${tool} ${label}: preview after up shows changes (${c})`);
  });
  await run("refresh", async () => {
    await stack.refresh({ expectNoChanges: true });
  });
  await run("up-refresh", async () => {
    const c = changes((await stack.up({ refresh: true })).summary.resourceChanges);
    if (c) throw new Error(`${tool} ${label}: up --refresh after up changed resources (${c})`);
  });
  if (o.extra) await o.extra(stack);
  await run("destroy", async () => {
    await stack.destroy();
  });
}

// ------------------------------------------------------------------ peers

interface Peer {
  stack: string;
  preset: string;
  hosts: string[];
  playbook: string;
  /** Waits until the hosts' state is stable after an apply (keepalived elects, checks run). */
  settled: () => Promise<void>;
}

/** Two equal snapshots a second apart. */
async function stableState(hosts: string[]): Promise<string> {
  let prev = state(hosts);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = state(hosts);
    if (cur === prev) return cur;
    prev = cur;
  }
  throw new Error(`the hosts' state did not settle within 20 s`);
}

const PEERS: Peer[] = [
  { stack: "nat-lab", preset: "nat", hosts: ["director", "rs1", "rs2", "client"], playbook: "nat-lab.yml", settled: async () => undefined },
  {
    stack: "dr-keepalived",
    preset: "dr",
    hosts: ["director1", "director2", "rs1", "rs2", "client"],
    playbook: "dr-keepalived.yml",
    settled: async () => void (await until("director1 holds the VIP", 30, () => holdsVip("director1"))),
  },
];

function firstDifference(a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: "${al[i] ?? ""}" vs "${bl[i] ?? ""}"`;
  }
  return "none";
}

async function peerBench(p: Peer): Promise<void> {
  say(`\n== ${p.stack} on lab preset ${p.preset}: Pulumi and Ansible, ${RUNS} runs each, interleaved`);
  const boot = await lab.up(p.preset);
  notes.push(`lab preset ${p.preset} booted in ${boot.seconds.total.toFixed(0)} s`);
  const bare = bareState(p.hosts);
  const stack = await pulumiStack(p.stack);
  // As from a vault: the VRRP password the playbook uses (Pulumi generates its own).
  const extraVars = {
    vrrp_auth_pass: crypto
      .randomBytes(6)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "x")
      .slice(0, 8),
  };
  let pulumiState = "";
  let ansibleState = "";
  try {
    for (let i = 1; i <= RUNS; i++) {
      say(` run ${i}`);
      await cycle("pulumi", stack, p.stack, p.hosts, {
        settled: async () => {
          await p.settled();
          if (i === 1) pulumiState = await stableState(p.hosts);
        },
      });
      const afterDestroy = bareState(p.hosts);
      if (afterDestroy !== bare)
        throw new Error(`${p.stack}: pulumi destroy did not return the hosts to bare (${firstDifference(bare, afterDestroy)})`);

      await measure("ansible", p.stack, "apply", p.hosts, async () => {
        const r = await runPlaybook(WORK, p.playbook, { extraVars });
        if (r.changed === 0) throw new Error(`${p.stack}: the Ansible apply on bare hosts changed nothing`);
      });
      await p.settled();
      if (i === 1) ansibleState = await stableState(p.hosts);
      await measure("ansible", p.stack, "noop-apply", p.hosts, async () => {
        const r = await runPlaybook(WORK, p.playbook, { extraVars });
        if (r.changed !== 0) throw new Error(`${p.stack}: the second Ansible apply changed ${r.changed} things:\n${r.output.slice(-3000)}`);
      });
      await measure("ansible", p.stack, "check-diff", p.hosts, async () => {
        const r = await runPlaybook(WORK, p.playbook, { check: true, diff: true, extraVars });
        if (r.changed !== 0) throw new Error(`${p.stack}: ansible --check --diff after apply reports ${r.changed} changes`);
      });
      await measure("ansible", p.stack, "teardown", p.hosts, async () => {
        await runPlaybook(WORK, p.playbook.replace(".yml", "-teardown.yml"));
      });
      const afterTeardown = bareState(p.hosts);
      if (afterTeardown !== bare)
        throw new Error(`${p.stack}: the Ansible teardown did not return the hosts to bare (${firstDifference(bare, afterTeardown)})`);
      if (i === 1) {
        if (pulumiState !== ansibleState) {
          fs.writeFileSync(path.join(WORK, `${p.stack}.pulumi.state`), pulumiState);
          fs.writeFileSync(path.join(WORK, `${p.stack}.ansible.state`), ansibleState);
          throw new Error(
            `${p.stack}: Pulumi and Ansible leave different host states (${firstDifference(pulumiState, ansibleState)}); both in ${WORK}`,
          );
        }
        notes.push(
          `${p.stack}: Pulumi's and Ansible's host states are equal (${pulumiState.split("\n").length} lines of ${p.hosts.length} hosts' snapshot: IPVS, addresses, routes, NAT, sysctls, managed files by checksum, units); destroy and teardown both return the hosts to bare`,
        );
      }
    }
  } finally {
    closeMasters(WORK);
    await stack.destroy().catch(() => undefined);
  }
}

// ------------------------------------------------------------------ scale

/** The scale stack's VIP, from its committed config (the floor's rules use the same). */
function scaleVip(): string {
  const m = /pulumi-lvs:vip:\s*(\S+)/.exec(fs.readFileSync(path.join(projectRoot, "Pulumi.scale.yaml"), "utf8"));
  if (!m) throw new Error("Pulumi.scale.yaml has no pulumi-lvs:vip");
  return m[1];
}

/** IPVS lines with weight 2 on director1. */
function weightTwo(): number {
  return lab
    .run("director1", "ipvsadm -Sn")
    .split("\n")
    .filter((l) => / -w 2$/.test(l)).length;
}

/** The host-side floor: the same rules through `ipvsadm -R` on director1 (one SSH command each), checked. */
async function hostFloor(n: number, label: string, hosts: string[], bare: string): Promise<void> {
  const rules = hostFloorRules(n, scaleVip(), "10.10");
  const restore = (op: string, input: string) =>
    measure("ipvsadm", label, op, hosts, async () => {
      const r = lab.exec("director1", "ipvsadm -R", input);
      // ipvsadm -R goes on after a failed line and exits 0: its stderr is the only sign.
      if (r.code !== 0 || r.stderr.trim()) throw new Error(`${label}: ipvsadm -R (${op}) failed: ${r.code} ${r.stderr.trim()}`);
    });
  await restore("restore", rules.restore);
  const servers = lab
    .run("director1", "ipvsadm -Sn")
    .split("\n")
    .filter((l) => l.startsWith("-a ")).length;
  if (servers !== n) throw new Error(`${label}: ipvsadm -R restored ${servers} real servers; want ${n}`);
  await restore("reweight", rules.reweight);
  if (weightTwo() !== reweightedCount(n, 10))
    throw new Error(`${label}: ipvsadm -R reweighted ${weightTwo()}; want ${reweightedCount(n, 10)}`);
  await restore("delete", rules.remove);
  const after = bareState(hosts);
  if (after !== bare)
    throw new Error(`${label}: ipvsadm -R of the deletions did not return director1 to bare (${firstDifference(bare, after)})`);
}

/**
 * The Ansible playbook for the same rules (bench/ansible/scale.yml), as a reference: apply, no-op apply, the 10%
 * reweight and teardown on director1; its host state must equal ours and the teardown must leave director1 bare.
 */
async function ansibleScale(n: number, label: string, hosts: string[], bare: string, pulumiState: string): Promise<void> {
  const { services, serversPerService } = floorShape(n);
  const vars = (percent: number) => ({
    vip: scaleVip(),
    services: String(services),
    servers_per_service: String(serversPerService),
    network: "10.10",
    reweight_every: String(percent > 0 ? Math.round(100 / percent) : 0),
  });
  try {
    await measure("ansible", label, "apply", hosts, async () => {
      const r = await runPlaybook(WORK, "scale.yml", { extraVars: vars(0) });
      if (r.changed === 0) throw new Error(`${label}: the Ansible apply on a bare director changed nothing`);
    });
    const ansibleState = await stableState(hosts);
    if (ansibleState !== pulumiState) {
      fs.writeFileSync(path.join(WORK, `${label}.pulumi.state`), pulumiState);
      fs.writeFileSync(path.join(WORK, `${label}.ansible.state`), ansibleState);
      throw new Error(
        `${label}: Pulumi and Ansible leave different host states (${firstDifference(pulumiState, ansibleState)}); both in ${WORK}`,
      );
    }
    await measure("ansible", label, "noop-apply", hosts, async () => {
      const r = await runPlaybook(WORK, "scale.yml", { extraVars: vars(0) });
      if (r.changed !== 0) throw new Error(`${label}: the second Ansible apply changed ${r.changed} things:\n${r.output.slice(-3000)}`);
    });
    await measure("ansible", label, "reweight", hosts, async () => {
      await runPlaybook(WORK, "scale.yml", { extraVars: vars(10) });
    });
    if (weightTwo() !== reweightedCount(n, 10))
      throw new Error(`${label}: Ansible's reweight left ${weightTwo()} real servers at weight 2; want ${reweightedCount(n, 10)}`);
    await measure("ansible", label, "teardown", hosts, async () => {
      await runPlaybook(WORK, "scale-teardown.yml");
    });
    const after = bareState(hosts);
    if (after !== bare)
      throw new Error(`${label}: the Ansible teardown did not return director1 to bare (${firstDifference(bare, after)})`);
    notes.push(
      `${label}: Ansible (bench/ansible/scale.yml, first run only) leaves the same host state as pulumi-lvs (${pulumiState.split("\n").length} lines of director1's snapshot) and its teardown returns director1 to bare`,
    );
  } finally {
    closeMasters(WORK);
  }
}

async function scaleBench(): Promise<void> {
  say(`\n== scale: ${SCALE_SIZES.join(", ")} real servers on director1 (preset dr), pulumi-lvs, the engine's floor and ipvsadm -R`);
  if (lab.labState()?.preset !== "dr") await lab.up("dr");
  const hosts = ["director1"];
  const bare = bareState(hosts);
  const floor = new Floor(path.join(WORK, "floor"));
  const oursState = path.join(WORK, "state", ".pulumi", "stacks", "pulumi-lvs", "scale.json");
  try {
    for (const n of SCALE_SIZES) {
      const shape = floorShape(n);
      const label = `scale-${n}`;
      const big = n > BIG;
      const extraEnv: Record<string, string> = big ? BIG_ENV : {};
      const skip = big ? ["preview", "up-refresh"] : [];
      const runs = big ? SCALE_BIG_RUNS : SCALE_RUNS;
      const want = reweightedCount(n, 10);
      const ours = await pulumiStack(
        "scale",
        { services: String(shape.services), serversPerService: String(shape.serversPerService), reweightPercent: "0" },
        extraEnv,
      );
      const fl = await floor.stack(n, extraEnv);
      const reweight = (tool: Tool, stateFile: string, key: string, onHost: boolean) => async (s: Stack) => {
        await s.setConfig(key, { value: "10" });
        await measure(
          tool,
          label,
          "reweight",
          tool === "pulumi" ? hosts : [],
          async () => {
            const c = (await s.up()).summary.resourceChanges ?? {};
            if (c.update !== want || changes(c) !== `update ${want}`)
              throw new Error(`${tool} ${label}: reweighting 10% should update ${want} real servers; got ${changes(c)}`);
          },
          stateFile,
        );
        if (onHost && weightTwo() !== want)
          throw new Error(`${label}: ${weightTwo()} real servers have weight 2 on the host; want ${want}`);
        await s.setConfig(key, { value: "0" });
      };
      try {
        for (let i = 1; i <= runs; i++) {
          say(
            ` ${n} real servers (${shape.services} services x ${shape.serversPerService}), run ${i} of ${runs}${big ? `, ${JSON.stringify(BIG_ENV)}` : ""}`,
          );
          // Ansible, as a reference, in the first run of each size up to BIG: its host state is checked against ours.
          const withAnsible = !big && i === 1;
          let pulumiState = "";
          await cycle("pulumi", ours, label, hosts, {
            skip,
            stateFile: oursState,
            settled: async () => {
              if (withAnsible) pulumiState = await stableState(hosts);
            },
            extra: reweight("pulumi", oursState, "pulumi-lvs:reweightPercent", true),
          });
          const after = bareState(hosts);
          if (after !== bare) throw new Error(`${label}: destroy did not return director1 to bare (${firstDifference(bare, after)})`);
          await cycle("floor", fl.stack, label, [], {
            skip,
            stateFile: fl.stateFile,
            extra: reweight("floor", fl.stateFile, "floor:reweightPercent", false),
          });
          await hostFloor(n, label, hosts, bare);
          if (withAnsible) await ansibleScale(n, label, hosts, bare, pulumiState);
          if (i === 1) {
            notes.push(
              `${label}: ${shape.services} services x ${shape.serversPerService} real servers (${shape.resources} resources); ${runs} run${runs > 1 ? "s" : ""}${
                big
                  ? `; every command of pulumi-lvs and of the floor with ${Object.entries(BIG_ENV)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(" ")}; \`preview\` and \`up --refresh\` not run`
                  : ""
              }`,
            );
          }
        }
      } finally {
        await ours.destroy().catch(() => undefined);
        await fl.stack.destroy().catch(() => undefined);
      }
    }
    const b = floor.providerBytes();
    if (b)
      notes.push(
        `the floor's \`__provider\` is padded to IpvsRealServer's stub (${b.server} characters) and IpvsService's (${b.service}), so its checkpoint has the real stack's size`,
      );
  } finally {
    killOurs();
    floor.remove();
  }
}

// ------------------------------------------------------------------ report

/** The scale panels of the chart: seconds against real servers per operation, ours, the floor and ipvsadm -R. */
function scalePanels(rows: ReturnType<typeof summarize>): LogPanel[] {
  const ops = [...new Set(rows.filter((r) => r.tool === "pulumi" && r.stack.startsWith("scale-")).map((r) => r.op))];
  const n = (stack: string) => Number(stack.slice("scale-".length));
  const points = (tool: Tool, op: string) =>
    rows
      .filter((r) => r.tool === tool && r.stack.startsWith("scale-") && r.op === op)
      .map((r) => ({ x: n(r.stack), y: r.median, yMin: r.min, yMax: r.max }))
      .sort((a, b) => a.x - b.x);
  return ops.map((op) => ({
    title: op,
    series: [
      { name: "pulumi-lvs", points: points("pulumi", op) },
      { name: "engine floor (no-op provider)", dashed: true, points: points("floor", op) },
      ...(HOST_OP[op] ? [{ name: "ipvsadm -R on the director", dashed: true, points: points("ipvsadm", HOST_OP[op]) }] : []),
    ],
  }));
}

function write(startedAt: Date, seconds: number): void {
  const rows = summarize(samples);
  const peers = compare(rows);
  const limit = floorComparisons(rows);
  const cpu = os.cpus();
  const md = [
    "# Benchmark: pulumi-lvs, Ansible and the engine's floor on the lab",
    "",
    `Written by \`npm run bench\` (\`${argv.join(" ") || "no options"}\`) on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC in ${(seconds / 60).toFixed(0)} min: ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ` +
      `the lab VM under qemu TCG (software emulation; every host is a systemd-nspawn container in it). ${RUNS} run${RUNS > 1 ? "s" : ""} per stack and tool, interleaved; ${SCALE_RUNS} per scale size up to ${BIG} real servers (Ansible in the first), ${SCALE_BIG_RUNS} above.`,
    "Times are wall-clock seconds of the whole command (CLI start, program, engine, SSH). Connections and sessions are counted by the hosts' sshd (one session per command, file transfer or shell).",
    "Pulumi's no-op `up` and `preview` compare the program with the state and contact no host; `refresh` and `up --refresh` (`up-refresh`) are the operations that read the hosts (Ansible's no-op apply and `--check --diff` both read them; `up --refresh` also repairs drift, as the apply does). " +
      `Operations run with ${toolchainEnv().PULUMI_PARALLEL} in flight (PULUMI_PARALLEL, the project's default in scripts/lib.sh; the engine's own is 4 x CPUs) up to ${BIG} real servers. The Ansible runs reuse ControlPersist connections when the previous run ended less than 60 s before.`,
    "The engine's floor (`floor`) is the scale stack's shape through the same CLI, backend, parallelism and environment, every resource a dynamic resource whose provider does nothing (bench/floorProgram.ts), its `__provider` padded to the real stub's size; `ipvsadm` is the same rules restored with `ipvsadm -R` on the director in one SSH command (`restore`, the 10% `reweight` as `-e` lines, `delete` of every service). Peak RSS is the largest VmHWM of each process of the command (sampled every 100 ms).",
    "",
    "![chart](chart.svg)",
    "",
    "## Goals",
    "",
    goalsTable([...goals(rows), ...floorGoals(rows)]),
    "",
    "## Pulumi and Ansible, same hosts, same run",
    "",
    comparisonTable(peers),
    "",
    ...(limit.length
      ? ["## pulumi-lvs over the engine's floor, same run (scale stack on one director)", "", floorComparisonTable(limit), ""]
      : []),
    "## Every operation",
    "",
    rowsTable(rows),
    "",
    "## Checks made in this run",
    "",
    ...notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(__dirname, "results.md"), md);
  const peerBars = peers.flatMap((c) => [
    { label: `${c.stack} ${c.op}`, series: "pulumi-lvs", min: c.pulumi.min, median: c.pulumi.median, max: c.pulumi.max },
    { label: `${c.stack} ${c.op}`, series: "Ansible", min: c.ansible.min, median: c.ansible.median, max: c.ansible.max },
  ]);
  const svgs = [];
  if (peerBars.length) svgs.push(barChart("pulumi-lvs vs Ansible on the same lab hosts (median, min-max)", "s", peerBars));
  const panels = scalePanels(rows);
  if (panels.length)
    svgs.push(logChart("scale stack on one director: seconds per operation against real servers (log axes; median, min-max)", panels));
  if (svgs.length) fs.writeFileSync(path.join(__dirname, "chart.svg"), stackSvgs(svgs));
  fs.writeFileSync(path.join(WORK, "samples.json"), JSON.stringify(samples, null, 2));
  say(`\nwrote bench/results.md, bench/chart.svg (samples: .bench-work/samples.json)`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  try {
    if (ONLY.includes("scale")) await scaleBench();
    for (const p of PEERS) if (ONLY.includes(p.stack)) await peerBench(p);
  } finally {
    await lab.down();
  }
  write(startedAt, (Date.now() - t0) / 1000);
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
