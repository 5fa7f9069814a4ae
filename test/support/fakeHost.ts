// A fake host for the fast tier: the providers' real command lines run under a
// real bash, in private mount, network and pid namespaces on this machine
// (root required), with stand-ins for the tools that would act on a kernel or
// a daemon (fakeHost/standins.js: ipvsadm, ip, iptables, the
// daemons' config tests, dpkg-query/apt-get, curl; fakeHost/systemctl.sh;
// fakeHost/modprobe.sh over a private /sys/module; no-ops for arping, ...).
//
// One holder process per fake host keeps the namespaces alive:
//   setpriv --pdeathsig KILL -- unshare --mount --net --pid --uts --fork --mount-proc --kill-child \
//     sh -c '<mounts>; exec sleep infinity'
// with overlays over /etc, /var, /opt, /usr and /run (upper layers in a
// temporary directory, so the real files are never written), a tmpfs over
// /proc/sys filled with the keys the providers use, and tmpfs /tmp, /root,
// /srv, /home, /mnt and /media. Each
// command runs with `nsenter -t <pid> -m -n -p bash -c <line>`
// (providers/transport/seam.ts namespaceTransport). The network namespace
// has only a down loopback, so even a command that escaped the stand-ins
// could not reach the real network, IPVS table or addresses; the pid
// namespace keeps kill/pkill away from the real processes.
//
// Tests install fake hosts in-process (installFakeHosts: the transport seam's
// factory) or for the engine's provider plugin (writeFakeHostsDir + the
// PULUMI_LVS_FAKE_HOSTS variable). stop() kills the holder by its PID and
// removes the temporary directory.
import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FakeHostFile, namespaceTransport, setTransportFactory } from "../../providers/transport/seam";
import { ConnectionArgs, ExecResult, Transport, targetOf } from "../../providers/transport/types";

const STANDINS = path.join(__dirname, "fakeHost", "standins.js");
/** systemctl is a shell script: the providers call it most, and a node start costs 50 to 200 ms. */
const SYSTEMCTL = path.join(__dirname, "fakeHost", "systemctl.sh");
/** modprobe makes the module's /sys/module directory (a tmpfs on the fake host). */
const MODPROBE = path.join(__dirname, "fakeHost", "modprobe.sh");

/** Tools replaced by a stand-in, at every path a provider's PATH could find them. */
const STANDIN_TOOLS = [
  "ipvsadm",
  "ipvsadm-save",
  "ipvsadm-restore",
  "ip",
  "iptables",
  "iptables-save",
  "keepalived",
  "haproxy",
  "nginx",
  "dpkg-query",
  "apt-get",
  "curl",
];
/** Tools that must do nothing here (they would act on the network or the init system). */
const NOOP_TOOLS = [
  "arping",
  "update-rc.d",
  "journalctl",
  "service",
  "ip6tables",
  "iptables-restore",
  "dnf",
  "yum",
  "rpm",
  "reboot",
  "shutdown",
  "ping",
];

/** Sysctl keys (under /proc/sys) and their values at start: what the providers and tests use. */
export const DEFAULT_SYSCTLS: Record<string, string> = {
  "net/ipv4/ip_forward": "0",
  "net/ipv4/ip_nonlocal_bind": "0",
  "net/ipv4/vs/conntrack": "0",
  "net/ipv4/vs/expire_nodest_conn": "0",
  "net/ipv4/vs/expire_quiescent_template": "0",
  "net/ipv4/vs/sloppy_tcp": "0",
  "net/ipv4/vs/schedule_icmp": "0",
  "net/core/somaxconn": "4096",
  ...Object.fromEntries(
    ["all", "default", "lo", "eth0", "ens33", "ens36", "tunl0", "gre0"].flatMap((i) => [
      [`net/ipv4/conf/${i}/arp_ignore`, "0"],
      [`net/ipv4/conf/${i}/arp_announce`, "0"],
      [`net/ipv4/conf/${i}/rp_filter`, i === "lo" ? "0" : "2"],
      [`net/ipv4/conf/${i}/send_redirects`, "1"],
      [`net/ipv4/conf/${i}/accept_redirects`, "1"],
    ]),
  ),
};

const OVERLAID = ["etc", "var", "opt", "usr", "run"];
/**
 * Directories that start empty on the fake host (tmpfs). Every other top-level
 * directory (/work, /boot, ...) is this machine's own: tests must only write
 * under the overlaid or private ones.
 */
const PRIVATE_EMPTY = ["srv", "home", "mnt", "media"];

export interface FakeHostOptions {
  /** The connection's host (never dialled). Default 127.0.0.1. */
  host?: string;
  /** The connection's port (never dialled): tells fake hosts apart. Default: a new one per fake host. */
  port?: number;
  /** Extra or different sysctls, keys as dotted names. */
  sysctls?: Record<string, string>;
  /** Packages the fake apt knows: name -> versions (the last is the candidate). */
  availablePackages?: Record<string, string[]>;
}

export interface UnitState {
  active: boolean;
  enabled: boolean;
  /** start and restart calls. */
  starts: number;
  reloads: number;
}

export interface FakeHost {
  readonly connection: ConnectionArgs;
  readonly target: string;
  /** The temporary directory holding the overlays' upper layers. */
  readonly root: string;
  /** PID (in this machine's namespace) of the process holding the fake host's namespaces. */
  readonly pid: number;
  readonly transport: Transport;
  /** Runs a command line on the fake host (a hand change, or a look); never throws on a non-zero exit. */
  exec(line: string, stdin?: string): Promise<ExecResult>;
  /** Runs a command line on the fake host; throws on a non-zero exit. Returns stdout. */
  sh(line: string, stdin?: string): Promise<string>;
  /** The stand-ins' persisted model of `name` (ipvs, net, iptables, packages), or undefined. */
  model<T>(name: string): Promise<T | undefined>;
  /** A systemd unit as the systemctl stand-in keeps it. */
  unit(name: string): Promise<UnitState>;
  /** Kills the holder by PID and removes the temporary directory. Safe to call twice. */
  stop(): void;
}

let nextPort = 22000 + (process.pid % 1000) * 10;

/**
 * The stand-ins' script inside the fake host: a copy under the /usr overlay,
 * since the checkout may lie under /tmp or /root, which are tmpfs there.
 */
const STANDINS_INSIDE = "/usr/lib/fakehost/standins.js";

function wrapper(tool: string): string {
  return `#!/bin/sh\nexec ${process.execPath} ${STANDINS_INSIDE} ${tool} "$@"\n`;
}

/** Lays out the upper layers: stand-ins over the real tools, Debian facts, systemd present. */
function prepare(root: string, opts: FakeHostOptions): void {
  for (const d of OVERLAID) {
    fs.mkdirSync(path.join(root, "upper", d), { recursive: true });
    fs.mkdirSync(path.join(root, "work", d), { recursive: true });
  }
  const usr = path.join(root, "upper", "usr");
  for (const dir of ["sbin", "bin", "local/sbin", "local/bin"]) fs.mkdirSync(path.join(usr, dir), { recursive: true });
  fs.mkdirSync(path.join(usr, path.dirname(STANDINS_INSIDE).slice("/usr/".length)), { recursive: true });
  fs.copyFileSync(STANDINS, path.join(usr, STANDINS_INSIDE.slice("/usr/".length)));
  const scripts: Record<string, string> = { systemctl: SYSTEMCTL, modprobe: MODPROBE };
  for (const tool of [...STANDIN_TOOLS, ...NOOP_TOOLS, ...Object.keys(scripts)]) {
    const text = scripts[tool]
      ? fs.readFileSync(scripts[tool], "utf8")
      : STANDIN_TOOLS.includes(tool)
        ? wrapper(tool)
        : "#!/bin/sh\nexit 0\n";
    for (const dir of ["sbin", "bin", "local/sbin"]) fs.writeFileSync(path.join(usr, dir, tool), text, { mode: 0o755 });
  }
  const etc = path.join(root, "upper", "etc");
  fs.writeFileSync(path.join(etc, "os-release"), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm) (fake host)"\nID=debian\nVERSION_ID="12"\n');
  for (const d of [
    "systemd/system",
    "sysctl.d",
    "keepalived",
    "haproxy",
    "nginx/sites-available",
    "nginx/sites-enabled",
    "nginx/conf.d",
    "default",
  ]) {
    fs.mkdirSync(path.join(etc, d), { recursive: true });
  }
  fs.writeFileSync(
    path.join(etc, "nginx", "nginx.conf"),
    "events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/sites-enabled/*;\n}\n",
  );
  fs.writeFileSync(path.join(etc, "haproxy", "haproxy.cfg"), "global\n  daemon\ndefaults\n  mode http\n");
  fs.mkdirSync(path.join(root, "upper", "run", "systemd", "system"), { recursive: true });
  const state = path.join(root, "upper", "var", "lib", "fakehost");
  fs.mkdirSync(state, { recursive: true });
  const installed = { nginx: "1.22.1-9", haproxy: "2.6.12-1", keepalived: "1:2.2.7-1", ipvsadm: "1:1.31-1" };
  fs.writeFileSync(path.join(state, "packages.json"), JSON.stringify({ installed, available: opts.availablePackages ?? {} }));
  // The daemons are installed, enabled and running, as the distro's packages leave them.
  for (const u of ["nginx.service", "haproxy.service", "keepalived.service"]) {
    fs.mkdirSync(path.join(state, "systemd", u), { recursive: true });
    for (const f of ["active", "enabled", "known"]) fs.writeFileSync(path.join(state, "systemd", u, f), "");
  }
}

function sysctlScript(opts: FakeHostOptions): string {
  const keys = {
    ...DEFAULT_SYSCTLS,
    ...Object.fromEntries(Object.entries(opts.sysctls ?? {}).map(([k, v]) => [k.replace(/\./g, "/"), v])),
  };
  return Object.entries(keys)
    .map(([k, v]) => `mkdir -p /proc/sys/${path.posix.dirname(k)} && echo ${v} > /proc/sys/${k}`)
    .join(" && ");
}

/** Starts a fake host; resolves once its namespaces and mounts are ready. */
export async function startFakeHost(opts: FakeHostOptions = {}): Promise<FakeHost> {
  if (process.getuid?.() !== 0) throw new Error("the fake host needs root (unshare --mount)");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-fakehost-"));
  prepare(root, opts);
  const mounts = [
    ...OVERLAID.map((d) => `mount -t overlay overlay -o lowerdir=/${d},upperdir=${root}/upper/${d},workdir=${root}/work/${d} /${d}`),
    "mount -t tmpfs tmpfs /proc/sys",
    // No module loaded: modprobe's stand-in adds them under /sys/module (this machine's /proc/modules, if any, is hidden).
    "mount -t tmpfs tmpfs /sys/module",
    "{ [ ! -e /proc/modules ] || mount --bind /dev/null /proc/modules; }",
    sysctlScript(opts),
    "mount -t tmpfs tmpfs /tmp",
    // An empty home: a fresh host's root, and none of this machine's dotfiles (a slow .bashrc) or credentials.
    "mount -t tmpfs tmpfs /root",
    // Where applications live (TomcatApp's docBase under /srv): empty, private.
    ...PRIVATE_EMPTY.map((d) => `mkdir -p /${d} && mount -t tmpfs tmpfs /${d}`),
    "echo ready",
    "exec sleep infinity",
  ].join(" && ");
  // setpriv --pdeathsig: if this test process dies without its after hooks, the holder is killed too.
  const holder = cp.spawn(
    "setpriv",
    [
      "--pdeathsig",
      "KILL",
      "--",
      "unshare",
      "--mount",
      "--net",
      "--pid",
      "--uts",
      "--fork",
      "--mount-proc",
      "--kill-child",
      "--propagation",
      "private",
      "sh",
      "-c",
      mounts,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stopped = false;
  const holderPid = holder.pid;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (holderPid !== undefined) {
      try {
        process.kill(holderPid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let err = "";
      holder.stderr.on("data", (d: Buffer) => (err += d.toString()));
      holder.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      holder.on("exit", (code) => reject(new Error(`fake host holder exited ${code}: ${err.trim()}`)));
      holder.on("error", reject);
    });
    if (holderPid === undefined) throw new Error("fake host holder has no pid");
    const children = fs.readFileSync(`/proc/${holderPid}/task/${holderPid}/children`, "utf8").trim().split(/\s+/);
    const pid = Number(children[0]);
    if (!Number.isInteger(pid) || pid <= 0)
      throw new Error(`fake host: no process inside the namespaces (children of ${holderPid}: "${children.join(" ")}")`);
    const connection: ConnectionArgs = { host: opts.host ?? "127.0.0.1", port: opts.port ?? nextPort++, trustOnFirstUse: true };
    const target = targetOf(connection);
    const transport = namespaceTransport(target, pid);
    holder.unref();
    holder.stdout.destroy();
    holder.stderr.destroy();
    const fake: FakeHost = {
      connection,
      target,
      root,
      pid,
      transport,
      exec: (line, stdin) => transport.exec(line, stdin),
      sh: (line, stdin) => transport.run(line, stdin),
      async model<T>(name: string) {
        const text = await transport.readFile(`/var/lib/fakehost/${name}.json`);
        return text === undefined ? undefined : (JSON.parse(text) as T);
      },
      async unit(name: string) {
        const d = `/var/lib/fakehost/systemd/${name.includes(".") ? name : `${name}.service`}`;
        const out = await transport.run(
          `for f in active enabled; do [ -e ${d}/$f ] && echo 1 || echo 0; done; cat ${d}/starts 2>/dev/null || echo 0; cat ${d}/reloads 2>/dev/null || echo 0`,
        );
        const [active, enabled, starts, reloads] = out.trim().split("\n");
        return { active: active === "1", enabled: enabled === "1", starts: Number(starts), reloads: Number(reloads) };
      },
      stop,
    };
    return fake;
  } catch (err) {
    stop();
    throw err;
  }
}

/** Routes every provider's sshTransport() to these fake hosts (by host:port); others are refused. */
export function installFakeHosts(hosts: FakeHost[]): void {
  setTransportFactory((c) => {
    const h = hosts.find((x) => x.connection.host === c.host && x.connection.port === (c.port ?? 22));
    if (!h) throw new Error(`ssh ${targetOf(c)}: not one of the installed fake hosts; refusing to reach a real host`);
    return h.transport;
  });
}

/** Removes the in-process fake hosts: sshTransport() is SSH again. */
export function uninstallFakeHosts(): void {
  setTransportFactory(undefined);
}

/** Describes fake hosts in `dir` for PULUMI_LVS_FAKE_HOSTS (the engine's provider plugin process). */
export function writeFakeHostsDir(dir: string, hosts: FakeHost[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const h of hosts) {
    const desc: FakeHostFile = { pid: h.pid, shell: "bash" };
    fs.writeFileSync(path.join(dir, `${h.connection.host}_${h.connection.port}.json`), JSON.stringify(desc));
  }
}
