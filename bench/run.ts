// `npm run bench [-- --runs N] [--scale-runs N] [--only nat-lab,dr-keepalived,scale,floor]`:
// on the lab, times each stack's cold `up`, no-op `up`, no-op `preview`,
// `refresh` and `destroy` through the project's CLI, and the Ansible peer's
// cold apply, no-op apply, `--check --diff` and teardown on the same hosts,
// interleaved run by run; checks that both leave the hosts in the same state
// and that destroy/teardown return them to bare; then grows the `scale` stack
// from 50 to 500 real servers. SSH connections and sessions are counted on the
// hosts. Writes bench/results.md and bench/chart.svg. `floor` (not in the
// default selection; no lab) measures the engine's floor: bench/floor.ts,
// bench/floor-results.md.
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
import { floorBench, floorOptions } from "./floor";
import { countSince, cursors } from "./hostCounts";
import { barChart, compare, comparisonTable, goals, goalsTable, HostCount, rowsTable, Sample, stackSvgs, summarize } from "./report";

const WORK = path.join(projectRoot, ".bench-work");
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const RUNS = Number(opt("runs", "3"));
const SCALE_RUNS = Number(opt("scale-runs", "3"));
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

/** Times fn and counts SSH on `hosts` around it. */
async function measure(tool: Sample["tool"], stack: string, op: string, hosts: string[], fn: () => Promise<void>): Promise<Sample> {
  const from = cursors(hosts);
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const counts: Record<string, HostCount> = countSince(from);
  const s: Sample = { tool, stack, op, seconds, hosts: counts };
  samples.push(s);
  const conns = Object.entries(counts)
    .map(([h, c]) => `${h} ${c.connections}/${c.sessions}`)
    .join(", ");
  say(`  ${tool.padEnd(7)} ${stack.padEnd(14)} ${op.padEnd(11)} ${seconds.toFixed(2).padStart(7)} s   connections/sessions: ${conns}`);
  return s;
}

// ------------------------------------------------------------------ Pulumi

let env: Record<string, string>;

/** The project's program through the CLI and the Node.js language host, on the benchmark's own backend. */
async function pulumiStack(name: string, config: Record<string, string> = {}): Promise<Stack> {
  const project = path.join(WORK, "project");
  fs.mkdirSync(path.join(WORK, "state"), { recursive: true });
  fs.mkdirSync(project, { recursive: true });
  // `main` names the program file: the project directory's package.json points at the package's dist/, not the program.
  fs.writeFileSync(
    path.join(project, "Pulumi.yaml"),
    `name: pulumi-lvs\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: ${path.join(projectRoot, "index.ts")}\n`,
  );
  // The lab stack's committed config (its topology and the lab's values), read by the CLI from the project dir.
  const committed = path.join(projectRoot, `Pulumi.${name}.yaml`);
  if (fs.existsSync(committed)) fs.copyFileSync(committed, path.join(project, `Pulumi.${name}.yaml`));
  env ??= { ...toolchainEnv(), PULUMI_BACKEND_URL: `file://${WORK}/state` };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: project },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
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

/** up, no-op up, no-op preview, refresh (no drift), destroy: one run. `settled` runs after up, before the no-op. */
async function pulumiCycle(
  stack: Stack,
  label: string,
  hosts: string[],
  settled: () => Promise<void>,
  extra?: (s: Stack) => Promise<void>,
): Promise<void> {
  await measure("pulumi", label, "up", hosts, async () => {
    const r = await stack.up();
    if (r.summary.result !== "succeeded") throw new Error(`${label} up: ${r.summary.result}`);
  });
  await settled();
  await measure("pulumi", label, "noop-up", hosts, async () => {
    const r = await stack.up();
    const c = changes(r.summary.resourceChanges);
    if (c) throw new Error(`${label}: a second up changed resources (${c})`);
  });
  await measure("pulumi", label, "preview", hosts, async () => {
    const r = await stack.preview();
    const c = changes(r.changeSummary);
    if (c) throw new Error(`${label}: preview after up shows changes (${c})`);
  });
  await measure("pulumi", label, "refresh", hosts, async () => {
    await stack.refresh({ expectNoChanges: true });
  });
  if (extra) await extra(stack);
  await measure("pulumi", label, "destroy", hosts, async () => {
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
      await pulumiCycle(stack, p.stack, p.hosts, async () => {
        await p.settled();
        if (i === 1) pulumiState = await stableState(p.hosts);
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

async function scaleBench(): Promise<void> {
  say(`\n== scale: 10 services x 5 and x 50 real servers on director1 (preset dr), ${SCALE_RUNS} runs each`);
  if (lab.labState()?.preset !== "dr") await lab.up("dr");
  const hosts = ["director1"];
  const bare = bareState(hosts);
  for (const per of [5, 50]) {
    const label = `scale-${10 * per}`;
    const stack = await pulumiStack("scale", { services: "10", serversPerService: String(per), reweightPercent: "0" });
    try {
      for (let i = 1; i <= SCALE_RUNS; i++) {
        say(` run ${i}`);
        await stack.setConfig("pulumi-lvs:reweightPercent", { value: "0" });
        await pulumiCycle(
          stack,
          label,
          hosts,
          async () => undefined,
          async (s) => {
            await s.setConfig("pulumi-lvs:reweightPercent", { value: "10" });
            await measure("pulumi", label, "reweight", hosts, async () => {
              const r = await s.up();
              const want = per;
              if (r.summary.resourceChanges?.update !== want)
                throw new Error(`${label}: reweighting 10% should update ${want} real servers; got ${changes(r.summary.resourceChanges)}`);
            });
            const table = lab.run("director1", "ipvsadm -Sn");
            const w2 = table.split("\n").filter((l) => / -w 2$/.test(l)).length;
            if (w2 !== per) throw new Error(`${label}: ${w2} real servers have weight 2 on the host; want ${per}`);
          },
        );
        const after = bareState(hosts);
        if (after !== bare) throw new Error(`${label}: destroy did not return director1 to bare (${firstDifference(bare, after)})`);
        // The same cold up and destroy with more operations in flight: larger IPVS batches.
        await stack.setConfig("pulumi-lvs:reweightPercent", { value: "0" });
        await measure("pulumi", label, "up-p64", hosts, async () => {
          const r = await stack.up({ parallel: 64 });
          if (r.summary.result !== "succeeded") throw new Error(`${label} up --parallel 64: ${r.summary.result}`);
        });
        await measure("pulumi", label, "destroy-p64", hosts, async () => {
          await stack.destroy({ parallel: 64 });
        });
        const afterP64 = bareState(hosts);
        if (afterP64 !== bare)
          throw new Error(`${label}: destroy --parallel 64 did not return director1 to bare (${firstDifference(bare, afterP64)})`);
      }
    } finally {
      await stack.destroy().catch(() => undefined);
    }
  }
}

// ------------------------------------------------------------------ report

function write(startedAt: Date, seconds: number): void {
  const rows = summarize(samples);
  const peers = compare(rows);
  const scaleRows = rows.filter((r) => r.stack.startsWith("scale-"));
  const growth = scaleRows
    .filter((r) => r.stack === "scale-50")
    .map((small) => {
      const big = scaleRows.find((r) => r.stack === "scale-500" && r.op === small.op);
      return big
        ? `| ${small.op} | ${small.median.toFixed(2)} | ${big.median.toFixed(2)} | ${(big.median / small.median).toFixed(1)}x | ${small.sessions} | ${big.sessions} |`
        : "";
    })
    .filter(Boolean);
  const cpu = os.cpus();
  const md = [
    "# Benchmark: pulumi-lvs and Ansible on the lab",
    "",
    `Written by \`npm run bench\` on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC in ${(seconds / 60).toFixed(0)} min: ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ` +
      `the lab VM under qemu TCG (software emulation; every host is a systemd-nspawn container in it). ${RUNS} runs per stack and tool, interleaved; ${SCALE_RUNS} per scale size.`,
    "Times are wall-clock seconds of the whole command (CLI start, program, engine, SSH). Connections and sessions are counted by the hosts' sshd (one session per command, file transfer or shell).",
    "Pulumi's no-op `up` and `preview` compare the program with the state and contact no host; `refresh` is the operation that reads the hosts (Ansible's no-op apply and `--check --diff` both read them). " +
      "Operations run with the engine's default parallelism (4 x CPUs) unless named `-p64` (`--parallel 64`). The Ansible runs reuse ControlPersist connections when the previous run ended less than 60 s before.",
    "",
    "![chart](chart.svg)",
    "",
    "## Goals",
    "",
    goalsTable(goals(rows)),
    "",
    "## Pulumi and Ansible, same hosts, same run",
    "",
    comparisonTable(peers),
    "",
    "## Every operation",
    "",
    rowsTable(rows),
    "",
    ...(growth.length
      ? [
          "## Growth from 50 to 500 real servers (scale stack, one director)",
          "",
          "| operation | 50 RS median s | 500 RS median s | growth | sessions 50 | sessions 500 |",
          "|---|---:|---:|---:|---:|---:|",
          ...growth,
          "",
        ]
      : []),
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
  const scaleBars = scaleRows.map((r) => ({
    label: r.op,
    series: `${r.stack.replace("scale-", "")} real servers`,
    min: r.min,
    median: r.median,
    max: r.max,
  }));
  const svgs = [];
  if (peerBars.length) svgs.push(barChart("pulumi-lvs vs Ansible on the same lab hosts (median, min-max)", "s", peerBars));
  if (scaleBars.length) svgs.push(barChart("scale stack: 10 IPVS services on one director (median, min-max)", "s", scaleBars));
  if (svgs.length) fs.writeFileSync(path.join(__dirname, "chart.svg"), stackSvgs(svgs));
  fs.writeFileSync(path.join(WORK, "samples.json"), JSON.stringify(samples, null, 2));
  say(`\nwrote bench/results.md, bench/chart.svg (samples: .bench-work/samples.json)`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  // The lab parts; `--only floor` alone neither starts nor stops the lab and leaves results.md as it is.
  if (ONLY.some((o) => o !== "floor")) {
    try {
      for (const p of PEERS) if (ONLY.includes(p.stack)) await peerBench(p);
      if (ONLY.includes("scale")) await scaleBench();
    } finally {
      await lab.down();
    }
    write(startedAt, (Date.now() - t0) / 1000);
  }
  if (ONLY.includes("floor")) await floorBench(floorOptions(argv));
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
