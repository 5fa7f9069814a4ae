// The test seam of the transport: sshTransport() asks here first, and returns
// what this gives instead of an SSH connection. Nothing is installed unless a
// test installs it, so real runs take the SSH path unchanged.
//
// Two ways to install a replacement:
// - in-process, for tests that call the providers directly:
//   setTransportFactory(fn), and setTransportFactory(undefined) to remove it;
// - for the real Pulumi engine, whose dynamic providers run in a plugin
//   process the test cannot reach: the environment variable
//   PULUMI_LVS_FAKE_HOSTS=<dir>. For a connection to host:port the directory
//   holds `<host>_<port>.json`, `{ "pid": <n>, "shell": "bash" }`: the pid of a
//   process whose mount, network and pid namespaces are the fake host
//   (test/support/fakeHost.ts makes them). Commands run there with
//   `nsenter -t <pid> -m -n -p <shell> -c <line>`. A connection with no file in
//   the directory is refused, so a test never reaches a real host by mistake.
//
// State lives on globalThis, like the SSH pool: one per provider process,
// whichever copy of this module a provider loaded.
import { ConnectionArgs, ExecResult, Transport, targetOf } from "./types";
import { transportOver } from "./base";

/** Makes the transport for a connection, or returns undefined to let SSH handle it. */
export type TransportFactory = (c: ConnectionArgs) => Transport | undefined;

/** The environment variable naming a directory of fake hosts (a test seam, never set in real use). */
export const FAKE_HOSTS_ENV = "PULUMI_LVS_FAKE_HOSTS";

interface SeamState {
  factory?: TransportFactory;
  envTransports: Map<string, Transport>;
}

function state(): SeamState {
  const g = globalThis as { __pulumiLvsTransportSeam?: SeamState };
  g.__pulumiLvsTransportSeam ??= { envTransports: new Map() };
  return g.__pulumiLvsTransportSeam;
}

/** Installs (or, with undefined, removes) the in-process replacement of sshTransport. */
export function setTransportFactory(factory: TransportFactory | undefined): void {
  state().factory = factory;
}

/** A fake host as described in the PULUMI_LVS_FAKE_HOSTS directory. */
export interface FakeHostFile {
  /** A process inside the fake host's namespaces. */
  pid: number;
  /** The shell that runs each command line (what the login shell would be over SSH). Default "bash". */
  shell?: string;
}

/** The replacement transport for `c`, or undefined when none is installed (then SSH is used). */
export function replacementTransport(c: ConnectionArgs): Transport | undefined {
  const s = state();
  const fromFactory = s.factory?.(c);
  if (fromFactory) return fromFactory;
  const dir = process.env[FAKE_HOSTS_ENV];
  if (!dir) return undefined;
  const target = targetOf(c);
  const key = `${dir}|${target}`;
  const known = s.envTransports.get(key);
  if (known) return known;
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const file = path.join(dir, `${c.host}_${c.port ?? 22}.json`);
  if (!fs.existsSync(file))
    throw new Error(`ssh ${target}: ${FAKE_HOSTS_ENV} is set and ${file} does not exist; refusing to reach a real host`);
  const desc = JSON.parse(fs.readFileSync(file, "utf8")) as FakeHostFile;
  const t = namespaceTransport(target, desc.pid, desc.shell ?? "bash");
  s.envTransports.set(key, t);
  return t;
}

/**
 * A transport that runs each command line with `nsenter` in the namespaces of
 * process `pid` on this machine: the same contract as the SSH transport
 * (exec, run, readFile, writeFileAtomic, lock), one process per command.
 */
export function namespaceTransport(target: string, pid: number, shell = "bash"): Transport {
  return transportOver(
    target,
    (line: string, stdin?: string): Promise<ExecResult> => {
      const cp = require("node:child_process") as typeof import("node:child_process");
      return new Promise((resolve, reject) => {
        const child = cp.spawn("nsenter", ["-t", String(pid), "-m", "-n", "-p", "--", shell, "-c", line], {
          stdio: ["pipe", "pipe", "pipe"],
          env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LANG: "C.UTF-8" },
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", reject);
        child.on("close", (code) =>
          resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
        );
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin ?? "");
      });
    },
    new Map<string, Promise<unknown>>(),
  );
}
