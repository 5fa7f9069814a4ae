// `npm run preview-report -- <stack> [--out FILE]`: a Markdown preview for a
// pull-request comment. `npm run drift -- <stack>`: a table of drifted
// resources and properties; exit 0 when clean, 2 when drifted (cron/CI).
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { pulumiCommand, toolchainEnv } from "../lib/toolchain";
import { driftReport, previewReport } from "./run";

const root = path.resolve(__dirname, "../..");

async function main(cmd: string, args: string[]): Promise<number> {
  const name = args.find((a) => !a.startsWith("--"));
  if (!name) throw new Error(`usage: npm run ${cmd} -- <stack>${cmd === "preview-report" ? " [--out FILE]" : ""}`);
  const env = toolchainEnv(name);
  const stack = await LocalWorkspace.selectStack(
    { stackName: name, workDir: root },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
  );
  if (cmd === "preview-report") {
    const { markdown } = await previewReport(stack);
    const out = args[args.indexOf("--out") + 1];
    if (args.includes("--out") && out) fs.writeFileSync(out, markdown);
    process.stdout.write(markdown);
    return 0;
  }
  const { drifts, text } = await driftReport(stack);
  process.stdout.write(text);
  return drifts.length ? 2 : 0;
}

const [cmd, ...rest] = process.argv.slice(2);
main(cmd, rest).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`${cmd} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
