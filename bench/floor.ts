// The engine's floor: `npm run bench -- --only floor [--floor-sizes 50,500,5000]
// [--floor-runs 3] [--floor-big-runs 1] [--floor-timeout S] [--floor-nockpt]
// [--floor-work DIR] [--floor-append] [--floor-report]`, or
// `ts-node --transpile-only bench/floor.ts` with the same options.
// Deploys the scale stack's shape with a provider that does nothing
// (bench/floorProgram.ts) through the project's CLI, a local file backend and
// the engine's default parallelism, as bench/run.ts does the real stacks, and
// times cold `up`, no-op `up`, `preview`, `refresh`, a 10% reweight and
// `destroy` at each size, with the peak RSS of each process of the command.
// No lab, no host. Writes bench/floor-results.md, with the ratios of the scale
// rows of bench/results.md to the floor.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiCommand, toolchainEnv } from "../scripts/lib/toolchain";
import {
  descendants,
  FloorOp,
  FloorSample,
  floorMarkdown,
  floorShape,
  parseResults,
  ppidOf,
  ratios,
  reweightedCount,
  Role,
  roleOf,
  summarizeFloor,
  vmHwmKb,
} from "./floorReport";

const say = (msg: string) => process.stdout.write(`${msg}\n`);

/** What a run keeps for a later `--floor-append` or `--floor-report`. */
interface Saved {
  samples: FloorSample[];
  notes: string[];
  minutes: number;
  /** When the first part started (ISO). */
  startedAt?: string;
}

export interface FloorOptions {
  /** Real-server counts, ascending. */
  sizes: number[];
  /** Runs per size up to 500 real servers. */
  runs: number;
  /** Runs per size above 500. */
  bigRuns: number;
  /** Work directory (project, state); inside the project so the provider process finds node_modules. Removed at the end. */
  work: string;
  /** Where the report goes. */
  out: string;
  /** Seconds after which an operation is stopped and reported as a lower bound (0: none). */
  timeout: number;
  /** Also time cold `up` and `destroy` with PULUMI_SKIP_CHECKPOINTS=true, once per size. */
  noCheckpoints: boolean;
  /** The command line's options, for the report. */
  args: string;
  /** Only write the report again from the saved samples (after bench/results.md changed): `--floor-report`. */
  reportOnly: boolean;
  /** Samples of earlier runs (the JSON this writes next to the work directory) to report with this run's: `--floor-append`. */
  append: boolean;
}

/** The floor's options from the command line (`--floor-sizes`, `--floor-runs`, `--floor-big-runs`, `--floor-work`). */
export function floorOptions(argv: string[]): FloorOptions {
  const opt = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  return {
    sizes: opt("floor-sizes", "50,500,5000")
      .split(",")
      .map(Number)
      .sort((a, b) => a - b),
    runs: Number(opt("floor-runs", "3")),
    bigRuns: Number(opt("floor-big-runs", "1")),
    work: path.resolve(projectRoot, opt("floor-work", ".bench-work/floor")),
    out: path.join(__dirname, "floor-results.md"),
    append: argv.includes("--floor-append"),
    reportOnly: argv.includes("--floor-report"),
    args: argv.join(" "),
    timeout: Number(opt("floor-timeout", "0")),
    noCheckpoints: argv.includes("--floor-nockpt"),
  };
}

// ------------------------------------------------------------------ peak RSS

/** Samples the peak RSS (VmHWM) of every process under this one, by role, until stopped. */
class PeakSampler {
  private peak: Partial<Record<Role, number>> = {};
  private timer?: NodeJS.Timeout;

  start(): void {
    this.peak = {};
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): Partial<Record<Role, number>> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }

  private sample(): void {
    const parents = new Map<number, number>();
    for (const e of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      const stat = read(`/proc/${e}/stat`);
      const ppid = stat === undefined ? undefined : ppidOf(stat);
      if (ppid !== undefined) parents.set(Number(e), ppid);
    }
    for (const pid of descendants(process.pid, parents)) {
      const cmdline = read(`/proc/${pid}/cmdline`);
      const role = cmdline ? roleOf(cmdline.split("\0").filter(Boolean)) : undefined;
      if (!role) continue;
      const status = read(`/proc/${pid}/status`);
      const kb = status ? vmHwmKb(status) : undefined;
      if (kb !== undefined) this.peak[role] = Math.max(this.peak[role] ?? 0, kb);
      // A guard for the machine (others use it too): a process of ours above 10 GiB is ended, and the bench fails.
      const rss = status ? Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) : 0;
      if (rss > 10 * 1024 * 1024) {
        say(`  floor: pid ${pid} (${role}) holds ${(rss / 1024 / 1024).toFixed(1)} GiB; ending it`);
        process.kill(pid, "SIGKILL");
      }
    }
  }
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // the process ended
  }
}

/** Ends the CLI commands this process started and their plugins (after a stop at the time limit that did not end them). */
function killOurs(): void {
  const parents = new Map<number, number>();
  for (const e of fs.readdirSync("/proc")) {
    const stat = /^\d+$/.test(e) ? read(`/proc/${e}/stat`) : undefined;
    const ppid = stat === undefined ? undefined : ppidOf(stat);
    if (ppid !== undefined) parents.set(Number(e), ppid);
  }
  for (const pid of descendants(process.pid, parents)) {
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (!cmdline || !roleOf(cmdline.split("\0").filter(Boolean))) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The resources (not the stack itself) in a stack's checkpoint file; 0 when there is none. */
function checkpointResources(file: string): number {
  const text = read(file);
  if (!text) return 0;
  const cp = JSON.parse(text) as { checkpoint?: { latest?: { resources?: { type: string }[] } } };
  return (cp.checkpoint?.latest?.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"))
    .length;
}

// ------------------------------------------------------------------ sizes of the real providers in state

/** The stored (JSON) size of one real server's and one service's `__provider` input in a checkpoint file. */
function providerBytesInState(file: string): { server?: number; service?: number } {
  const text = read(file);
  if (!text) return {};
  const cp = JSON.parse(text) as { checkpoint?: { latest?: { resources?: { type: string; inputs?: { __provider?: string } }[] } } };
  const rs = cp.checkpoint?.latest?.resources ?? [];
  const size = (type: string) => {
    const p = rs.find((r) => r.type.endsWith(`:${type}`))?.inputs?.__provider;
    return p === undefined ? undefined : JSON.stringify(p).length;
  };
  return { server: size("NoopIpvsRealServer"), service: size("NoopIpvsService") };
}

/** The `__provider` text length of the real kinds (their providerRef stubs), as the SDK serializes them, and its JSON size. */
async function realProviderBytes(): Promise<{ service: number; server: number; serverJson: number }> {
  // Loaded here only: the provider modules pull in ssh2 and the rest of the providers.
  const { providerRef } = await import("../providers/common/providerRef");
  const { providerExport } = await import("../providers/common/define");
  const rs = await import("../providers/ipvs/realServer");
  const svc = await import("../providers/ipvs/service");
  const text = async (p: object) => (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true })).text;
  const server = await text(providerRef(rs.IPVS_REAL_SERVER.file, providerExport(rs.IPVS_REAL_SERVER), rs.ipvsRealServerProvider));
  return {
    server: server.length,
    serverJson: JSON.stringify(server).length,
    service: (await text(providerRef(svc.IPVS_SERVICE.file, providerExport(svc.IPVS_SERVICE), svc.ipvsServiceProvider))).length,
  };
}

// ------------------------------------------------------------------ the runs

function changes(summary: Record<string, number> | undefined): string {
  return Object.entries(summary ?? {})
    .filter(([k, v]) => k !== "same" && v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** Runs the floor benchmark and writes opts.out; returns the samples. */
export async function floorBench(opts: FloorOptions): Promise<FloorSample[]> {
  const t0 = Date.now();
  const partStart = new Date(t0);
  // Kept next to the work directory: `--floor-append` reports a later size with the earlier ones.
  const samplesFile = `${opts.work}.samples.json`;
  const earlier =
    (opts.append || opts.reportOnly) && fs.existsSync(samplesFile)
      ? (JSON.parse(fs.readFileSync(samplesFile, "utf8")) as Saved)
      : undefined;
  if (opts.reportOnly && !earlier) throw new Error(`floor: no saved samples in ${samplesFile} to report`);
  const startedAt = earlier?.startedAt ? new Date(earlier.startedAt) : new Date();
  const samples: FloorSample[] = earlier?.samples ?? [];
  const notes: string[] = earlier?.notes ?? [];
  const minutes0 = earlier?.minutes ?? 0;
  if (opts.reportOnly) {
    writeReport(opts, { samples, notes, minutes: minutes0, startedAt: startedAt.toISOString() }, await realProviderBytes());
    return samples;
  }
  const load0 = os.loadavg()[0];
  say(
    `\n== floor: a no-op provider in the scale stack's shape at ${opts.sizes.join(", ")} real servers (load average ${load0.toFixed(2)})`,
  );

  const bytes = await realProviderBytes();
  fs.rmSync(opts.work, { recursive: true, force: true });
  const project = path.join(opts.work, "project");
  const stateDir = path.join(opts.work, "state");
  fs.mkdirSync(project, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(project, "Pulumi.yaml"),
    `name: pulumi-lvs-floor\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: ${path.join(__dirname, "floorProgram.ts")}\n`,
  );
  const env: Record<string, string> = { ...toolchainEnv(), PULUMI_BACKEND_URL: `file://${stateDir}` };
  const cmd = await pulumiCommand(env);
  const sampler = new PeakSampler();
  const stateFile = (name: string) => path.join(stateDir, ".pulumi", "stacks", "pulumi-lvs-floor", `${name}.json`);

  const stackOpts = (extra: Record<string, string> = {}) => ({
    pulumiCommand: cmd,
    pulumiHome: env.PULUMI_HOME,
    envVars: { ...env, ...extra },
  });

  /** Times one command; with a time limit, stops it there (SIGINT, then SIGKILL) and returns false. */
  const measure = async (
    stack: Stack,
    n: number,
    op: FloorOp,
    run: number,
    fn: (signal: AbortSignal) => Promise<string>,
    timeout = opts.timeout,
  ) => {
    const resources = floorShape(n).resources;
    const stop = new AbortController();
    let hardKill: NodeJS.Timeout | undefined;
    const limit =
      timeout > 0
        ? setTimeout(() => {
            say(`  floor-${n} ${op}: stopping at the time limit (${timeout} s)`);
            stop.abort();
            hardKill = setTimeout(() => killOurs(), 60_000);
          }, timeout * 1000)
        : undefined;
    sampler.start();
    const t = process.hrtime.bigint();
    let changed = "";
    let peakKb: Partial<Record<Role, number>>;
    try {
      changed = await fn(stop.signal);
    } catch (err) {
      if (!stop.signal.aborted) throw err;
    } finally {
      peakKb = sampler.stop();
      clearTimeout(limit);
      clearTimeout(hardKill);
    }
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const file = stateFile(stack.name);
    const st = fs.existsSync(file) ? fs.statSync(file).size : undefined;
    const timedOut = stop.signal.aborted;
    const done = timedOut ? checkpointResources(file) : undefined;
    samples.push({
      n,
      resources,
      op,
      run,
      seconds,
      changes: changed,
      peakKb,
      ...(st !== undefined ? { stateBytes: st } : {}),
      ...(timedOut ? { timedOut, done } : {}),
    });
    fs.writeFileSync(
      samplesFile,
      JSON.stringify({ samples, notes, minutes: minutes0 + (Date.now() - t0) / 60000, startedAt: startedAt.toISOString() } satisfies Saved),
    );
    const mem = Object.entries(peakKb)
      .map(([r, kb]) => `${r} ${(kb / 1024).toFixed(0)}`)
      .join(", ");
    const what = timedOut ? `stopped, ${done} in state` : changed || "no changes";
    say(`  floor-${n} ${op.padEnd(14)} ${seconds.toFixed(2).padStart(8)} s  ${what.padEnd(18)} peak RSS MB: ${mem}`);
    return !timedOut;
  };

  const stored = (n: number, b: { server?: number; service?: number }) =>
    notes.push(
      `${n} real servers: a real server's \`__provider\` takes ${b.server ?? "?"} bytes in the checkpoint (IpvsRealServer's stub: ${bytes.serverJson}), a service's ${b.service ?? "?"}; twice per resource (inputs and outputs)`,
    );
  const checkUp = (n: number, c: Record<string, number>, result: string) => {
    // The stack's own resource is one more.
    const want = floorShape(n).resources + 1;
    if (result !== "succeeded" || c.create !== want) throw new Error(`floor-${n} up: ${result}, ${changes(c)}; want create ${want}`);
    return changes(c);
  };
  const checkDestroy = (n: number, c: Record<string, number>) => {
    const want = floorShape(n).resources + 1;
    if (c.delete !== want) throw new Error(`floor-${n} destroy: ${changes(c)}; want delete ${want}`);
    return changes(c);
  };

  try {
    for (const n of opts.sizes) {
      const shape = floorShape(n);
      const runs = n > 500 ? opts.bigRuns : opts.runs;
      const want = reweightedCount(n, 10);
      const name = `floor-${n}`;
      let stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: project }, stackOpts());
      const set = async (k: string, v: number) => stack.setConfig(`floor:${k}`, { value: String(v) });
      const configure = async () => {
        await set("services", shape.services);
        await set("serversPerService", shape.serversPerService);
        await set("serviceProviderBytes", bytes.service);
        await set("serverProviderBytes", bytes.server);
        await set("reweightPercent", 0);
      };
      /** Drops the stack's state without running the provider (it holds nothing) and starts it again, empty. */
      const forget = async () => {
        await stack.workspace.removeStack(name, { force: true });
        stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: project }, stackOpts());
        await configure();
      };
      /** The same stack through a workspace that runs the CLI with PULUMI_SKIP_CHECKPOINTS=true. */
      const noCheckpoints = () =>
        LocalWorkspace.selectStack({ stackName: name, workDir: project }, stackOpts({ PULUMI_SKIP_CHECKPOINTS: "true" }));
      let measuredNoCkpt = false;
      const upNoCkpt = async (run: number) => {
        const s = await noCheckpoints();
        measuredNoCkpt = true;
        // The state the other operations need: twice the time limit.
        return measure(
          stack,
          n,
          "up-nockpt",
          run,
          async (signal) => {
            const r = await s.up({ signal });
            return checkUp(n, r.summary.resourceChanges ?? {}, r.summary.result);
          },
          2 * opts.timeout,
        );
      };
      await configure();
      try {
        for (let run = 1; run <= runs; run++) {
          say(` ${n} real servers (${shape.services} services, ${shape.resources} resources), run ${run} of ${runs}`);
          await set("reweightPercent", 0);
          const upDone = await measure(stack, n, "up", run, async (signal) => {
            const r = await stack.up({ signal });
            return checkUp(n, r.summary.resourceChanges ?? {}, r.summary.result);
          });
          // Stopped: the rest runs on a complete state, made without checkpoints (itself a figure).
          if (!upDone) {
            await forget();
            if (!(await upNoCkpt(run))) throw new Error(`floor-${n}: up without checkpoints did not finish within the time limit`);
          }
          if (run === 1) stored(n, providerBytesInState(stateFile(name)));
          await measure(stack, n, "noop-up", run, async (signal) => {
            const c = changes((await stack.up({ signal })).summary.resourceChanges);
            if (c) throw new Error(`floor-${n}: a second up changed resources (${c})`);
            return c;
          });
          await measure(stack, n, "preview", run, async (signal) => {
            const c = changes((await stack.preview({ signal })).changeSummary);
            if (c) throw new Error(`floor-${n}: preview after up shows changes (${c})`);
            return c;
          });
          await measure(stack, n, "refresh", run, async (signal) => {
            const r = await stack.refresh({ expectNoChanges: true, signal });
            return changes(r.summary.resourceChanges);
          });
          await set("reweightPercent", 10);
          await measure(stack, n, "reweight", run, async (signal) => {
            const r = await stack.up({ signal });
            const c = r.summary.resourceChanges ?? {};
            if (c.update !== want) throw new Error(`floor-${n}: reweighting 10% should update ${want} resources; got ${changes(c)}`);
            return changes(c);
          });
          const destroyed = await measure(stack, n, "destroy", run, async (signal) => {
            const r = await stack.destroy({ signal });
            return checkDestroy(n, r.summary.resourceChanges ?? {});
          });
          if (!destroyed) await forget();
        }
        if (opts.noCheckpoints && !measuredNoCkpt) {
          say(` ${n} real servers: cold up and destroy with PULUMI_SKIP_CHECKPOINTS=true`);
          await set("reweightPercent", 0);
          if (!(await upNoCkpt(1))) await forget();
          else if (runs === 0) stored(n, providerBytesInState(stateFile(name)));
        }
        if (opts.noCheckpoints && checkpointResources(stateFile(name)) > 0) {
          const s = await noCheckpoints();
          const destroyed = await measure(stack, n, "destroy-nockpt", 1, async (signal) => {
            const r = await s.destroy({ signal });
            return checkDestroy(n, r.summary.resourceChanges ?? {});
          });
          if (!destroyed) await forget();
        }
      } finally {
        await stack.workspace.removeStack(name, { force: true }).catch(() => undefined);
      }
      if (runs > 0 && runs < 3) notes.push(`${n} real servers: ${runs} run${runs > 1 ? "s" : ""} (min = median = max when 1)`);
    }
  } finally {
    killOurs();
    fs.rmSync(opts.work, { recursive: true, force: true });
  }

  const cpu = os.cpus();
  notes.push(
    `part from ${partStart.toISOString().slice(11, 16)} UTC, \`${opts.args}\`: load average (1 min) ${load0.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end, on ${cpu.length} CPUs`,
  );
  const minutes = minutes0 + (Date.now() - t0) / 60000;
  const saved: Saved = { samples, notes, minutes, startedAt: startedAt.toISOString() };
  fs.writeFileSync(samplesFile, JSON.stringify(saved));
  writeReport(opts, saved, bytes);
  return samples;
}

/** bench/floor-results.md from the samples, with the ratios of bench/results.md's scale rows to them. */
function writeReport(opts: FloorOptions, saved: Saved, bytes: { server: number; service: number }): void {
  const { samples, notes, minutes } = saved;
  const rows = summarizeFloor(samples);
  const resultsMd = path.join(__dirname, "results.md");
  const ours = fs.existsSync(resultsMd) ? parseResults(fs.readFileSync(resultsMd, "utf8")) : [];
  const cpu = os.cpus();
  const general = [
    `\`__provider\` per resource: ${bytes.server} characters for a real server, ${bytes.service} for a service (the size of IpvsRealServer's and IpvsService's provider stubs, providers/common/providerRef.ts)`,
    `every operation's result checked: cold \`up\` creates every resource, no-op \`up\` and \`preview\` change none, \`refresh\` runs with --expect-no-changes, the reweight updates 10% of the real servers, \`destroy\` deletes every resource`,
    ...(samples.some((x) => x.timedOut)
      ? [
          `operations marked ">" were stopped at the time limit${opts.timeout > 0 ? ` (${opts.timeout} s)` : ""} with SIGINT, as Ctrl-C, and are lower bounds; after a stopped cold \`up\`, the stack's state was dropped and made again by \`up-nockpt\` (cold \`up\` with PULUMI_SKIP_CHECKPOINTS=true) for the operations after it`,
        ]
      : []),
  ];
  const md = floorMarkdown(
    {
      startedAt: saved.startedAt ? new Date(saved.startedAt) : new Date(),
      minutes,
      machine: `${cpu.length} x ${cpu[0]?.model ?? "cpu"}, Node.js ${process.version}`,
      cli: `Pulumi CLI ${path.basename(toolchainEnv().PULUMI_LVS_TOOLCHAIN ?? "")} (the project's toolchain), Automation API, local file backend`,
      notes: [...notes, ...general],
    },
    rows,
    ratios(rows, ours),
  );
  fs.writeFileSync(opts.out, md);
  say(`\nwrote ${path.relative(projectRoot, opts.out)} (${minutes.toFixed(1)} min of runs)`);
}

if (require.main === module) {
  floorBench(floorOptions(process.argv.slice(2))).catch((err: unknown) => {
    console.error(`\nfloor bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
