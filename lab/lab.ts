// The lab's programmatic API: boot the VM for a preset, start its hosts, run
// commands in them, stop/start hosts, cut/heal links, tear it all down.
// `npm run lab` (lab/cli.ts) and the tests both use it.
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { command, quote } from "../providers/transport/shell";
import { fingerprint, Inventory, InventoryHost, renderInventory } from "../stacks/inventory";
import { labRunDir, projectRoot } from "./paths";
import { LabPreset, presetNamed } from "./presets";
import { hmp, qmp } from "./qmp";

/** First forwarded port on 127.0.0.1: the VM's control sshd; hosts follow in preset order. */
export const PORT_BASE = Number(process.env.PULUMI_LVS_LAB_PORT ?? 2200);
/**
 * The same ports inside the VM (10.0.2.15): fixed, so that a saved VM state
 * serves whatever PORT_BASE the machine uses (qemu's forwards map one to the other).
 */
const GUEST_PORT_BASE = 2200;
const VM_MEMORY_MB = Number(process.env.PULUMI_LVS_LAB_MEMORY_MB ?? 6144);
const VM_CPUS = 2;
const BOOT_TIMEOUT_S = 240;
const HOST_TIMEOUT_S = 240;
/** How long a restored VM may take to answer on its control sshd before the saved state is discarded. */
const RESTORE_TIMEOUT_S = 60;
/** The name of the VM snapshot (RAM, devices and disk) inside a saved-state qcow2. */
const SNAPSHOT = "ready";
/** Bumped when what a saved state holds changes in a way its key cannot see. */
const SAVED_STATE_FORMAT = 1;

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
  /** port: on 127.0.0.1; guestPort: inside the VM, where the host's forward listens. */
  hosts: { name: string; port: number; guestPort: number }[];
  /** The QMP socket of the running qemu. */
  qmp: string;
  /** The qcow2 that holds this preset's saved state (snapshot "ready"), when the VM runs on one. */
  savedState?: string;
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

function hostKeyLine(image: string, host: string): string {
  return fs.readFileSync(path.join(image, "hostkeys", `${host}.pub`), "utf8").trim();
}

function sshArgs(port: number, image: string, interactive = false): string[] {
  return [
    "-i",
    path.join(image, "id_ed25519"),
    "-o",
    `UserKnownHostsFile=${path.join(labRunDir(), "known_hosts")}`,
    "-o",
    "StrictHostKeyChecking=yes",
    ...(interactive ? ["-t"] : ["-o", "BatchMode=yes", ...muxOptions()]),
    "-o",
    "ConnectTimeout=10",
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(port),
    "root@127.0.0.1",
  ];
}

/**
 * One SSH connection per lab port, shared by every command (OpenSSH
 * multiplexing): a new connection costs seconds of key exchange in the
 * emulated guest, a session on an open one a few milliseconds. The master
 * outlives its command by two minutes (ControlPersist) and ends itself when
 * the guest stops answering (ServerAlive); it is closed explicitly before
 * anything that makes its connection stale (a host stopped, a state loaded
 * or saved, the lab down).
 */
function muxOptions(): string[] {
  return [
    "-o",
    "ControlMaster=auto",
    "-o",
    `ControlPath=${path.join(labRunDir(), "mux-%p")}`,
    "-o",
    "ControlPersist=120",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
  ];
}

/** Ends the shared connections to `ports` (all the lab's when not given), where one is open. */
function closeMux(ports?: number[]): void {
  let files: string[];
  try {
    files = fs.readdirSync(labRunDir()).filter((f) => /^mux-\d+$/.test(f));
  } catch {
    return;
  }
  for (const f of files) {
    const port = Number(f.slice(4));
    if (ports && !ports.includes(port)) continue;
    spawnSync("ssh", ["-o", `ControlPath=${path.join(labRunDir(), f)}`, "-O", "exit", "-p", String(port), "root@127.0.0.1"], {
      stdio: "ignore",
      timeout: 10_000,
    });
    fs.rmSync(path.join(labRunDir(), f), { force: true });
  }
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

/** The `labctl start` line for a host; `guestPort` is where its forward listens inside the VM. */
function labctlStartArgs(preset: LabPreset, name: string, guestPort: number): string {
  const h = preset.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`preset ${preset.name} has no host ${name}`);
  const args = [
    name,
    String(guestPort),
    ...h.nics.map((n) => `${n.name}=${n.bridge},${[n.cidr, ...(n.cidr6 ? [n.cidr6] : [])].join(",")}`),
  ];
  if (h.gateway) args.push(`gw=${h.gateway}`);
  if (h.enable?.length) args.push(`enable=${h.enable.join(",")}`);
  if (h.www) args.push(`www=${h.www}`);
  return command("labctl", "start", ...args);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, timeoutS: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await probe())) {
    if (Date.now() - t0 > timeoutS * 1000) throw new Error(`lab: ${what} not ready after ${timeoutS}s`);
    await sleep(1000);
  }
}

/** Stops the running lab, if any: kills the qemu process the lab started (by its PID) and clears the run directory. */
export async function down(): Promise<boolean> {
  let stopped = false;
  closeMux();
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), "utf8")) as LabState;
    if (pidAlive(s.qemuPid)) {
      // SIGTERM: qemu flushes its disk (the saved state's qcow2) and exits.
      process.kill(s.qemuPid, "SIGTERM");
      for (let i = 0; i < 300 && pidAlive(s.qemuPid); i++) await sleep(100);
      if (pidAlive(s.qemuPid)) process.kill(s.qemuPid, "SIGKILL");
      stopped = true;
    }
    // A qemu this process started is reaped here, so that its PID is gone when down returns.
    const child = children.get(s.qemuPid);
    if (child) {
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
      children.delete(s.qemuPid);
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
  /** cold: booted (and, unless disabled, saved for next time); restored: loaded from the saved state. */
  mode: "cold" | "restored";
  /** vm: until the control sshd answers; hosts: then until every host is SSH-ready; save: writing the saved state. */
  seconds: { vm: number; hosts: number; total: number; save?: number };
}

export interface UpOptions {
  /** Boot even when a saved state exists, and save a new one (`npm run lab -- up <preset> --cold`). */
  cold?: boolean;
}

/**
 * qemu processes this process started, per preset, and resets: the lab test
 * tier reports them and checks that each preset started at most once.
 */
export const counters = { starts: {} as Record<string, number>, resets: {} as Record<string, number> };

/** qemu processes started by this process, by PID: `down` waits for their exit. */
const children = new Map<number, ChildProcess>();

/** Saved states are off with PULUMI_LVS_LAB_NO_SAVE=1 (every `up` boots). */
function savingEnabled(): boolean {
  return !process.env.PULUMI_LVS_LAB_NO_SAVE;
}

let qemuVersionCache: string | undefined;
function qemuVersion(): string {
  return (qemuVersionCache ??= execFileSync("qemu-system-x86_64", ["--version"], { encoding: "utf8" }).split("\n")[0]);
}

/**
 * Where a preset's saved state lives: inside the image's cache directory (a
 * new image is a new directory), keyed by everything else the state depends
 * on: the preset's hosts, the VM's memory and CPUs, the qemu build, the
 * guest ports. Any change there means a new file, i.e. a cold boot.
 */
export function savedStatePath(image: LabImage, preset: LabPreset): string {
  const key = crypto
    .createHash("sha256")
    .update(
      JSON.stringify({
        preset,
        mem: VM_MEMORY_MB,
        cpus: VM_CPUS,
        qemu: qemuVersion(),
        guestPorts: GUEST_PORT_BASE,
        format: SAVED_STATE_FORMAT,
      }),
    )
    .digest("hex")
    .slice(0, 12);
  return path.join(image.dir, "states", `${preset.name}-${key}.qcow2`);
}

/** A saved state is complete only once its marker exists (written after savevm returned). */
function savedStateReady(file: string): boolean {
  return fs.existsSync(file) && fs.existsSync(`${file}.ok`);
}

function forgetSavedState(file: string): void {
  for (const f of [file, `${file}.ok`, `${file}.tmp`]) fs.rmSync(f, { force: true });
}

function startQemu(preset: LabPreset, image: LabImage, disk: string, hosts: LabState["hosts"], loadvm: boolean): LabState {
  const run = labRunDir();
  const consoleLog = path.join(run, "console.log");
  const qmpSock = path.join(run, "qmp.sock");
  fs.rmSync(qmpSock, { force: true });
  const fwds = [{ port: PORT_BASE, guestPort: GUEST_PORT_BASE }, ...hosts]
    .map((h) => `hostfwd=tcp:127.0.0.1:${h.port}-10.0.2.15:${h.guestPort}`)
    .join(",");
  const qemu: ChildProcess = spawn(
    "qemu-system-x86_64",
    [
      "-accel",
      "tcg",
      "-smp",
      String(VM_CPUS),
      "-m",
      String(VM_MEMORY_MB),
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      `file:${consoleLog}`,
      "-qmp",
      `unix:${qmpSock},server=on,wait=off`,
      "-kernel",
      image.kernel,
      "-initrd",
      image.initrd,
      "-append",
      "root=/dev/vda rw console=ttyS0 net.ifnames=0 init=/usr/sbin/lab-init quiet",
      "-drive",
      `file=${disk},if=virtio,format=qcow2`,
      // restrict=on: the VM reaches nothing outside; forwards bind to 127.0.0.1 only.
      "-netdev",
      `user,id=n0,restrict=on,${fwds}`,
      "-device",
      "virtio-net-pci,netdev=n0",
      ...(loadvm ? ["-loadvm", SNAPSHOT] : []),
    ],
    { detached: true, stdio: ["ignore", "ignore", fs.openSync(path.join(run, "qemu.log"), "a")] },
  );
  qemu.unref();
  if (!qemu.pid) throw new Error("lab: qemu-system-x86_64 did not start");
  children.set(qemu.pid, qemu);
  counters.starts[preset.name] = (counters.starts[preset.name] ?? 0) + 1;
  const state: LabState = {
    preset: preset.name,
    qemuPid: qemu.pid,
    image: image.dir,
    startedAt: new Date().toISOString(),
    hosts,
    qmp: qmpSock,
  };
  fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2));
  return state;
}

async function waitControl(state: LabState, timeoutS: number): Promise<void> {
  await waitFor("the VM's control sshd", timeoutS, () => {
    if (!pidAlive(state.qemuPid)) {
      throw new Error(`lab: qemu exited; see ${path.join(labRunDir(), "qemu.log")} and ${path.join(labRunDir(), "console.log")}`);
    }
    return vm(state, "true").code === 0;
  });
}

/** How a host's stock service shows it answers (the units a preset enables); a saved state is taken only once they do. */
const SERVICE_READY: Record<string, string> = {
  nginx: "curl -s -o /dev/null -m 5 http://127.0.0.1/",
  tomcat10: "curl -s -o /dev/null -m 5 http://127.0.0.1:8080/",
};

/** Runs `command` in the host behind `port` without blocking; resolves with its exit code. */
function sshCode(port: number, image: string, command: string): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn("ssh", [...sshArgs(port, image), "--", command], { stdio: "ignore" });
    p.on("close", (code) => resolve(code ?? 255));
  });
}

/**
 * Waits until every host answers SSH (one session per host, all at once).
 * After a boot, also until it has finished booting and its enabled services
 * answer; a restored host was in that state when it was saved.
 */
async function waitHosts(state: LabState, booted: boolean): Promise<void> {
  const preset = presetNamed(state.preset);
  await Promise.all(
    state.hosts.map((h) => {
      const probes = (preset.hosts.find((x) => x.name === h.name)?.enable ?? []).map((u) => SERVICE_READY[u]).filter((p) => p);
      const script = booted ? ["systemctl is-system-running --wait >/dev/null 2>&1; true", ...probes].join(" && ") : "true";
      return waitFor(
        `host ${h.name} (ssh port ${h.port}: ${script})`,
        HOST_TIMEOUT_S,
        async () => (await sshCode(h.port, state.image, script)) === 0,
      );
    }),
  );
}

/** Runs each host's one-time `setup` (all hosts at once); whether any host had one. */
async function setupHosts(state: LabState): Promise<boolean> {
  const preset = presetNamed(state.preset);
  const jobs = state.hosts.map(async (h) => {
    const setup = preset.hosts.find((x) => x.name === h.name)?.setup;
    if (!setup) return false;
    const code = await sshCode(h.port, state.image, setup);
    if (code !== 0) throw new Error(`lab host ${h.name}: its setup exited ${code}: ${setup}`);
    return true;
  });
  return (await Promise.all(jobs)).some((x) => x);
}

/**
 * Waits until qemu has loaded the saved state and runs the VM: its monitor
 * answers only after `-loadvm` is done. SSH before that would connect to qemu's
 * forward and wait for a guest that is not running yet.
 */
async function loaded(state: LabState): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (!pidAlive(state.qemuPid))
      throw new Error(`lab: qemu exited while loading the saved state; see ${path.join(labRunDir(), "qemu.log")}`);
    try {
      const st = (await qmp(state.qmp, "query-status", undefined, 5000)) as { status?: string };
      if (st.status === "running") return;
    } catch {
      // the socket is not there yet, or qemu is still loading
    }
    if (Date.now() - t0 > RESTORE_TIMEOUT_S * 1000) throw new Error(`lab: the saved state did not load within ${RESTORE_TIMEOUT_S}s`);
    await sleep(200);
  }
}

/**
 * Waits for the restored VM's control sshd, and puts right what a saved
 * state cannot carry, in the same session: the VM's clock (it resumes at the
 * moment of the save; the hosts share the VM's kernel clock) and the kernel's
 * random state (every restore would otherwise resume the same generator: fresh
 * bytes from this machine are mixed into /dev/urandom and the CRNG is reseeded
 * with the RNDRESEEDCRNG ioctl).
 */
async function afterRestore(state: LabState): Promise<void> {
  await waitFor("the restored VM's control sshd", RESTORE_TIMEOUT_S, () => {
    if (!pidAlive(state.qemuPid)) throw new Error(`lab: qemu exited; see ${path.join(labRunDir(), "qemu.log")}`);
    const seed = crypto.randomBytes(64).toString("hex");
    const fix = [
      `date -u -s @${(Date.now() / 1000).toFixed(3)} >/dev/null`,
      `perl -e 'open(my $w, ">", "/dev/urandom") or die; print $w pack("H*", $ARGV[0]); close $w; open(my $r, "<", "/dev/urandom") or die; ioctl($r, 0x5207, 0) or die "RNDRESEEDCRNG: $!\n"' ${seed}`,
    ].join(" && ");
    const r = vm(state, fix);
    if (r.code !== 0 && r.code !== 255)
      throw new Error(`lab VM: setting the clock and reseeding failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.code === 0;
  });
}

/**
 * Boots the lab for `presetName` (replacing any running lab) and waits until every host answers SSH.
 *
 * The first boot of a preset saves the VM's whole running state (qemu
 * `savevm`: RAM, devices and the disk, in one qcow2 over the image) once its
 * hosts are SSH-ready; later `up`s load it (`-loadvm`) instead of booting,
 * and `reset` loads it again into the running VM.
 */
export async function up(presetName: string, opts: UpOptions = {}): Promise<UpResult> {
  const preset = presetNamed(presetName);
  const image = ensureImage();
  if (await down()) log("stopped the previous lab");
  const run = labRunDir();
  fs.mkdirSync(run, { recursive: true });

  const hosts = preset.hosts.map((h, i) => ({ name: h.name, port: PORT_BASE + 1 + i, guestPort: GUEST_PORT_BASE + 1 + i }));
  const known = [`[127.0.0.1]:${PORT_BASE} ${hostKeyLine(image.dir, "labvm")}`];
  for (const h of hosts) known.push(`[127.0.0.1]:${h.port} ${hostKeyLine(image.dir, h.name)}`);
  fs.writeFileSync(path.join(run, "known_hosts"), known.join("\n") + "\n");

  const saved = savedStatePath(image, preset);
  if (savingEnabled() && !opts.cold && savedStateReady(saved)) {
    const t0 = Date.now();
    // qemu runs on a copy: the saved file is never written, and loading a
    // pristine copy is fast (loading the saved file itself after a long
    // session first reverts that session's writes: 16 s instead of 3 s).
    const copy = path.join(run, "vm.qcow2");
    fs.copyFileSync(saved, copy, fs.constants.COPYFILE_FICLONE);
    const state = startQemu(preset, image, copy, hosts, true);
    state.savedState = copy;
    fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2));
    log(`restoring preset ${preset.name} from its saved state (qemu pid ${state.qemuPid})`);
    try {
      await loaded(state);
      const tLoad = (Date.now() - t0) / 1000;
      await afterRestore(state);
      const tVm = (Date.now() - t0) / 1000;
      await waitHosts(state, false);
      const total = (Date.now() - t0) / 1000;
      log(`restored: state loaded ${tLoad.toFixed(1)}s, control sshd ${tVm.toFixed(1)}s, all hosts SSH-ready in ${total.toFixed(1)}s`);
      return { state, inventory: writeInventory(preset, state, image), mode: "restored", seconds: { vm: tVm, hosts: total - tVm, total } };
    } catch (err) {
      log(
        `the saved state of ${preset.name} did not come up (${err instanceof Error ? err.message : String(err)}); discarding it and booting`,
      );
      await down();
      forgetSavedState(saved);
      fs.mkdirSync(run, { recursive: true });
      fs.writeFileSync(path.join(run, "known_hosts"), known.join("\n") + "\n");
    }
  }

  // Cold boot: on a fresh qcow2 that becomes the saved state, or on a throwaway overlay.
  const save = savingEnabled();
  let disk = path.join(run, "overlay.qcow2");
  if (save) {
    forgetSavedState(saved);
    fs.mkdirSync(path.dirname(saved), { recursive: true });
    disk = `${saved}.tmp`;
  }
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.disk, "-F", "raw", disk]);
  const t0 = Date.now();
  const state = startQemu(preset, image, disk, hosts, false);
  log(`booting the VM (qemu pid ${state.qemuPid}, ${VM_MEMORY_MB} MiB, TCG) for preset ${preset.name}`);
  try {
    await waitControl(state, BOOT_TIMEOUT_S);
    const tVm = (Date.now() - t0) / 1000;
    log(`VM up in ${tVm.toFixed(1)}s; starting ${hosts.length} hosts`);
    vmOrThrow(state, hosts.map((h) => labctlStartArgs(preset, h.name, h.guestPort)).join(" && "));
    await waitHosts(state, true);
    if (await setupHosts(state)) await waitHosts(state, true);
    const total = (Date.now() - t0) / 1000;
    log(`all hosts SSH-ready in ${total.toFixed(1)}s`);
    let saveS: number | undefined;
    if (save) {
      const s0 = Date.now();
      vmOrThrow(state, "sync");
      // No open connection goes into the saved state (every later restore would carry its stale sessions).
      closeMux();
      await hmp(state.qmp, `savevm ${SNAPSHOT}`);
      fs.renameSync(disk, saved);
      fs.writeFileSync(
        `${saved}.ok`,
        JSON.stringify({ savedAt: new Date().toISOString(), preset: preset.name, qemu: qemuVersion() }) + "\n",
      );
      state.savedState = saved;
      fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2));
      saveS = (Date.now() - s0) / 1000;
      log(
        `saved the running state in ${saveS.toFixed(1)}s (${(fs.statSync(saved).size / 2 ** 30).toFixed(2)} GiB): the next up restores it`,
      );
    }
    return {
      state,
      inventory: writeInventory(preset, state, image),
      mode: "cold",
      seconds: { vm: tVm, hosts: total - tVm, total, save: saveS },
    };
  } catch (err) {
    await down();
    if (save) forgetSavedState(saved);
    throw err;
  }
}

export interface ResetResult {
  seconds: number;
}

/**
 * Puts every host of the running lab back to its bare state (as right after
 * boot: IPVS empty, sysctls default, units stock, files as in the image) by
 * loading the preset's saved state into the running VM: no new qemu, no boot.
 */
export async function reset(): Promise<ResetResult> {
  const s = requireLab();
  if (!s.savedState)
    throw new Error(
      `lab: the running ${s.preset} lab has no saved state to reset to (it booted with PULUMI_LVS_LAB_NO_SAVE set); run \`npm run lab -- up ${s.preset}\``,
    );
  const t0 = Date.now();
  closeMux();
  await hmp(s.qmp, `loadvm ${SNAPSHOT}`);
  const tLoad = (Date.now() - t0) / 1000;
  await afterRestore(s);
  const tVm = (Date.now() - t0) / 1000;
  await waitHosts(s, false);
  counters.resets[s.preset] = (counters.resets[s.preset] ?? 0) + 1;
  const seconds = (Date.now() - t0) / 1000;
  log(`reset ${s.preset} to its saved state in ${seconds.toFixed(1)}s (loadvm ${tLoad.toFixed(1)}s, control sshd ${tVm.toFixed(1)}s)`);
  return { seconds };
}

/**
 * A lab of `presetName` in its bare state: the running one reset when it is
 * that preset (on the current image, with a saved state), else a new one.
 * Test suites call this so that suites of one preset share one VM.
 */
export async function use(presetName: string): Promise<{ mode: UpResult["mode"] | "reset"; seconds: number }> {
  const s = labState();
  if (s && s.preset === presetName && s.savedState && s.image === ensureImage().dir) {
    return { mode: "reset", seconds: (await reset()).seconds };
  }
  const r = await up(presetName);
  return { mode: r.mode, seconds: r.seconds.total };
}

function writeInventory(preset: LabPreset, state: LabState, image: LabImage): Inventory {
  const inventory = buildInventory(preset, state, image);
  fs.writeFileSync(path.join(labRunDir(), "inventory.yaml"), renderInventory(inventory));
  return inventory;
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
      hostKey: hostKeyLine(image.dir, spec.name),
      addresses: Object.fromEntries(spec.nics.map((n) => [n.name, n.cidr])),
    };
    const v6 = spec.nics.flatMap((n) => (n.cidr6 ? [[n.name, n.cidr6] as const] : []));
    if (v6.length) hosts[spec.name].addresses6 = Object.fromEntries(v6);
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

/**
 * Runs one command in each host at once (the hosts' commands overlap: a
 * snapshot of five hosts takes the time of the slowest, not the sum); throws
 * naming the first host whose command failed. Synchronous, like run.
 */
export function runEach(hosts: string[], command: string): Record<string, string> {
  const s = requireLab();
  const dir = fs.mkdtempSync(path.join(labRunDir(), "each-"));
  try {
    const jobs = hosts.map((h, i) => {
      const argv = ["ssh", ...sshArgs(hostPort(s, h), s.image), "--", command].map(quote).join(" ");
      return `${argv} > ${quote(path.join(dir, `${i}.out`))} 2> ${quote(path.join(dir, `${i}.err`))}; echo $? > ${quote(path.join(dir, `${i}.rc`))} &`;
    });
    execFileSync("bash", ["-c", `${jobs.join("\n")}\nwait`], { stdio: "ignore" });
    const out: Record<string, string> = {};
    hosts.forEach((h, i) => {
      const code = Number(fs.readFileSync(path.join(dir, `${i}.rc`), "utf8").trim());
      if (code !== 0)
        throw new Error(`lab ${h}: "${command}" exited ${code}: ${fs.readFileSync(path.join(dir, `${i}.err`), "utf8").trim()}`);
      out[h] = fs.readFileSync(path.join(dir, `${i}.out`), "utf8");
    });
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
  const port = hostPort(s, host);
  closeMux([port]);
  vmOrThrow(s, `labctl stop ${quote(host)}`);
}

/** Boots a stopped host again (fresh kernel state, same files) and waits for its sshd. */
export async function start(host: string): Promise<void> {
  const s = requireLab();
  const port = hostPort(s, host);
  const guestPort = s.hosts.find((h) => h.name === host)!.guestPort;
  vmOrThrow(s, labctlStartArgs(presetNamed(s.preset), host, guestPort));
  await waitFor(
    `host ${host}`,
    HOST_TIMEOUT_S,
    () => runSsh(port, s.image, "systemctl is-system-running --wait >/dev/null 2>&1; true").code === 0,
  );
}

/** Drops all traffic between two hosts (both directions, multicast included). */
export function cut(a: string, b: string): void {
  const s = requireLab();
  hostPort(s, a);
  hostPort(s, b);
  vmOrThrow(s, `labctl cut ${quote(a)} ${quote(b)}`);
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
  const running = new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.endsWith(" running"))
      .map((l) => l.split(" ")[0]),
  );
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
