// What the SSH transport and the seam's namespace transport share: given how
// to run one command line (exec), the rest of the Transport contract (run,
// readFile, writeFileAtomic, lock) is the same on both.
import { quote } from "./shell";
import { commandError, ExecResult, Transport, WriteOptions } from "./types";

/** A Transport for `target` over `exec`; `locks` holds this host's named locks (shared by every transport of the host). */
export function transportOver(
  target: string,
  exec: (line: string, stdin?: string) => Promise<ExecResult>,
  locks: Map<string, Promise<unknown>>,
): Transport {
  const t: Transport = {
    target,
    exec,
    async run(line, stdin) {
      const r = await t.exec(line, stdin);
      if (r.code !== 0) throw commandError(target, line, r.code, r.stderr);
      return r.stdout;
    },
    async readFile(path) {
      const r = await t.exec(`if [ -e ${quote(path)} ]; then cat ${quote(path)}; else exit 3; fi`);
      if (r.code === 3) return undefined;
      if (r.code !== 0) throw commandError(target, `cat ${path}`, r.code, r.stderr);
      return r.stdout;
    },
    async writeFileAtomic(path, content, opts: WriteOptions = {}) {
      const dir = path.replace(/\/[^/]*$/, "") || "/";
      const tmp = `${dir}/.${path.slice(dir.length + 1)}.pulumi-lvs.tmp`;
      const steps = [
        `mkdir -p ${quote(dir)}`,
        `cat > ${quote(tmp)}`,
        `chmod ${quote(opts.mode ?? "0644")} ${quote(tmp)}`,
        ...(opts.owner ? [`chown ${quote(opts.owner)} ${quote(tmp)}`] : []),
        `mv -f ${quote(tmp)} ${quote(path)}`,
        ...(opts.then ? [`{ ${opts.then}; }`] : []),
      ];
      await t.run(steps.join(" && "), content);
    },
    async lock(key, fn) {
      const prev = locks.get(key) ?? Promise.resolve();
      const next = prev.catch(() => undefined).then(fn);
      locks.set(
        key,
        next.catch(() => undefined),
      );
      return next;
    },
  };
  return t;
}
