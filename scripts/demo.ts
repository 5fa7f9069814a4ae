// `npm run demo [-- <stack>]` (default nat-lab): starts the stack's lab preset,
// runs `pulumi up` on the project's stack, prints the outputs, then a live
// table of 10 requests from the lab's client through the VIP, and what to try
// next. Progress goes to the terminal throughout; a failure says what failed.
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as lab from "../lab/lab";
import { stacks } from "../stacks";
import { summarizeCheck } from "../stacks/outputs";
import { pulumiCommand, toolchainEnv } from "./lib/toolchain";

const root = path.resolve(__dirname, "..");
const say = (msg: string) => process.stdout.write(`\n==> ${msg}\n`);

async function main(name: string): Promise<void> {
  const entry = stacks[name];
  if (!entry) throw new Error(`no stack named "${name}"; stacks: ${Object.keys(stacks).join(", ")}`);
  const t0 = Date.now();
  const running = lab.labState();
  if (running?.preset === entry.preset) {
    say(`lab preset ${entry.preset} is already running; using it`);
  } else {
    say(
      `starting lab preset ${entry.preset} (seconds from its saved state; the first time a boot of about a minute under software emulation, then saved)`,
    );
    const r = await lab.up(entry.preset);
    console.log(
      `lab ${r.mode === "restored" ? "restored" : "booted"} in ${r.seconds.total.toFixed(1)} s${r.seconds.save === undefined ? "" : `, state saved in ${r.seconds.save.toFixed(1)} s`}`,
    );
  }

  say(`pulumi up -s ${name}: ${entry.description}`);
  const env = toolchainEnv(name);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: root },
    { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env },
  );
  const tUp = Date.now();
  const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
  console.log(`up took ${((Date.now() - tUp) / 1000).toFixed(1)} s`);

  say("stack outputs");
  const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
  console.log(JSON.stringify(outputs, null, 2));

  say("time up spent waiting for readiness, per resource");
  const waits = readinessWaits(await stack.exportStack());
  for (const [urn, seconds] of waits) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${urn}`);
  if (!waits.length) console.log("  (no resource of this stack waits for readiness)");

  // The first request goes out right after up returned: no sleep, no retry.
  const url = String(up.outputs.url.value);
  say(`10 requests from the client to ${url}, right after up`);
  console.log("  #  answered by");
  const lines: string[] = [];
  for (let i = 1; i <= 10; i++) {
    const r = lab.exec("client", `curl -s -m 3 ${url}`);
    const line = r.code === 0 ? r.stdout.trim().split("\n")[0] : `FAILED (curl exit ${r.code})`;
    lines.push(line);
    console.log(`${String(i).padStart(3)}  ${line}`);
  }
  const summary = summarizeCheck(lines.join("\n"), 10);
  console.log(`  ${summary}`);
  if (lines.some((l) => l.startsWith("FAILED"))) throw new Error(`not every request through the VIP was answered: ${summary}`);

  say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s. Next:`);
  console.log(`  npm run pulumi -- preview --diff -s ${name}   # what a change would do`);
  console.log(`  npm run pulumi -- refresh -s ${name}          # compare state with the live hosts`);
  console.log(`  ${String(up.outputs.try.value)}`);
  console.log(`  npm run lab -- status                          # the hosts; npm run lab -- ssh <host> to look around`);
  console.log(`  npm run pulumi -- destroy --yes -s ${name}    # undo everything on the hosts`);
  console.log(`  npm run lab -- down                             # stop the lab`);
}

/** Each resource that waited for readiness in the last up: its kind and name (KeepalivedInstance lvs_dr-director1), and the seconds. */
function readinessWaits(state: { deployment: { resources?: { urn: string; outputs?: Record<string, unknown> }[] } }): [string, number][] {
  return (state.deployment.resources ?? [])
    .filter((r) => typeof r.outputs?.readySeconds === "number")
    .map((r) => {
      const [type, name] = r.urn.split("::").slice(-2);
      return [`${type.split("$").pop()?.split(":").pop() ?? type} ${name}`, r.outputs?.readySeconds as number];
    });
}

main(process.argv[2] ?? "nat-lab").catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
