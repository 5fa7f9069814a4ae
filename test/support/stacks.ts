// The project's registered stacks, run through the real engine as inline
// programs on a test backend (so tests never touch a user's .pulumi-state).
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { StackConfig } from "../../stacks/config";
import { hostsFromConfig } from "../../stacks/hosts";
import { TopologyContext } from "../../stacks/topology";
import { Stack } from "@pulumi/pulumi/automation";
import * as lab from "../../lab/lab";
import { stacks } from "../../stacks";
import { inlineStack, TestBackend } from "./engine";

export { holdsVip, until } from "../../scripts/lib/probe";

/** The `pulumi-lvs:` keys of the committed Pulumi.<name>.yaml, as strings (objects as JSON). */
export function labStackConfig(name: string): Record<string, string> {
  const file = path.join(__dirname, "..", "..", `Pulumi.${name}.yaml`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  return Object.fromEntries(
    Object.entries(doc?.config ?? {})
      .filter(([k]) => k.startsWith("pulumi-lvs:"))
      .map(([k, v]) => [k.slice("pulumi-lvs:".length), typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

export async function projectStack(backend: TestBackend, name: string, config: Record<string, string> = {}): Promise<Stack> {
  const entry = stacks[name];
  if (!entry) throw new Error(`no stack ${name}`);
  const stack = await inlineStack(backend, "pulumi-lvs", name, async () =>
    entry.program(new TopologyContext(new StackConfig(name), hostsFromConfig())),
  );
  // The lab stack's committed config (Pulumi.<name>.yaml), then the test's changes.
  for (const [k, v] of Object.entries({ ...labStackConfig(name), ...config })) await stack.setConfig(`pulumi-lvs:${k}`, { value: v });
  return stack;
}

/** First line of each of n answers from the client to url (FAILED for a failed request). */
export function answers(url: string, n: number): string[] {
  return lab.run("client", `for i in $(seq 1 ${n}); do (curl -s -f -m 3 ${url} || echo FAILED) | head -n 1; done`).trim().split("\n");
}

export function tally(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list) out[p] = (out[p] ?? 0) + 1;
  return out;
}

export function assertAlternates(list: string[], a: string, b: string): void {
  const ok = list.every((x) => x === a || x === b) && list.every((x, i) => i === 0 || x !== list[i - 1]);
  if (!ok) throw new Error(`expected answers to alternate exactly between "${a}" and "${b}"; got ${list.join(", ")}`);
}

/**
 * The saved outputs of resource `name` in the stack's state (after a refresh: what it read on the host). What a
 * refresh found is asserted per resource: its summary also counts resources whose read outputs merely moved.
 */
export async function stateOutputs(stack: Stack, name: string): Promise<Record<string, unknown>> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: { urn: string; outputs?: Record<string, unknown> }[] }).resources ?? [];
  const r = resources.find((x) => x.urn.endsWith(`::${name}`));
  if (!r) throw new Error(`no resource ${name} in stack ${stack.name}'s state`);
  return r.outputs ?? {};
}
