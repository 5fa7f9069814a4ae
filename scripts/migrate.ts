// `npm run migrate -- <stack>`: brings a stack deployed with an earlier
// pulumi-lvs onto today's resources without touching any host. Today that is
// one move: each VRRP group's auth_pass was a GeneratedSecret and is now a
// random.RandomPassword. A new password would be written to the group's
// directors one by one, and two directors with different passwords both
// become MASTER until the last one has it (split brain). So the old value is
// carried over: read from the stack's state, a RandomPassword of the same
// name and parent is imported with that value (the random provider imports a
// password by its value), then the state is edited so that what depended on
// the GeneratedSecret (the group's KeepalivedInstances) depends on the
// RandomPassword, and the GeneratedSecret (which touches no host) is dropped.
// The next `up` then changes nothing on the hosts.
//
// Run it before the first `up` with this version; `--dry-run` lists the moves.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const OLD_TYPE = "pulumi-nodejs:dynamic/pulumi-lvs:GeneratedSecret";
export const NEW_TYPE = "random:index/randomPassword:RandomPassword";
const GROUP_TYPE = "pulumi-lvs:stacks:VrrpGroup";

/** A resource of `pulumi stack export --show-secrets` (only what the plan reads). */
export interface ExportedResource {
  urn: string;
  type: string;
  parent?: string;
  outputs?: Record<string, unknown>;
}

export interface Move {
  /** The GeneratedSecret's URN, removed from the state. */
  oldUrn: string;
  /** Name of both resources (the group's name + "-auth"). */
  name: string;
  /** The VrrpGroup that parents both. */
  parentUrn: string;
  /** The password, carried over. */
  value: string;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** The RandomPassword's URN: the GeneratedSecret's with the last type of its type chain replaced. */
export function successorUrn(oldUrn: string): string {
  const at = oldUrn.lastIndexOf(`${OLD_TYPE}::`);
  if (at < 0) throw new Error(`migrate: ${oldUrn} is not a GeneratedSecret`);
  return oldUrn.slice(0, at) + NEW_TYPE + oldUrn.slice(at + OLD_TYPE.length);
}

/** The secret's plaintext in a `--show-secrets` export (a secret shows as {4dabf18193072939515e22adb298388d: ..., plaintext: '"..."'}). */
function plaintext(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && "plaintext" in v) {
    const p = (v as { plaintext: unknown }).plaintext;
    if (typeof p === "string") {
      try {
        const parsed: unknown = JSON.parse(p);
        return typeof parsed === "string" ? parsed : undefined;
      } catch {
        return p;
      }
    }
  }
  return undefined;
}

/**
 * The moves a deployment needs: every VrrpGroup's `<group>-auth`
 * GeneratedSecret with no RandomPassword of its name beside it. Throws (naming the resource)
 * when a secret's value cannot be read from the export.
 */
export function planMigration(resources: ExportedResource[]): Move[] {
  const groups = new Set(resources.filter((r) => r.type === GROUP_TYPE).map((r) => r.urn));
  const present = new Set(resources.filter((r) => r.type === NEW_TYPE).map((r) => `${r.parent}::${nameOf(r.urn)}`));
  const moves: Move[] = [];
  for (const r of resources) {
    if (r.type !== OLD_TYPE || !r.parent || !groups.has(r.parent)) continue;
    const name = nameOf(r.urn);
    if (name !== `${nameOf(r.parent)}-auth`) continue;
    if (present.has(`${r.parent}::${name}`)) continue;
    const value = plaintext(r.outputs?.value);
    if (!value) throw new Error(`migrate: ${r.urn} has no readable value in the stack's state (export it with --show-secrets)`);
    moves.push({ oldUrn: r.urn, name, parentUrn: r.parent, value });
  }
  return moves;
}

/** The stack's CLI, as `npm run pulumi` runs it, with the project's environment. */
function pulumi(args: string[], cwd: string, env: Record<string, string>): string {
  return execFileSync(path.join(env.PULUMI_LVS_TOOLCHAIN, "bin", "pulumi"), args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A resource of a deployment, as `pulumi stack export` writes it (the fields the edit touches). */
export interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  provider?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  [key: string]: unknown;
}

/**
 * The state edit after the import: the RandomPassword (and its provider, when
 * the import added it after the old secret) take the GeneratedSecret's place
 * in the resource order (a resource must come after what it depends on), every
 * reference to the old URN points at the new one, and the old entry is gone.
 */
export function replaceInState(resources: StateResource[], oldUrn: string, newUrn: string): StateResource[] {
  const oldAt = resources.findIndex((r) => r.urn === oldUrn);
  const fresh = resources.find((r) => r.urn === newUrn);
  if (oldAt < 0 || !fresh) throw new Error(`migrate: the state lacks ${oldAt < 0 ? oldUrn : newUrn}`);
  const providerUrn = fresh.provider?.slice(0, fresh.provider.lastIndexOf("::"));
  const providerAt = resources.findIndex((r) => r.urn === providerUrn);
  const moving = [...(providerAt > oldAt ? [resources[providerAt]] : []), fresh];
  const rest = resources.filter((r) => r.urn !== oldUrn && !moving.includes(r));
  // Where the old entry stood: after every remaining resource that preceded it.
  const insertAt = rest.filter((r) => resources.indexOf(r) < oldAt).length;
  const swap = (u: string) => (u === oldUrn ? newUrn : u);
  const edited = rest.map((r) => ({
    ...r,
    ...(r.dependencies ? { dependencies: r.dependencies.map(swap) } : {}),
    ...(r.propertyDependencies
      ? { propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map(swap)])) }
      : {}),
  }));
  return [...edited.slice(0, insertAt), ...moving, ...edited.slice(insertAt)];
}

/**
 * Applies the moves to `stack` (a stack of the program in `cwd`); returns
 * them. The password goes to the CLI in a 0600 file, never on a command line.
 */
export function migrateStack(stack: string, cwd: string, env: Record<string, string>, dryRun = false): Move[] {
  const exported = JSON.parse(pulumi(["stack", "export", "--show-secrets", "--stack", stack], cwd, env)) as {
    deployment?: { resources?: ExportedResource[] };
  };
  const moves = planMigration(exported.deployment?.resources ?? []);
  if (dryRun) return moves;
  for (const m of moves) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-migrate-"));
    try {
      const file = path.join(dir, "import.json");
      const spec = { nameTable: { group: m.parentUrn }, resources: [{ type: NEW_TYPE, name: m.name, id: m.value, parent: "group" }] };
      fs.writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
      pulumi(["import", "--file", file, "--yes", "--skip-preview", "--generate-code=false", "--stack", stack], cwd, env);
      // The edit works on the encrypted export: no secret is written in plaintext.
      const state = JSON.parse(pulumi(["stack", "export", "--stack", stack], cwd, env)) as { deployment: { resources: StateResource[] } };
      const newUrn = successorUrn(m.oldUrn);
      state.deployment.resources = replaceInState(state.deployment.resources, m.oldUrn, newUrn);
      const edited = path.join(dir, "state.json");
      fs.writeFileSync(edited, JSON.stringify(state), { mode: 0o600 });
      pulumi(["stack", "import", "--file", edited, "--stack", stack], cwd, env);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return moves;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const stack = args.find((a) => !a.startsWith("--"));
  if (!stack) {
    console.error("usage: npm run migrate -- <stack> [--dry-run]");
    process.exit(2);
  }
  // Loaded here so that the pure planning above has no toolchain dependency.
  const { toolchainEnv } = require("./lib/toolchain") as typeof import("./lib/toolchain");
  try {
    const moves = migrateStack(stack, path.resolve(__dirname, ".."), toolchainEnv(stack), args.includes("--dry-run"));
    if (!moves.length) console.log(`stack ${stack}: nothing to migrate`);
    for (const m of moves)
      console.log(`${args.includes("--dry-run") ? "would move" : "moved"} ${m.oldUrn} -> ${NEW_TYPE} ${m.name} (same value)`);
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    console.error(`migrate failed: ${e.stderr?.trim() || e.message}`);
    process.exit(1);
  }
}
