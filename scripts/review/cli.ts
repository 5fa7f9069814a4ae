// `npm run preview-report -- <stack> [--out FILE]`: a Markdown preview for a
// pull-request comment (its first line is a hidden marker naming the stack,
// which scripts/pr-comment.sh finds the comment by). A stack the backend does
// not hold yet is previewed as a new one: created for the preview, removed
// again and its Pulumi.<stack>.yaml put back as it was, so the report lists
// every resource as a create and the backend is left as it was.
// `npm run drift -- <stack>`: a table of drifted resources and properties;
// exit 0 when clean, 2 when drifted (cron/CI).
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiCommand, runCli, selectProjectStack, toolchainEnv } from "../lib/toolchain";
import { driftReport, previewReport } from "./run";

const root = projectRoot;

/** Runs `fn` on the stack; a stack without state is created for it and removed after (config file restored). */
async function withStack<T>(name: string, fn: (stack: Stack, created: boolean) => Promise<T>): Promise<T> {
  const env = toolchainEnv(name);
  const ws = await LocalWorkspace.create({
    workDir: root,
    pulumiCommand: await pulumiCommand(env),
    pulumiHome: env.PULUMI_HOME,
    envVars: env,
  });
  const short = name.split("/").pop() ?? name;
  const exists = (await ws.listStacks()).some((s) => s.name === name || s.name.split("/").pop() === short);
  if (exists) return fn(await Stack.select(name, ws), false);
  const configFile = path.join(root, `Pulumi.${short}.yaml`);
  const config = fs.existsSync(configFile) ? fs.readFileSync(configFile) : undefined;
  const stack = await Stack.create(name, ws);
  try {
    return await fn(stack, true);
  } finally {
    await ws.removeStack(name, { preserveConfig: true }).catch(() => undefined);
    if (config) fs.writeFileSync(configFile, config);
    else fs.rmSync(configFile, { force: true });
  }
}

async function main(cmd: string, args: string[]): Promise<number> {
  const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--out");
  if (!name) throw new Error(`usage: npm run ${cmd} -- <stack>${cmd === "preview-report" ? " [--out FILE]" : ""}`);
  if (cmd === "preview-report") {
    const { markdown } = await withStack(name, (stack, created) =>
      previewReport(stack, created ? "The backend holds no state for this stack yet: everything below would be created." : undefined),
    );
    const out = args[args.indexOf("--out") + 1];
    if (args.includes("--out") && out) fs.writeFileSync(out, markdown);
    process.stdout.write(markdown);
    return 0;
  }
  const stack = await selectProjectStack(name);
  const { drifts, text } = await driftReport(stack);
  process.stdout.write(text);
  return drifts.length ? 2 : 0;
}

const [cmd, ...rest] = process.argv.slice(2);
runCli(cmd ?? "review", () => main(cmd, rest));
