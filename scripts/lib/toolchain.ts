// How the tools (demo, review, bench, migrate) and the tests reach the
// project's Pulumi CLI: the environment that scripts/env.sh prints (the same
// one `npm run pulumi` uses) and an Automation API PulumiCommand bound to that CLI.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const projectRoot = path.resolve(__dirname, "../..");

/** The CLI environment from scripts/env.sh, as KEY=VALUE pairs. */
export function toolchainEnv(stack?: string): Record<string, string> {
  let out: string;
  try {
    out = execFileSync("bash", [path.join(projectRoot, "scripts/env.sh"), ...(stack ? ["--stack", stack] : [])], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr || err).trim());
  }
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** The project's Pulumi CLI for the Automation API; fails with the fix when it is not built. */
export async function pulumiCommand(env = toolchainEnv()): Promise<PulumiCommand> {
  const root = env.PULUMI_LVS_TOOLCHAIN;
  if (!root) throw new Error("scripts/env.sh printed no PULUMI_LVS_TOOLCHAIN");
  try {
    return await PulumiCommand.get({ root });
  } catch (err) {
    throw new Error(`the project's Pulumi CLI is missing under ${root} (run \`npm run setup\`): ${String(err)}`);
  }
}

/** A stack of the project (Pulumi.yaml at its root), through the project's CLI and environment. */
export async function selectProjectStack(name: string): Promise<Stack> {
  const env = toolchainEnv(name);
  return LocalWorkspace.selectStack(
    { stackName: name, workDir: projectRoot },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
  );
}

/**
 * Runs a command-line tool's main: exits with its code, or prints "<name> failed: <message>" and exits 1; `cleanup`
 * (closing SSH connections) runs either way.
 */
export function runCli(name: string, main: () => Promise<number>, cleanup: () => Promise<void> = async () => undefined): void {
  main()
    .then(async (code) => {
      await cleanup();
      process.exit(code);
    })
    .catch(async (err: unknown) => {
      console.error(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      await cleanup().catch(() => undefined);
      process.exit(1);
    });
}

/** The versions pinned in scripts/toolchain/versions.env (KEY -> value). */
export function pinnedVersions(): Record<string, string> {
  const text = fs.readFileSync(path.join(projectRoot, "scripts/toolchain/versions.env"), "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}
