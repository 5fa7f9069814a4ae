// The transport seam: what every provider needs from a host. One SSH
// implementation (ssh.ts); tests of command planning use recording.ts.

/** How to reach a host over SSH. */
export interface ConnectionArgs {
  /** Address or name to connect to. Required. */
  host: string;
  /** SSH port. Default 22. */
  port?: number;
  /** Login user. Default "root"; other users need `sudo`. */
  user?: string;
  /** Private key (PEM/OpenSSH text). Keep it secret: pass a `pulumi.secret`. Not with privateKeyPath. Default: none. */
  privateKey?: string;
  /**
   * A private key file, read on the machine running pulumi (in the provider process) at connect time; a leading `~/` is
   * the home directory. Not with privateKey. Default: none.
   */
  privateKeyPath?: string;
  /** Passphrase of the private key. Default: none (the key is not encrypted). */
  privateKeyPassphrase?: string;
  /** Password authentication. Default: none (no password is offered). */
  password?: string;
  /** ssh-agent socket path. Default: SSH_AUTH_SOCK when no key or password is given. */
  agent?: string;
  /**
   * The host key pin as OpenSSH prints it (`SHA256:...`). A different key is refused. Default: none: the host is refused unless
   * trustOnFirstUse is true.
   */
  hostKeySha256?: string;
  /** Accept any host key when no pin is given. Default false: an unpinned host is refused. */
  trustOnFirstUse?: boolean;
  /** Connect through this host (like ssh -J). Default: none (connect directly). */
  jump?: ConnectionArgs;
  /** Run commands through `sudo -n` (for a non-root user). Default: true when user is not root. */
  sudo?: boolean;
  /** Time to establish the connection, ms. Default 20000. */
  connectTimeoutMs?: number;
  /** Attempts on network errors (never on authentication errors). Default 4. */
  retries?: number;
  /** SSH keepalive interval, ms. Default 15000. */
  keepaliveIntervalMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WriteOptions {
  /** Octal mode such as "0644". Default "0644". */
  mode?: string;
  /** owner[:group]. Default: unchanged (root for new files). */
  owner?: string;
  /** A command line run after the file is in place, in the same SSH session (it fails the write when it fails). */
  then?: string;
}

export interface Transport {
  /** user@host:port, for messages. */
  readonly target: string;
  /** Runs a shell command line; never throws on a non-zero exit. */
  exec(commandLine: string, stdin?: string): Promise<ExecResult>;
  /** Runs a shell command line; throws CommandError on a non-zero exit. Returns stdout. */
  run(commandLine: string, stdin?: string): Promise<string>;
  /** A file's content, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Writes a file atomically (temp file in the same directory, then rename). */
  writeFileAtomic(path: string, content: string, opts?: WriteOptions): Promise<void>;
  /** Runs fn while holding this host's lock named `key` (read-modify-write of shared files). */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** A command that exited non-zero. */
export interface CommandError extends Error {
  target: string;
  commandLine: string;
  code: number;
  stderr: string;
}

/**
 * The error for a command that exited non-zero: names the host, the command,
 * the exit code and stderr.
 */
export function commandError(target: string, commandLine: string, code: number, stderr: string): CommandError {
  const what =
    code === -1
      ? "was cut off: the SSH session closed before the command reported an exit status (connection dropped or sshd killed)"
      : `exited ${code}`;
  const err = new Error(`ssh ${target}: "${commandLine}" ${what}${stderr.trim() ? `: ${stderr.trim()}` : ""}`) as CommandError;
  err.name = "CommandError";
  err.target = target;
  err.commandLine = commandLine;
  err.code = code;
  err.stderr = stderr;
  return err;
}

/** user@host:port of a connection, with defaults applied. */
export function targetOf(c: ConnectionArgs): string {
  return `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
}
