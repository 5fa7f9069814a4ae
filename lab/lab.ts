// The lab's programmatic API: boot the VM for a preset, start its hosts, run
// commands in them, stop/start hosts, cut/heal links, tear it all down.
// `npm run lab` (lab/cli.ts) and the tests both use it.
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Inventory, InventoryHost, renderInventory } from "./inventory";
import { labRunDir, projectRoot } from "./paths";
import { LabPreset, presetNamed } from "./presets";

/** First forwarded port: the VM's control sshd; hosts follow in preset order. */
export const PORT_BASE = Number(process.env.PULUMI_LVS_LAB_PORT ?? 2200);
const VM_MEMORY_MB = Number(process.env.PULUMI_LVS_LAB_MEMORY_MB ?? 6144);
const BOOT_TIMEOUT_S = 240;
const HOST_TIMEOUT_S = 240;

export interface LabImage {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  privateKey: string;
}

/** Saved in the run directory while a lab runs. */
export interface LabState {
  preset: string;
  qemuPid: number;
  image: string;
  startedAt: string;
  hosts: { name: string; port: number }[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const log = (msg: string) => process.stderr.write(`[lab] ${msg}\n`);

function stateFile(): string {
  return path.join(labRunDir(), "state.json");
}

/** The running lab's state, or undefined when no lab (or a dead one) is recorded. */
export function labState(): LabState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), "utf8")) as LabState;
    return pidAlive(s.qemuPid) ? s : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("qemu-system");
  } catch {
    return false;
  }
}

/** The built image for the current recipe; builds it (lab/image/build.sh) when missing. */
export function ensureImage(): LabImage {
  const out = execFileSync("bash", [path.join(projectRoot, "lab/image/build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const img: LabImage = {
    dir: out,
    disk: path.join(out, "disk.img"),
    kernel: path.join(out, "vmlinuz"),
    initrd: path.join(out, "initrd.img"),
    privateKey: path.join(out, "id_ed25519"),
  };
  if (!fs.existsSync(img.disk)) throw new Error(`lab image is incomplete at ${out}`);
  return img;
}

/** OpenSSH's SHA256 fingerprint of a public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprint(pubLine: string): string {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1], "base64");
  return "SHA256:" + crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

function hostKeyLine(image: string, host: string): string {
  return fs.readFileSync(path.join(image, "hostkeys", `${host}.pub`), "utf8").trim();
}

function sshArgs(port: number, image: string, interactive = false): string[] {
  return [
    "-i", path.join(image, "id_ed25519"),
    "-o", `UserKnownHostsFile=${path.join(labRunDir(), "known_hosts")}`,
    "-o", "StrictHostKeyChecking=yes",
    ...(interactive ? ["-t"] : ["-o", "BatchMode=yes"]),
    "-o", "ConnectTimeout=10",
    "-o", "LogLevel=ERROR",
    "-p", String(port),
    "root@127.0.0.1",
  ];
}

function runSsh(port: number, image: string, command: string, input?: string): ExecResult {
  const r = spawnSync("ssh", [...sshArgs(port, image), "--", command], {
    encoding: "utf8",
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 255, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs a command in the VM itself (not in a host). */
function vm(state: LabState, command: string): ExecResult {
  return runSsh(PORT_BASE, state.image, command);
}

function vmOrThrow(state: LabState, command: string): string {
  const r = vm(state, command);
  if (r.code !== 0) throw new Error(`lab VM: "${command}" exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

function requireLab(): LabState {
  const s = labState();
  if (!s) throw new Error("no lab is running: start one with `npm run lab -- up <preset>`");
  return s;
}

function hostPort(state: LabState, host: string): number {
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`lab preset ${state.preset} has no host "${host}"; hosts: ${state.hosts.map((x) => x.name).join(", ")}`);
  return h.port;
}

/** Quotes one word for a POSIX shell. */
function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function labctlStartArgs(preset: LabPreset, name: string, port: number): string {
  const h = preset.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`preset ${preset.name} has no host ${name}`);
  const args = [name, String(port), ...h.nics.map((n) => `${n.name}=${n.bridge},${n.cidr}`)];
  if (h.gateway) args.push(`gw=${h.gateway}`);
  if (h.enable?.length) args.push(`enable=${h.enable.join(",")}`);
  if (h.www) args.push(`www=${h.www}`);
  return ["labctl", "start", ...args].map(shq).join(" ");
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, timeoutS: number, probe: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > timeoutS * 1000) throw new Error(`lab: ${what} not ready after ${timeoutS}s`);
    await sleep(1000);
  }
}

/** Stops the running lab, if any: kills the qemu process the lab started (by its PID) and clears the run directory. */
export async function down(): Promise<boolean> {
  let stopped = false;
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), "utf8")) as LabState;
    if (pidAlive(s.qemuPid)) {
      process.kill(s.qemuPid, "SIGTERM");
      for (let i = 0; i < 50 && pidAlive(s.qemuPid); i++) await sleep(100);
      if (pidAlive(s.qemuPid)) process.kill(s.qemuPid, "SIGKILL");
      stopped = true;
    }
  } catch {
    // no state: nothing of ours runs
  }
  fs.rmSync(labRunDir(), { recursive: true, force: true });
  return stopped;
}

export interface UpResult {
  state: LabState;
  inventory: Inventory;
  seconds: { vm: number; hosts: number; total: number };
}

/** Boots the lab for `presetName` (replacing any running lab) and waits until every host answers SSH. */
export async function up(presetName: string): Promise<UpResult> {
  const preset = presetNamed(presetName);
  const image = ensureImage();
  if (await down()) log("stopped the previous lab");
  const run = labRunDir();
  fs.mkdirSync(run, { recursive: true });
  const t0 = Date.now();

  const hosts = preset.hosts.map((h, i) => ({ name: h.name, port: PORT_BASE + 1 + i }));
  const known = [`[127.0.0.1]:${PORT_BASE} ${hostKeyLine(image.dir, "labvm")}`];
  for (const h of hosts) known.push(`[127.0.0.1]:${h.port} ${hostKeyLine(image.dir, h.name)}`);
  fs.writeFileSync(path.join(run, "known_hosts"), known.join("\n") + "\n");

  const overlay = path.join(run, "overlay.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.disk, "-F", "raw", overlay]);
  const fwds = [PORT_BASE, ...hosts.map((h) => h.port)].map((p) => `hostfwd=tcp:127.0.0.1:${p}-10.0.2.15:${p}`).join(",");
  const consoleLog = path.join(run, "console.log");
  const qemu: ChildProcess = spawn(
    "qemu-system-x86_64",
    [
      "-accel", "tcg", "-smp", "2", "-m", String(VM_MEMORY_MB),
      "-display", "none", "-monitor", "none", "-serial", `file:${consoleLog}`,
      "-kernel", image.kernel, "-initrd", image.initrd,
      "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0 init=/usr/sbin/lab-init quiet",
      "-drive", `file=${overlay},if=virtio,format=qcow2`,
      // restrict=on: the VM reaches nothing outside; forwards bind to 127.0.0.1 only.
      "-netdev", `user,id=n0,restrict=on,${fwds}`,
      "-device", "virtio-net-pci,netdev=n0",
    ],
    { detached: true, stdio: ["ignore", "ignore", fs.openSync(path.join(run, "qemu.log"), "a")] },
  );
  qemu.unref();
  if (!qemu.pid) throw new Error("lab: qemu-system-x86_64 did not start");
  const state: LabState = { preset: preset.name, qemuPid: qemu.pid, image: image.dir, startedAt: new Date().toISOString(), hosts };
  fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2));
  log(`booting the VM (qemu pid ${qemu.pid}, ${VM_MEMORY_MB} MiB, TCG) for preset ${preset.name}`);

  try {
    await waitFor("the VM's control sshd", BOOT_TIMEOUT_S, () => {
      if (!pidAlive(qemu.pid!)) throw new Error(`lab: qemu exited during boot; see ${path.join(run, "qemu.log")} and ${consoleLog}`);
      return vm(state, "true").code === 0;
    });
    const tVm = (Date.now() - t0) / 1000;
    log(`VM up in ${tVm.toFixed(1)}s; starting ${hosts.length} hosts`);
    vmOrThrow(state, hosts.map((h) => labctlStartArgs(preset, h.name, h.port)).join(" && "));
    for (const h of hosts) {
      await waitFor(`host ${h.name} (ssh port ${h.port})`, HOST_TIMEOUT_S, () => runSsh(h.port, image.dir, "systemctl is-system-running --wait >/dev/null 2>&1; true").code === 0);
    }
    const total = (Date.now() - t0) / 1000;
    log(`all hosts SSH-ready in ${total.toFixed(1)}s`);
    const inventory = buildInventory(preset, state, image);
    fs.writeFileSync(path.join(run, "inventory.yaml"), renderInventory(inventory));
    return { state, inventory, seconds: { vm: tVm, hosts: total - tVm, total } };
  } catch (err) {
    await down();
    throw err;
  }
}

function buildInventory(preset: LabPreset, state: LabState, image: LabImage): Inventory {
  const hosts: Record<string, InventoryHost> = {};
  const groups: Record<string, string[]> = {};
  for (const spec of preset.hosts) {
    const port = hostPort(state, spec.name);
    hosts[spec.name] = {
      name: spec.name,
      groups: spec.groups,
      sshHost: "127.0.0.1",
      port,
      user: "root",
      privateKeyPath: image.privateKey,
      hostKeySha256: fingerprint(hostKeyLine(image.dir, spec.name)),
      addresses: Object.fromEntries(spec.nics.map((n) => [n.name, n.cidr])),
    };
    for (const g of spec.groups) (groups[g] ??= []).push(spec.name);
  }
  return { preset: preset.name, hosts, groups };
}

/** Runs `command` (a shell command line) in `host`; returns its exit code and output. */
export function exec(host: string, command: string, input?: string): ExecResult {
  const s = requireLab();
  return runSsh(hostPort(s, host), s.image, command, input);
}

/** Like exec, without blocking: for load loops that run while the engine works. */
export function execAsync(host: string, command: string): Promise<ExecResult> {
  const s = requireLab();
  return new Promise((resolve) => {
    const p = spawn("ssh", [...sshArgs(hostPort(s, host), s.image), "--", command], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => err.push(d));
    p.on("close", (code) => resolve({ code: code ?? 255, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Like exec, but throws (naming the host and command) on a non-zero exit. */
export function run(host: string, command: string): string {
  const r = exec(host, command);
  if (r.code !== 0) throw new Error(`lab ${host}: "${command}" exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** An interactive SSH session into `host` (or a command with the terminal attached). */
export function ssh(host: string, args: string[] = []): number {
  const s = requireLab();
  const r = spawnSync("ssh", [...sshArgs(hostPort(s, host), s.image, true), ...(args.length ? ["--", ...args] : [])], { stdio: "inherit" });
  return r.status ?? 255;
}

/** Powers a host off: its kernel state (network namespace) is gone; its files stay. */
export function stop(host: string): void {
  const s = requireLab();
  hostPort(s, host);
  vmOrThrow(s, `labctl stop ${shq(host)}`);
}

/** Boots a stopped host again (fresh kernel state, same files) and waits for its sshd. */
export async function start(host: string): Promise<void> {
  const s = requireLab();
  const port = hostPort(s, host);
  vmOrThrow(s, labctlStartArgs(presetNamed(s.preset), host, port));
  await waitFor(`host ${host}`, HOST_TIMEOUT_S, () => runSsh(port, s.image, "systemctl is-system-running --wait >/dev/null 2>&1; true").code === 0);
}

/** Drops all traffic between two hosts (both directions, multicast included). */
export function cut(a: string, b: string): void {
  const s = requireLab();
  hostPort(s, a);
  hostPort(s, b);
  vmOrThrow(s, `labctl cut ${shq(a)} ${shq(b)}`);
}

/** Restores every link that `cut` dropped. */
export function heal(): void {
  vmOrThrow(requireLab(), "labctl heal");
}

export interface HostStatus {
  name: string;
  port: number;
  running: boolean;
}

export interface LabStatus {
  running: boolean;
  preset?: string;
  qemuPid?: number;
  startedAt?: string;
  inventory?: string;
  hosts: HostStatus[];
  /** Resident memory of the qemu process, MiB. */
  qemuRssMiB?: number;
}

export function status(): LabStatus {
  const s = labState();
  if (!s) return { running: false, hosts: [] };
  const r = vm(s, "labctl status");
  const running = new Set(r.stdout.split("\n").filter((l) => l.endsWith(" running")).map((l) => l.split(" ")[0]));
  let rss: number | undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${s.qemuPid}/status`, "utf8"));
    if (m) rss = Math.round(Number(m[1]) / 1024);
  } catch {
    rss = undefined;
  }
  return {
    running: true,
    preset: s.preset,
    qemuPid: s.qemuPid,
    startedAt: s.startedAt,
    inventory: path.join(labRunDir(), "inventory.yaml"),
    hosts: s.hosts.map((h) => ({ ...h, running: running.has(h.name) })),
    qemuRssMiB: rss,
  };
}

/** Runs a command in the VM (for diagnostics and memory figures). */
export function vmExec(command: string): ExecResult {
  return vm(requireLab(), command);
}
