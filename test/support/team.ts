// Helpers for the tests of a team's runs (test/fake/team.test.ts on a fake
// host, test/lab/dr/reliability.test.ts on the lab): a checkout on a
// PostgreSQL backend, an `up` killed with SIGKILL part way, and the state's
// resources and pending operations.
import * as cp from "node:child_process";
import type { Stack } from "@pulumi/pulumi/automation";
import { TestBackend, testBackend } from "./engine";

/** The passphrase a team's stacks use in the tests (the lab's is refused on a shared backend). */
export const TEAM_PASSPHRASE = "team-test-passphrase";

/** A checkout of the project on the shared backend `url`: its own work directory, `base`'s environment. */
export function sharedCheckout(url: string, base: Record<string, string>): TestBackend {
  const b = testBackend("checkout-");
  b.env = { ...b.env, ...base, PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE: TEAM_PASSPHRASE };
  return b;
}

export interface Deployment {
  resources?: { type: string; urn: string; inputs?: Record<string, unknown> }[];
  pending_operations?: { type: string; resource: { type: string; urn: string } }[];
}

export async function deployment(stack: Stack): Promise<Deployment> {
  return (await stack.exportStack()).deployment as Deployment;
}

/** The real servers the state holds, as "address:port", sorted. */
export function stateServers(d: Deployment): string[] {
  return (d.resources ?? [])
    .filter((r) => r.type.endsWith(":IpvsRealServer"))
    .map((r) => `${String(r.inputs?.address)}:${String(r.inputs?.port)}`)
    .sort();
}

/** "op name" of each pending operation. */
export function pendingText(d: Deployment): string {
  return (d.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ") || "none";
}

/** PIDs of a process and all its descendants. */
function processTree(pid: number): number[] {
  const out = cp.spawnSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return all;
}

/** This process's child `pulumi` CLI processes (the Automation API's runs). */
function cliChildren(): number[] {
  const out = cp.spawnSync("ps", ["-e", "-o", "pid=,ppid=,comm="], { encoding: "utf8" }).stdout;
  return out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, pp, comm]) => Number(pp) === process.pid && comm === "pulumi")
    .map(([p]) => Number(p));
}

export interface KilledUp {
  /** The processes killed: the CLI and its plugins. */
  killed: number[];
  /** Creates finished when the kill came. */
  creates: number;
  ms: number;
  /** "finished" when the up ended before the kill, else its error. */
  outcome: string;
}

/**
 * Runs `stack.up()` and, once `when(started, creates)` holds (started: the
 * names of the resources whose create began; creates: how many finished),
 * kills the CLI and all its descendants (the provider plugins) with SIGKILL at
 * once, as when the machine or the CI job dies. Gives up waiting after
 * `timeoutMs` and kills then.
 */
export async function upKilledWhen(
  stack: Stack,
  when: (started: Set<string>, creates: number) => boolean,
  timeoutMs = 120000,
): Promise<KilledUp> {
  let creates = 0;
  const started = new Set<string>();
  const t0 = Date.now();
  let killed: number[] = [];
  let at = 0;
  const killer = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!when(started, creates) && Date.now() - t0 < timeoutMs) return;
      clearInterval(timer);
      killed = cliChildren().flatMap(processTree);
      at = creates;
      for (const p of killed) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          // already gone
        }
      }
      resolve();
    }, 20);
  });
  const run = stack
    .up({
      onEvent: (e) => {
        if (e.resOutputsEvent?.metadata.op === "create") creates++;
        const pre = e.resourcePreEvent?.metadata;
        if (pre?.op === "create") started.add(pre.urn.split("::").pop() ?? "");
      },
    })
    .then(
      () => "finished",
      (err: unknown) => String(err),
    );
  await killer;
  const outcome = await run;
  return { killed, creates: at, ms: Date.now() - t0, outcome };
}
