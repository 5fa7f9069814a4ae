// The SSH transport (ssh2): one connection per host per process, shared by
// every resource; channels limited below sshd's MaxSessions; host keys pinned;
// retries on network errors only. Commands without input issued on a host
// within a few milliseconds of each other run in one session (coalesce.ts).
//
// The pool lives on globalThis, one per provider process, whichever copy of
// this module a resource's provider loaded (providers/common/providerRef.ts);
// ssh2 is required inside the functions.
import type { Client, ConnectConfig } from "ssh2";
import { coalescedScript, parseCoalesced } from "./coalesce";
import { MAX_COMMAND_LINE, quote, SCRIPT_FROM_STDIN } from "./shell";
import { replacementTransport } from "./seam";
import { ConnectionArgs, ExecResult, Transport, targetOf } from "./types";
import { transportOver } from "./base";

/** sshd's default MaxSessions is 10; stay below it. */
const MAX_CHANNELS = 8;

/** How long a command without input waits for others to share its session. */
const COALESCE_MS = 8;

interface Pending {
  line: string;
  resolve: (r: ExecResult) => void;
  reject: (err: unknown) => void;
}

interface PoolEntry {
  client?: Promise<Client>;
  active: number;
  waiting: (() => void)[];
  locks: Map<string, Promise<unknown>>;
  /** Commands without input waiting to share a session. */
  pending: Pending[];
  flushTimer?: NodeJS.Timeout;
}

interface Pool {
  entries: Map<string, PoolEntry>;
}

function pool(): Pool {
  const g = globalThis as { __pulumiLvsSshPool?: Pool };
  g.__pulumiLvsSshPool ??= { entries: new Map() };
  return g.__pulumiLvsSshPool;
}

function entryFor(key: string): PoolEntry {
  const p = pool();
  let e = p.entries.get(key);
  if (!e) {
    e = { active: 0, waiting: [], locks: new Map(), pending: [] };
    p.entries.set(key, e);
  }
  return e;
}

/** OpenSSH-style SHA256 fingerprint of a raw host key. */
export function fingerprintOf(key: Buffer): string {
  const crypto = require("node:crypto") as typeof import("node:crypto");
  return "SHA256:" + crypto.createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
}

function isNetworkError(err: unknown): boolean {
  const e = err as { level?: string; code?: string };
  if (e.level === "client-authentication") return false;
  if (e.level === "client-timeout" || e.level === "client-socket") return true;
  return ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"].includes(e.code ?? "");
}

/** What connectOptions reads from the process: its environment, the home directory, files. */
export interface ConnectEnv {
  env: { SSH_AUTH_SOCK?: string };
  home: () => string;
  readFile: (path: string) => string;
}

/** A key file path with a leading `~` or `~/` made the home directory. */
export function expandHome(path: string, home: () => string): string {
  if (path === "~") return home();
  if (path.startsWith("~/")) return home().replace(/\/+$/, "") + path.slice(1);
  return path;
}

/**
 * The ssh2 address and credentials of a connection: the key (privateKey, or privateKeyPath read now), passphrase,
 * password and agent; the agent defaults to SSH_AUTH_SOCK when no key or password is given. Throws naming the host
 * when there is no way to authenticate, or the key file cannot be read.
 */
export function connectOptions(
  c: ConnectionArgs,
  env: ConnectEnv,
): Pick<ConnectConfig, "host" | "port" | "username" | "privateKey" | "passphrase" | "password" | "agent"> {
  const target = targetOf(c);
  if (c.privateKey !== undefined && c.privateKeyPath !== undefined)
    throw new Error(`ssh ${target}: give privateKey or privateKeyPath, not both`);
  let privateKey = c.privateKey;
  if (c.privateKeyPath !== undefined) {
    const file = expandHome(c.privateKeyPath, env.home);
    try {
      privateKey = env.readFile(file);
    } catch (err) {
      const why = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
      throw new Error(`ssh ${target}: cannot read the key file privateKeyPath ${c.privateKeyPath} (${file}): ${why}`);
    }
  }
  const agent = c.agent ?? (privateKey === undefined && c.password === undefined ? env.env.SSH_AUTH_SOCK || undefined : undefined);
  if (privateKey === undefined && c.password === undefined && agent === undefined)
    throw new Error(
      `ssh ${target}: no way to authenticate: the connection gives no privateKey, privateKeyPath, password or agent, and SSH_AUTH_SOCK is not set`,
    );
  return {
    host: c.host,
    port: c.port ?? 22,
    username: c.user ?? "root",
    privateKey,
    passphrase: c.privateKeyPassphrase,
    password: c.password,
    agent,
  };
}

function connectOnce(c: ConnectionArgs, sock?: NodeJS.ReadableStream): Promise<Client> {
  const { Client: SshClient } = require("ssh2") as typeof import("ssh2");
  const target = targetOf(c);
  const credentials = connectOptions(c, {
    env: process.env,
    home: () => (require("node:os") as typeof import("node:os")).homedir(),
    readFile: (path) => (require("node:fs") as typeof import("node:fs")).readFileSync(path, "utf8"),
  });
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    let keyError: Error | undefined;
    const cfg: ConnectConfig = {
      ...credentials,
      readyTimeout: c.connectTimeoutMs ?? 20000,
      keepaliveInterval: c.keepaliveIntervalMs ?? 15000,
      keepaliveCountMax: 4,
      sock: sock as ConnectConfig["sock"],
      hostVerifier: (key: Buffer) => {
        const got = fingerprintOf(key);
        if (c.hostKeySha256) {
          if (got === c.hostKeySha256) return true;
          keyError = new Error(`ssh ${target}: host key mismatch: expected ${c.hostKeySha256}, got ${got}; refusing to connect`);
          return false;
        }
        if (c.trustOnFirstUse) return true;
        keyError = new Error(
          `ssh ${target}: no host key pin (hostKeySha256) given; the host offers ${got}. Pin it, or set trustOnFirstUse`,
        );
        return false;
      },
    };
    client.once("ready", () => resolve(client));
    client.once("error", (err: Error) => reject(keyError ?? err));
    client.connect(cfg);
  });
}

async function connectWithRetry(c: ConnectionArgs): Promise<Client> {
  const attempts = Math.max(1, c.retries ?? 4);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      if (c.jump) {
        const jump = await connectWithRetry(c.jump);
        const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
          jump.forwardOut("127.0.0.1", 0, c.host, c.port ?? 22, (err, ch) => (err ? reject(err) : resolve(ch))),
        );
        return await connectOnce(c, stream);
      }
      return await connectOnce(c);
    } catch (err) {
      last = err;
      if (!isNetworkError(err) || i === attempts - 1) break;
      await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
  }
  const msg = last instanceof Error ? last.message : String(last);
  throw new Error(msg.startsWith("ssh ") ? msg : `ssh ${targetOf(c)}: cannot connect: ${msg}`);
}

/** The pooled connection of a host: opened on first use, reopened after it closes. */
function client(c: ConnectionArgs, e: PoolEntry): Promise<Client> {
  if (!e.client) {
    const p = connectWithRetry(c).then((cl) => {
      const drop = () => {
        if (e.client === p) e.client = undefined;
      };
      cl.on("close", drop);
      cl.on("error", drop);
      // Let the process exit while the connection is idle.
      (cl as unknown as { _sock?: { unref?: () => void } })._sock?.unref?.();
      return cl;
    });
    p.catch(() => {
      if (e.client === p) e.client = undefined;
    });
    e.client = p;
  }
  return e.client;
}

async function withChannel<T>(e: PoolEntry, fn: () => Promise<T>): Promise<T> {
  while (e.active >= MAX_CHANNELS) await new Promise<void>((r) => e.waiting.push(r));
  e.active++;
  try {
    return await fn();
  } finally {
    e.active--;
    e.waiting.shift()?.();
  }
}

function execOn(cl: Client, line: string, stdin: string | undefined): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    cl.exec(line, (err, stream) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errb: Buffer[] = [];
      let code = -1;
      stream.on("data", (d: Buffer) => out.push(d));
      stream.stderr.on("data", (d: Buffer) => errb.push(d));
      stream.on("exit", (c: number | null) => (code = c ?? -1));
      stream.on("close", () => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errb).toString() }));
      if (stdin !== undefined) stream.end(stdin);
      else stream.end();
    });
  });
}

/** The transport for a connection: pooled per user@host:port in this process (or a test's fake host, seam.ts). */
export function sshTransport(c: ConnectionArgs): Transport {
  // The test seam (seam.ts): a fake host when a test installed one, else SSH.
  const replacement = replacementTransport(c);
  if (replacement) return replacement;
  const target = targetOf(c);
  const e = entryFor(target);
  const sudo = c.sudo ?? (c.user ?? "root") !== "root";
  const wrap = (line: string) => (sudo ? `sudo -n sh -c ${quote(line)}` : line);

  /** One session for one command line (a long one without stdin goes through stdin: MAX_COMMAND_LINE). */
  const session = (command: string, input: string | undefined): Promise<ExecResult> => {
    const long = command.length > MAX_COMMAND_LINE;
    if (long && input !== undefined)
      return Promise.reject(
        new Error(`ssh ${target}: a command line of ${command.length} characters with its own stdin is longer than ${MAX_COMMAND_LINE}`),
      );
    const line = long ? SCRIPT_FROM_STDIN : command;
    const stdin = long ? command : input;
    return withChannel(e, async () => {
      const cl = await client(c, e);
      try {
        return await execOn(cl, wrap(line), stdin);
      } catch (err) {
        // A dropped connection: reopen once, then fail naming the host.
        e.client = undefined;
        const again = await client(c, e);
        return execOn(again, wrap(line), stdin).catch((err2: unknown) => {
          throw new Error(
            `ssh ${target}: "${line}" could not run: ${err2 instanceof Error ? err2.message : String(err2)} (first: ${String(err)})`,
          );
        });
      }
    });
  };

  /** Runs the commands waiting on this host: alone, or side by side in one session. */
  const flush = async (): Promise<void> => {
    e.flushTimer = undefined;
    const batch = e.pending.splice(0);
    if (batch.length === 1) {
      const [p] = batch;
      return session(p.line, undefined).then(p.resolve, p.reject);
    }
    try {
      const r = await session(coalescedScript(batch.map((p) => p.line)), undefined);
      if (r.code === 97) throw new Error(`could not create a temporary directory: ${r.stderr.trim()}`);
      parseCoalesced(r.stdout, batch.length).forEach((res, i) => batch[i].resolve(res));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  return transportOver(
    target,
    async (line, stdin) => {
      if (stdin !== undefined) return session(line, stdin);
      return new Promise<ExecResult>((resolve, reject) => {
        e.pending.push({ line, resolve, reject });
        e.flushTimer ??= setTimeout(() => void flush(), COALESCE_MS);
      });
    },
    e.locks,
  );
}

/** Closes every pooled connection (tests; the provider process exits on its own). */
export async function closeAll(): Promise<void> {
  for (const e of pool().entries.values()) {
    const c = e.client;
    e.client = undefined;
    if (c) (await c.catch(() => undefined))?.end();
  }
}
