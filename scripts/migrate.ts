// `npm run migrate -- <stack>`: brings a stack deployed with an earlier
// pulumi-lvs onto today's resources without touching any host. Today that is
// one move: each VRRP group's auth_pass was a GeneratedSecret and is now a
// random.RandomPassword. A new password would be written to the group's
// directors one by one, and two directors with different passwords both
// become MASTER until the last one has it (split brain). So the old value is
// carried over: read from the stack's state, the GeneratedSecret is removed
// from the state (it touches no host) and a RandomPassword of the same name
// and parent is imported with that value (the random provider imports a
// password by its value). The next `up` then changes nothing on the hosts.
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
 * The moves a deployment needs: every GeneratedSecret parented by a VrrpGroup
 * with no RandomPassword of its name beside it. Throws (naming the resource)
 * when a secret's value cannot be read from the export.
 */
export function planMigration(resources: ExportedResource[]): Move[] {
  const groups = new Set(resources.filter((r) => r.type === GROUP_TYPE).map((r) => r.urn));
  const present = new Set(resources.filter((r) => r.type === NEW_TYPE).map((r) => `${r.parent}::${nameOf(r.urn)}`));
  const moves: Move[] = [];
  for (const r of resources) {
    if (r.type !== OLD_TYPE || !r.parent || !groups.has(r.parent)) continue;
    const name = nameOf(r.urn);
    if (present.has(`${r.parent}::${name}`)) continue;
    const value = plaintext(r.outputs?.value);
    if (!value) throw new Error(`migrate: ${r.urn} has no readable value in the stack's state (export it with --show-secrets)`);
    moves.push({ oldUrn: r.urn, name, parentUrn: r.parent, value });
  }
  return moves;
}

/** The stack's CLI, as `npm run pulumi` runs it, with the project's environment. */
function pulumi(args: string[], cwd: string, env: Record<string, string>): string {
  return execFileSync(path.join(env.PULUMI_LVS_TOOLCHAIN, "bin", "pulumi"), args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Applies the moves to `stack` (a stack of the program in `cwd`); returns
 * them. The password goes to the CLI in a 0600 file, never on a command line.
 */
export function migrateStack(stack: string, cwd: string, env: Record<string, string>, dryRun = false): Move[] {
  const exported = JSON.parse(pulumi(["stack", "export", "--show-secrets", "--stack", stack], cwd, env)) as { deployment?: { resources?: ExportedResource[] } };
  const moves = planMigration(exported.deployment?.resources ?? []);
  if (dryRun) return moves;
  for (const m of moves) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-migrate-"));
    try {
      const file = path.join(dir, "import.json");
      const spec = { nameTable: { group: m.parentUrn }, resources: [{ type: NEW_TYPE, name: m.name, id: m.value, parent: "group" }] };
      fs.writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
      pulumi(["state", "delete", m.oldUrn, "--yes", "--stack", stack], cwd, env);
      pulumi(["import", "--file", file, "--yes", "--skip-preview", "--generate-code=false", "--stack", stack], cwd, env);
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
  const { toolchainEnv } = require("../test/support/toolchain") as typeof import("../test/support/toolchain");
  try {
    const moves = migrateStack(stack, path.resolve(__dirname, ".."), toolchainEnv(), args.includes("--dry-run"));
    if (!moves.length) console.log(`stack ${stack}: nothing to migrate`);
    for (const m of moves) console.log(`${args.includes("--dry-run") ? "would move" : "moved"} ${m.oldUrn} -> ${NEW_TYPE} ${m.name} (same value)`);
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    console.error(`migrate failed: ${e.stderr?.trim() || e.message}`);
    process.exit(1);
  }
}
