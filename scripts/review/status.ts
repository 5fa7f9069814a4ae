// `npm run status -- <stack> [--json | --diagram] [--watch [--interval S]] [--drift]`: the
// stack's live cluster in one view, from its outputs (vip, hosts, vrrp) and
// inventory: who holds each VIP (a loud warning when two hosts do or none
// does), each virtual service with its real servers, weights, connections
// and rates, the real servers a health check took out, the daemons running.
// One read-only SSH command per host per refresh, all hosts at once, over
// connections kept open between refreshes. `--watch` redraws in place in a
// terminal and prints plain blocks otherwise; `--drift` adds one line of
// drift (a refresh preview, as `npm run drift`). `--diagram` prints the live
// topology as a Markdown ```mermaid block instead (warnings on stderr). Exit
// 0, or 2 when a warning is shown (single view).
import type { Stack } from "@pulumi/pulumi/automation";
import { connectionArgs, defaultInventoryPath, Inventory, inventoryHost, loadInventory } from "../../stacks/inventory";
import { closeAll, sshTransport } from "../../providers/transport/ssh";
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";
import { runCli, selectProjectStack } from "../lib/toolchain";
import { driftReport } from "./run";
import { mermaidBlock, topologyMermaid } from "./diagramCore";
import { ClusterStatus, clusterStatus, HostReading, parseReading, renderStatus, StackFacts, statusCommand } from "./statusCore";

/** Reads every host of the stack once (in parallel) and assembles the view. */
export async function readStatus(facts: StackFacts, inv: Inventory): Promise<ClusterStatus> {
  const readings = await Promise.all(
    Object.keys(facts.roles).map(async (host): Promise<HostReading> => {
      try {
        return parseReading(host, await sshTransport(connectionArgs(inventoryHost(inv, host))).run(statusCommand()));
      } catch (err) {
        const error = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        return { host, error, addresses: {}, active: [], services: [], haproxy: [] };
      }
    }),
  );
  return clusterStatus(facts, readings);
}

/** The stack's facts (outputs) and its inventory. */
export async function stackFacts(stack: Stack): Promise<{ facts: StackFacts; inventory: Inventory }> {
  const outputs = await stack.outputs();
  const vip = outputs.vip?.value as string | undefined;
  const roles = outputs.hosts?.value as Record<string, string> | undefined;
  if (!vip || !roles)
    throw new Error(`stack ${stack.name} has no \`vip\` and \`hosts\` outputs: has it been deployed (npm run pulumi -- up)?`);
  const config = await stack.getAllConfig();
  // `||`: an empty setting means the default, as in the stacks.
  const inventory = loadInventory(config["pulumi-lvs:inventory"]?.value || defaultInventoryPath());
  return { facts: { stack: stack.name, vip, roles, vrrp: (outputs.vrrp?.value ?? []) as VrrpGroupDescription[] }, inventory };
}

/** A one-line drift summary from a refresh preview. */
export async function driftLine(stack: Stack): Promise<string> {
  const { drifts } = await driftReport(stack);
  if (!drifts.length) return "none";
  const names = [...new Set(drifts.map((d) => `${d.kind} ${d.name}`))];
  return `${names.length} resource(s) differ from the state: ${names.join(", ")} (npm run drift -- ${stack.name})`;
}

interface Options {
  json: boolean;
  watch: boolean;
  drift: boolean;
  diagram: boolean;
  intervalSeconds: number;
}

function parseArgs(args: string[]): { name: string; opts: Options } {
  const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--interval");
  const known = new Set(["--json", "--watch", "--drift", "--interval", "--diagram"]);
  const unknown = args.filter((a) => a.startsWith("--") && !known.has(a));
  if (!name || unknown.length) {
    throw new Error(
      `usage: npm run status -- <stack> [--json | --diagram] [--watch [--interval SECONDS]] [--drift]${unknown.length ? ` (unknown: ${unknown.join(" ")})` : ""}`,
    );
  }
  if (args.includes("--json") && args.includes("--diagram")) throw new Error("--json and --diagram exclude each other: pick one");
  const interval = Number(valueOf("--interval") ?? 2);
  if (!Number.isFinite(interval) || interval < 0.5 || interval > 3600)
    throw new Error(`--interval must be 0.5 to 3600 seconds, not ${valueOf("--interval")}`);
  return {
    name,
    opts: {
      json: args.includes("--json"),
      watch: args.includes("--watch"),
      drift: args.includes("--drift"),
      diagram: args.includes("--diagram"),
      intervalSeconds: interval,
    },
  };
}

async function main(args: string[]): Promise<number> {
  const { name, opts } = parseArgs(args);
  const stack = await selectProjectStack(name);
  const { facts, inventory } = await stackFacts(stack);
  const drift = opts.drift ? await driftLine(stack) : undefined;
  const once = async () => ({ ...(await readStatus(facts, inventory)), ...(drift !== undefined ? { drift } : {}) });
  // The inventory's addresses put the IPVS table's real servers on their hosts in the diagram.
  const addresses = Object.fromEntries(
    Object.keys(facts.roles).map((h) => [h, Object.values(inventory.hosts[h]?.addresses ?? {}).map((cidr) => cidr.split("/")[0])]),
  );
  const diagram = (s: ClusterStatus) =>
    mermaidBlock(topologyMermaid(facts, s, { addresses })) + (s.drift !== undefined ? `\ndrift: ${s.drift}\n` : "");
  const show = (s: ClusterStatus) => (opts.json ? `${JSON.stringify(s, null, 2)}\n` : opts.diagram ? diagram(s) : renderStatus(s));
  // With --diagram stdout holds the Markdown alone; the warnings go to stderr, after it.
  const warn = (s: ClusterStatus) => {
    if (opts.diagram) for (const w of s.warnings) process.stderr.write(`!! ${w}\n`);
  };
  if (!opts.watch) {
    const s = await once();
    process.stdout.write(show(s));
    warn(s);
    return s.warnings.length ? 2 : 0;
  }
  const tty = process.stdout.isTTY && !opts.json;
  process.on("SIGINT", () => {
    void closeAll().finally(() => process.exit(0));
  });
  for (;;) {
    const s = await once();
    const text = show(s);
    // In a terminal: home, clear, redraw. Otherwise one plain block per refresh.
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n`);
    warn(s);
    await new Promise((r) => setTimeout(r, opts.intervalSeconds * 1000));
  }
}

if (require.main === module) runCli("status", () => main(process.argv.slice(2)), closeAll);
