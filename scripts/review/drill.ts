// `npm run drill -- <stack> --fault KIND [--requests-per-second N]
// [--duration S] [--yes] [--out DIR] [--client HOST] [--real-server HOST]`:
// a failover drill on a stack that runs. A bounded stream of requests goes
// through the VIP from the client host while the fault is injected on one
// host and restored; the VRRP members are polled for who holds the VIP. The
// report gives the longest gap, answered and failed requests, the time until
// the VIP moved and until traffic flowed again, which real server answered
// over time, and the availability over the window; it is written as
// Markdown with an SVG timeline and JSON next to it. The fault is always
// restored: on success, on error and on Ctrl-C. The pure parts (the fault's
// commands, the request loop, the figures, the pictures) are in drillCore.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { connectionArgs, groupHosts, Inventory, inventoryHost } from "../../stacks/inventory";
import { closeAll, sshTransport } from "../../providers/transport/ssh";
import type { Transport } from "../../providers/transport/types";
import { runCli, selectProjectStack } from "../lib/toolchain";
import { readStatus, stackFacts } from "./status";
import type { ClusterStatus, StackFacts } from "./statusCore";
import {
  analyzeDrill,
  DrillEvents,
  DrillResult,
  drillMarkdown,
  faultPlan,
  FaultPlan,
  parseDrillArgs,
  parseRequestLog,
  requestLoopCommand,
  servedCommand,
  timelineSvg,
} from "./drillCore";

const STOP_FILE = "/tmp/pulumi-lvs-drill-stop";
/** How long the request stream outlives its planned end if nothing stops it (this process died). */
const SAFETY_S = 120;
/** How long the drill waits, after the restore, for the stack to be as it found it. */
const SETTLE_S = 90;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The client's clock: local time plus the offset measured over one SSH round trip (the hosts' clocks may differ from ours). */
async function clientClock(client: Transport): Promise<() => number> {
  const before = Date.now() / 1000;
  const theirs = Number((await client.run("date +%s.%N")).trim());
  const after = Date.now() / 1000;
  if (!Number.isFinite(theirs)) throw new Error(`${client.target}: "date +%s.%N" did not print a time`);
  const offset = theirs - (before + after) / 2;
  return () => Date.now() / 1000 + offset;
}

/** Hosts (among `members`) holding `vip` on an interface other than lo, read with one command each. */
async function vipHolders(vip: string, members: Record<string, Transport>): Promise<string[]> {
  const held = await Promise.all(
    Object.entries(members).map(async ([host, t]) => {
      const r = await t.exec("ip -o addr show");
      return r.stdout.split("\n").some((l) => {
        const m = /^\d+:\s+(\S+)\s+inet6?\s+([^/\s]+)\//.exec(l);
        return !!m && m[1] !== "lo" && m[2] === vip;
      })
        ? host
        : undefined;
    }),
  );
  return held.filter((h): h is string => !!h);
}

/** The stack is as the drill found it: the same VIP holder(s), every host reachable, no warning. */
function sameAsFound(found: ClusterStatus, now: ClusterStatus): string | undefined {
  if (now.vipHolders.join(",") !== found.vipHolders.join(","))
    return `the VIP is held by ${now.vipHolders.join(", ") || "no host"}, not ${found.vipHolders.join(", ")}`;
  const extra = now.warnings.filter((w) => !found.warnings.includes(w));
  if (extra.length) return extra.join("; ");
  const down = now.hosts.filter((h) => !h.reachable).map((h) => h.host);
  if (down.length) return `unreachable: ${down.join(", ")}`;
  return undefined;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new Error("a drill injects a real fault: confirm it in a terminal, or pass --yes; no host was touched");
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string>((r) => rl.question(question, r));
  rl.close();
  return answer.trim() === "yes";
}

export interface DrillOptions {
  fault: DrillResult["fault"];
  rps: number;
  durationSeconds: number;
  client?: string;
  realServer?: string;
  /** Asked before any host is touched; false cancels. */
  approve?: (plan: FaultPlan, client: string) => Promise<boolean>;
  log?: (line: string) => void;
}

export interface DrillRun {
  result: DrillResult;
  /** undefined when the stack came back as found; else what differs. */
  notRestored?: string;
  settleSeconds: number;
}

/** The client host: `--client`, else the inventory's `clients` group's first host. */
function clientHost(inv: Inventory, asked?: string): string {
  if (asked) {
    inventoryHost(inv, asked);
    return asked;
  }
  const clients = "clients" in inv.groups ? groupHosts(inv, "clients") : [];
  if (!clients.length)
    throw new Error(
      `the inventory ${inv.source ?? ""} has no host in group "clients": name the host that sends the requests with --client HOST`,
    );
  return clients[0];
}

/**
 * Runs one drill on a deployed stack. The fault is restored in every case
 * (error, Ctrl-C: the caller's SIGINT handler calls the returned abort).
 */
export async function runDrill(
  facts: StackFacts,
  inv: Inventory,
  url: string,
  o: DrillOptions,
  onAbort?: (abort: () => Promise<void>) => void,
): Promise<DrillRun> {
  const log = o.log ?? (() => undefined);
  const transport = (host: string) => sshTransport(connectionArgs(inventoryHost(inv, host)));
  const found = await readStatus(facts, inv);
  const unhealthy = found.warnings.filter((w) => /SPLIT BRAIN|NO HOST HOLDS|unreachable/.test(w));
  if (unhealthy.length) throw new Error(`stack ${facts.stack} is not healthy before the drill, nothing was done: ${unhealthy.join("; ")}`);
  // link-cut keeps the host's sshd reachable: its port as the inventory gives it, 22 behind the lab's forwards.
  const sshPort = (host: string) => (inv.preset ? 22 : inventoryHost(inv, host).port);
  const holder = found.vipHolders[0];
  const plan = faultPlan(o.fault, facts, found, {
    realServer: o.realServer,
    durationSeconds: o.durationSeconds,
    ...(holder && holder in inv.hosts ? { sshPort: sshPort(holder) } : {}),
  });
  const clientName = clientHost(inv, o.client);
  if (o.approve && !(await o.approve(plan, clientName))) throw new Error("drill cancelled: no host was touched");

  const client = transport(clientName);
  const target = transport(plan.host);
  const members = Object.fromEntries(
    [...new Set(facts.vrrp.flatMap((g) => g.members.map((m) => m.host)))].map((h) => [h, transport(h)] as const),
  );
  const now = await clientClock(client);
  // The phases: requests alone, the fault, then requests after the restore. The fault's and the restore's
  // commands take their own time on top; the stream runs until the last phase is over (its own deadline,
  // SAFETY_S later, only ends it if this process dies).
  const warmup = Math.min(5, o.durationSeconds / 4);
  const faultFor = o.durationSeconds / 2;
  const afterFor = o.durationSeconds - warmup - faultFor;

  let injected = false;
  let restoredAt: number | undefined;
  const restore = async () => {
    if (!injected || restoredAt !== undefined) return;
    log(`restoring on ${plan.host}: ${plan.restore}`);
    await target.run(plan.restore);
    for (let i = 0; ; i++) {
      if ((await target.exec(plan.restored)).code === 0) break;
      if (i >= 120) throw new Error(`${plan.host}: the fault is not restored after 60 s ("${plan.restored}" keeps failing)`);
      await sleep(500);
    }
    restoredAt = now();
  };
  onAbort?.(async () => {
    try {
      await restore();
    } finally {
      await client.exec(`touch ${STOP_FILE}`);
    }
  });

  await client.exec(`rm -f ${STOP_FILE}`);
  const start = now();
  log(`requests: ${o.rps}/s for ${o.durationSeconds} s from ${clientName} to ${url}`);
  const loop = client.run(
    requestLoopCommand({ url, rps: o.rps, durationSeconds: o.durationSeconds + SAFETY_S, timeoutSeconds: 1, stopFile: STOP_FILE }),
  );
  const polls: { t: number; holders: string[] }[] = [];
  let polling = Object.keys(members).length > 0;
  const poller = (async () => {
    while (polling) {
      const t = now();
      try {
        polls.push({ t, holders: await vipHolders(facts.vip, members) });
      } catch {
        // a member not answering (link-cut) is a fact of the drill, not an error of it
      }
      await sleep(500 - (now() - t) * 1000);
    }
  })();

  let faultAt = 0;
  try {
    await sleep((start + warmup - now()) * 1000);
    log(`fault on ${plan.host}: ${plan.inject}`);
    injected = true;
    // The fault's time is when its command starts: the VIP may have moved before `systemctl stop` returns.
    faultAt = now();
    await target.run(plan.inject);
    await sleep((faultAt + faultFor - now()) * 1000);
    await restore();
  } catch (err) {
    await restore().catch((e: unknown) => log(`restore failed: ${e instanceof Error ? e.message : String(e)}`));
    await client.exec(`touch ${STOP_FILE}`).catch(() => undefined);
    polling = false;
    throw err;
  }
  await sleep(((restoredAt ?? now()) + afterFor - now()) * 1000);
  await client.run(`touch ${STOP_FILE}`);
  const out = await loop;
  const end = now();
  polling = false;
  await poller;

  const original = found.vipHolders;
  const moved = polls.find((p) => p.t >= faultAt && p.holders.some((h) => !original.includes(h)));
  const back = polls.find((p) => p.t >= (restoredAt ?? end) && p.holders.join(",") === original.join(","));
  const events: DrillEvents = {
    start,
    faultAt,
    restoredAt: restoredAt ?? end,
    end,
    ...(plan.movesVip && moved ? { vipMovedAt: moved.t } : {}),
    ...(plan.movesVip && back ? { vipBackAt: back.t } : {}),
  };
  const requests = parseRequestLog(out);
  const result: DrillResult = {
    stack: facts.stack,
    fault: o.fault,
    host: plan.host,
    describe: plan.describe,
    rps: o.rps,
    durationSeconds: o.durationSeconds,
    events,
    figures: analyzeDrill(requests, events),
    requests,
  };

  // Back as found: the same VIP holder (preemption may take a few adverts), nothing new to warn about, and the
  // client served through the VIP again.
  const t0 = Date.now();
  let notRestored: string | undefined;
  for (;;) {
    notRestored = sameAsFound(found, await readStatus(facts, inv));
    if (!notRestored && (await client.exec(servedCommand(url))).code !== 0)
      notRestored = `requests from ${clientName} through ${url} still fail`;
    if (!notRestored || Date.now() - t0 > SETTLE_S * 1000) break;
    await sleep(1000);
  }
  return { result, notRestored, settleSeconds: (Date.now() - t0) / 1000 };
}

/** Writes report.md, timeline.svg and drill.json into `dir`; returns the report's path. */
export function writeReport(dir: string, run: DrillRun): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "timeline.svg"), timelineSvg(run.result));
  fs.writeFileSync(path.join(dir, "drill.json"), JSON.stringify({ ...run.result, notRestored: run.notRestored }, null, 2) + "\n");
  const md =
    drillMarkdown(run.result, "timeline.svg") +
    (run.notRestored
      ? `\n**The stack was not as found ${run.settleSeconds.toFixed(0)} s after the restore:** ${run.notRestored}\n`
      : `\nThe stack was as found ${run.settleSeconds.toFixed(1)} s after the restore.\n`);
  const file = path.join(dir, "report.md");
  fs.writeFileSync(file, md);
  return file;
}

async function main(argv: string[]): Promise<number> {
  const args = parseDrillArgs(argv);
  const stack = await selectProjectStack(args.stack);
  const { facts, inventory } = await stackFacts(stack);
  const url = (await stack.outputs()).url?.value as string | undefined;
  if (!url) throw new Error(`stack ${args.stack} has no \`url\` output: has it been deployed?`);
  let abort: (() => Promise<void>) | undefined;
  process.on("SIGINT", () => {
    console.error("interrupted: restoring the fault");
    void (abort ?? (async () => undefined))()
      .catch((e: unknown) => console.error(`restore failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => void closeAll().finally(() => process.exit(130)));
  });
  const run = await runDrill(
    facts,
    inventory,
    url,
    {
      fault: args.fault,
      rps: args.rps,
      durationSeconds: args.durationSeconds,
      client: args.client,
      realServer: args.realServer,
      log: (l) => console.log(l),
      approve: args.yes
        ? undefined
        : (plan, client) =>
            confirm(
              `drill on stack ${args.stack}: ${plan.describe}\n` +
                `  inject on ${plan.host}: ${plan.inject}\n  restore:      ${plan.restore}\n` +
                `  requests from ${client}: ${args.rps}/s for ${args.durationSeconds} s\ntype "yes" to go on: `,
            ),
    },
    (a) => (abort = a),
  );
  const dir =
    args.out ?? path.resolve(__dirname, "../..", "drills", `${args.stack}-${args.fault}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const file = writeReport(dir, run);
  process.stdout.write(fs.readFileSync(file, "utf8"));
  console.log(`\nreport: ${file}`);
  return run.notRestored ? 3 : 0;
}

if (require.main === module) runCli("drill", () => main(process.argv.slice(2)), closeAll);
