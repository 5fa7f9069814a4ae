// The engine-floor benchmark's pure core (bench/floor.ts and bench/run.ts
// measure): the stack's shape at each size, and which process of a CLI
// command's tree a peak-RSS sample belongs to. No I/O here.

/** The processes of one CLI command whose peak RSS is reported. */
export const ROLES = ["cli", "language", "program", "provider"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLE: Record<Role, string> = {
  cli: "CLI",
  language: "language host",
  program: "program (Node)",
  provider: "provider (Node)",
};

/**
 * The floor stack at `n` real servers, shaped like the bench's scale stack:
 * 10 services of n/10 real servers up to 500, then 50 services (the issue's
 * 5,000 = 50 x 100).
 */
export function floorShape(n: number): { services: number; serversPerService: number; resources: number } {
  if (!Number.isInteger(n) || n < 10) throw new Error(`floor: the number of real servers must be an integer >= 10; got ${n}`);
  const services = n >= 5000 ? 50 : 10;
  if (n % services) throw new Error(`floor: ${n} real servers do not split evenly into ${services} services`);
  return { services, serversPerService: n / services, resources: services + n };
}

/** Every n-th server is reweighted so that `percent` of them are (the scale stack's rule, stacks/scale.ts). */
export function reweightedCount(n: number, percent: number): number {
  if (percent <= 0) return 0;
  const every = Math.round(100 / percent);
  return Math.floor(n / every);
}

/**
 * Which process of a CLI command this is, from its command line (NUL-split
 * /proc/<pid>/cmdline): the CLI, the Go language host, the Node program, the
 * Node dynamic-provider host; undefined for anything else (the provider's
 * `sh` wrapper, a `node -e` that finds the provider script).
 */
export function roleOf(argv: string[]): Role | undefined {
  if (!argv.length) return undefined;
  const exe = argv[0].split("/").pop() ?? "";
  if (exe === "pulumi") return "cli";
  if (exe === "pulumi-language-nodejs") return "language";
  if (!/^node(js)?$/.test(exe)) return undefined;
  const args = argv.slice(1);
  if (args.some((a) => a === "-e" || a === "--eval" || a === "-p" || a === "--print")) return undefined;
  // The script: the first argument that is not an option of node's.
  const script = args.find((a) => !a.startsWith("-")) ?? "";
  if (/@pulumi\/pulumi\/cmd\/dynamic-provider(\/|$)/.test(script)) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run(\/|$)/.test(script)) return "program";
  return undefined;
}

/** VmHWM (peak resident set) in kB from /proc/<pid>/status, undefined when absent (a zombie, a kernel thread). */
export function vmHwmKb(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The parent pid from /proc/<pid>/stat (the name in parentheses may hold spaces and parentheses). */
export function ppidOf(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The pids under `root` (not itself) in a pid -> parent map. */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const p = todo.pop()!;
    if (out.includes(p)) continue;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out.sort((a, b) => a - b);
}

/**
 * The host-side floor at `n` real servers: the scale stack's rules (stacks/scale.ts: ports 8001.., real servers
 * <network>.<service>.<index> by direct routing, wrr) as `ipvsadm -R` input: all of them; the 10% reweight
 * as `-e` lines; and the removal of every service (its real servers go with it).
 */
export function hostFloorRules(
  n: number,
  vip: string,
  network: string,
  percent = 10,
): { restore: string; reweight: string; remove: string } {
  const { services, serversPerService } = floorShape(n);
  const every = percent > 0 ? Math.round(100 / percent) : 0;
  const restore: string[] = [];
  const reweight: string[] = [];
  const remove: string[] = [];
  for (let s = 1; s <= services; s++) {
    const svc = `-t ${vip}:${8000 + s}`;
    restore.push(`-A ${svc} -s wrr`);
    remove.push(`-D ${svc}`);
    for (let r = 1; r <= serversPerService; r++) {
      const rs = `-r ${network}.${s}.${r}:${8000 + s} -g`;
      restore.push(`-a ${svc} ${rs} -w 1`);
      const index = (s - 1) * serversPerService + r;
      if (every && index % every === 0) reweight.push(`-e ${svc} ${rs} -w 2`);
    }
  }
  const text = (lines: string[]) => `${lines.join("\n")}\n`;
  return { restore: text(restore), reweight: text(reweight), remove: text(remove) };
}
