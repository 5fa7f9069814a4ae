// The engine's floor, measured by bench/run.ts in the same run as the real
// stacks: the scale stack's shape (bench/floorProgram.ts) through the
// project's CLI, a local file backend and the same parallelism, every
// resource a dynamic resource whose provider does nothing (no host, no SSH),
// each `__provider` padded to the size of the real kind's provider stub so
// that the checkpoint has the real stack's size. Also here: the peak-RSS
// sampler of a command's processes, used for both.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiCommand, toolchainEnv } from "../scripts/lib/toolchain";
import { descendants, floorShape, ppidOf, Role, roleOf, vmHwmKb } from "./floorReport";

const say = (msg: string) => process.stdout.write(`${msg}\n`);

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // the process ended
  }
}

/** pid -> parent pid of every process. */
function processTree(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const e of fs.readdirSync("/proc")) {
    const stat = /^\d+$/.test(e) ? read(`/proc/${e}/stat`) : undefined;
    const ppid = stat === undefined ? undefined : ppidOf(stat);
    if (ppid !== undefined) parents.set(Number(e), ppid);
  }
  return parents;
}

/** Samples the peak RSS (VmHWM) of every CLI-command process under this one, by role, until stopped. */
export class PeakSampler {
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
    for (const pid of descendants(process.pid, processTree())) {
      const cmdline = read(`/proc/${pid}/cmdline`);
      const role = cmdline ? roleOf(cmdline.split("\0").filter(Boolean)) : undefined;
      if (!role) continue;
      const status = read(`/proc/${pid}/status`);
      const kb = status ? vmHwmKb(status) : undefined;
      if (kb !== undefined) this.peak[role] = Math.max(this.peak[role] ?? 0, kb);
      // A guard for the machine: a process of ours above 10 GiB is ended, and its command fails.
      const rss = status ? Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) : 0;
      if (rss > 10 * 1024 * 1024) {
        say(`  pid ${pid} (${role}) holds ${(rss / 1024 / 1024).toFixed(1)} GiB; ending it`);
        process.kill(pid, "SIGKILL");
      }
    }
  }
}

/** The stored (JSON) size of one resource's `__provider` input of the given type suffix in a checkpoint file. */
export function providerBytesInState(file: string, typeSuffix: string): number | undefined {
  const text = read(file);
  if (!text) return undefined;
  const cp = JSON.parse(text) as { checkpoint?: { latest?: { resources?: { type: string; inputs?: { __provider?: string } }[] } } };
  const p = (cp.checkpoint?.latest?.resources ?? []).find((r) => r.type.endsWith(`:${typeSuffix}`))?.inputs?.__provider;
  return p === undefined ? undefined : JSON.stringify(p).length;
}

/** The `__provider` text length of IpvsService and IpvsRealServer (their providerRef stubs), as the SDK serializes them. */
async function realProviderBytes(): Promise<{ service: number; server: number }> {
  const { providerRef } = await import("../providers/common/providerRef");
  const { providerExport } = await import("../providers/common/define");
  const rs = await import("../providers/ipvs/realServer");
  const svc = await import("../providers/ipvs/service");
  const text = async (p: object) => (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true })).text;
  return {
    server: (await text(providerRef(rs.IPVS_REAL_SERVER.file, providerExport(rs.IPVS_REAL_SERVER), rs.ipvsRealServerProvider))).length,
    service: (await text(providerRef(svc.IPVS_SERVICE.file, providerExport(svc.IPVS_SERVICE), svc.ipvsServiceProvider))).length,
  };
}

/** The floor's project: a work directory inside the repository (the provider process finds node_modules from it). */
export class Floor {
  private bytes?: { service: number; server: number };
  readonly project: string;
  readonly stateDir: string;

  constructor(readonly work: string) {
    this.project = path.join(work, "project");
    this.stateDir = path.join(work, "state");
  }

  /** The floor stack at `n` real servers (reweight 0), run with the base environment plus `extraEnv`. */
  async stack(n: number, extraEnv: Record<string, string> = {}): Promise<{ stack: Stack; stateFile: string }> {
    fs.mkdirSync(this.project, { recursive: true });
    fs.mkdirSync(this.stateDir, { recursive: true });
    // Started as ours is (program.js): plain Node.js, the TypeScript through the project's compile cache.
    fs.writeFileSync(
      path.join(this.project, "program.js"),
      `require(${JSON.stringify(path.join(projectRoot, "providers/common/tsCache.js"))}).register();\n` +
        `module.exports = require(${JSON.stringify(path.join(__dirname, "floorProgram.ts"))});\n`,
    );
    fs.writeFileSync(
      path.join(this.project, "Pulumi.yaml"),
      `name: pulumi-lvs-floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: program.js\n`,
    );
    this.bytes ??= await realProviderBytes();
    const env: Record<string, string> = { ...toolchainEnv(), PULUMI_BACKEND_URL: `file://${this.stateDir}`, ...extraEnv };
    const name = `floor-${n}`;
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: name, workDir: this.project },
      { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
    );
    const shape = floorShape(n);
    const set = async (k: string, v: number) => stack.setConfig(`floor:${k}`, { value: String(v) });
    await set("services", shape.services);
    await set("serversPerService", shape.serversPerService);
    await set("serviceProviderBytes", this.bytes.service);
    await set("serverProviderBytes", this.bytes.server);
    await set("reweightPercent", 0);
    return { stack, stateFile: path.join(this.stateDir, ".pulumi", "stacks", "pulumi-lvs-floor", `${name}.json`) };
  }

  /** The real kinds' `__provider` sizes the floor pads to. */
  providerBytes(): { service: number; server: number } | undefined {
    return this.bytes;
  }

  /** Removes the work directory (the floor's stacks hold nothing on any host). */
  remove(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}

/** Ends the CLI commands this process started and their plugins, if any outlived a failed operation. */
export function killOurs(): void {
  for (const pid of descendants(process.pid, processTree())) {
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (!cmdline || !roleOf(cmdline.split("\0").filter(Boolean))) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
