// A private PostgreSQL server for the tests of the shared state backend
// (`PULUMI_BACKEND_URL=postgres://...`): Debian's server binaries (the
// `postgresql` package, which `npm run setup` installs), a cluster made by
// initdb in a temporary directory, run as the unprivileged user `nobody`
// (PostgreSQL refuses root), listening on 127.0.0.1 only, on a free port,
// with password (scram) authentication. stop() stops it with pg_ctl, kills
// the postmaster by the PID it wrote if it is still there, and removes the
// directory.
import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface Postgres {
  /** postgres://pulumi:<password>@127.0.0.1:<port>/pulumi?sslmode=disable */
  readonly url: string;
  readonly port: number;
  /** PID of the postmaster. */
  readonly pid: number;
  /** Runs SQL with psql as the cluster's owner; returns stdout (unaligned, tuples only). */
  sql(query: string): string;
  stop(): void;
}

const OWNER_UID = 65534; // nobody
const OWNER_GID = 65534; // nogroup

/** The newest server's bin directory under /usr/lib/postgresql, or a clear error. */
export function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server under ${root} (Debian package postgresql): run \`npm run setup\``);
  }
  return path.join(root, versions[0], "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Runs one of the server's tools as the cluster's owner; returns stdout, throws with stderr. */
function asOwner(bin: string, cmd: string, args: string[], opts: { input?: string; passfile?: string } = {}): string {
  const env: Record<string, string> = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: "/" };
  if (opts.passfile) env.PGPASSFILE = opts.passfile;
  const r = cp.spawnSync(
    "setpriv",
    [`--reuid=${OWNER_UID}`, `--regid=${OWNER_GID}`, "--clear-groups", "--", path.join(bin, cmd), ...args],
    { encoding: "utf8", input: opts.input, env },
  );
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Starts a private server with a database and role `pulumi`. */
export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-pg-"));
  const data = path.join(dir, "data");
  const password = `pw-${process.pid}-${Date.now().toString(36)}`;
  let pid = 0;
  const stop = () => {
    if (fs.existsSync(path.join(data, "postmaster.pid"))) {
      try {
        asOwner(bin, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "20"]);
      } catch {
        // killed below by its PID
      }
    }
    if (pid > 0) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.chownSync(dir, OWNER_UID, OWNER_GID);
    const pwfile = path.join(dir, "pw");
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    fs.chownSync(pwfile, OWNER_UID, OWNER_GID);
    asOwner(bin, "initdb", ["-D", data, "-U", "pulumi", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`;
    asOwner(bin, "pg_ctl", ["start", "-D", data, "-o", opts, "-l", path.join(dir, "log"), "-w", "-t", "30"]);
    pid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    // The client tools read the password from the owner's PGPASSFILE.
    const passfile = path.join(dir, "pgpass");
    fs.writeFileSync(passfile, `127.0.0.1:${port}:*:pulumi:${password}\n`, { mode: 0o600 });
    fs.chownSync(passfile, OWNER_UID, OWNER_GID);
    const server = ["-h", "127.0.0.1", "-p", String(port), "-U", "pulumi"];
    asOwner(bin, "createdb", [...server, "pulumi"], { passfile });
    const sql = (query: string) =>
      asOwner(bin, "psql", [...server, "-d", "pulumi", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"], { input: query, passfile }).replace(
        /\n$/,
        "",
      );
    const url = `postgres://pulumi:${encodeURIComponent(password)}@127.0.0.1:${port}/pulumi?sslmode=disable`;
    return { url, port, pid, sql, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
