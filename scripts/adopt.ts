// `npm run adopt -- --out DIR [--inventory FILE] [--hosts a,b] [--project NAME] [--package SPEC] [--stack NAME]`
//   Connects to the inventory's hosts (read-only: one command line of reads per
//   host, scripts/adopt/discover.ts), and writes into DIR a Pulumi program of its
//   own that declares what pulumi-lvs can manage there, each resource with its
//   import id, and lists as comments what it cannot. Secrets found in the hosts'
//   files (VRRP auth_pass, HAProxy passwords) go to the stack's config as
//   secrets: --stack names the stack, which adopt creates (needed when any is found).
// `npm run adopt -- --check DIR --stack NAME`
//   The safety net before the first up: previews DIR's program on the stack and
//   fails, naming each step and why, unless every step adopts (or is unchanged).
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as prettier from "prettier";
import { closeAll, sshTransport } from "../providers/transport/ssh";
import { connectionArgs, defaultInventoryPath, InventoryHost, inventoryHost, loadInventory } from "../stacks/inventory";
import { addressOf } from "../stacks/hosts";
import { DISCOVERY_COMMAND, parseDiscovery } from "./adopt/discover";
import { AdoptedHost, foundSecrets, renderProgram } from "./adopt/program";
import { adoptions, unsafeSteps } from "./adopt/safety";
import { Step } from "./review/core";
import { projectRoot, pulumiCommand, toolchainEnv } from "./lib/toolchain";

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const v = argv[at + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
}

const KNOWN = ["--out", "--inventory", "--hosts", "--project", "--package", "--check", "--stack"];

/** The address a component forwards to for this host (as `clusterAddress` gives it), when the inventory gives one. */
function inventoryAddress(name: string, h: InventoryHost): { address?: string } {
  try {
    return { address: addressOf({ name, addresses: h.addresses, sshHost: h.sshHost }) };
  } catch {
    return {};
  }
}

async function discover(argv: string[]): Promise<void> {
  const out = option(argv, "--out");
  if (!out)
    throw new Error("usage: npm run adopt -- --out DIR [--inventory FILE] [--hosts a,b] [--project NAME] [--package SPEC] [--stack NAME]");
  const dir = path.resolve(out);
  if (fs.existsSync(path.join(dir, "index.ts"))) throw new Error(`${dir}/index.ts exists: adopt writes a new program, give an empty --out`);
  const inventoryPath = path.resolve(option(argv, "--inventory") ?? defaultInventoryPath());
  const inv = loadInventory(inventoryPath);
  const names = option(argv, "--hosts")?.split(",").filter(Boolean) ?? Object.keys(inv.hosts);
  const stackName = option(argv, "--stack");
  const hosts: AdoptedHost[] = [];
  try {
    for (const name of names) {
      const ih = inventoryHost(inv, name);
      const connection = connectionArgs(ih);
      const t = sshTransport(connection);
      const t0 = Date.now();
      const findings = parseDiscovery(await t.run(DISCOVERY_COMMAND));
      const f = findings;
      console.log(
        `${name} (${t.target}, ${Date.now() - t0} ms, 1 read-only command): ${f.services.length} IPVS services, ${f.realServers.length} real servers, ` +
          `${f.vips.length} VIPs, ${Object.keys(f.sysctls).length} sysctls, ${f.routes.length} routes, ${f.natRules.length} NAT rules, ${f.files.length} config files; ${f.unmanaged.length} left alone`,
      );
      for (const u of f.unmanaged) console.log(`  left alone: ${u}`);
      hosts.push({ name, connection, findings, ...inventoryAddress(name, ih) });
    }
  } finally {
    await closeAll();
  }
  const secretCount = Object.keys(foundSecrets(hosts)).length;
  if (secretCount && !stackName)
    throw new Error(
      `${secretCount} secrets found in the hosts' files (VRRP auth_pass, HAProxy passwords); give --stack NAME so that adopt stores them as that stack's secrets. Nothing was written`,
    );
  const project = option(argv, "--project") ?? path.basename(dir);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(project))
    throw new Error(
      `the project name must be letters, digits, '_', '.' or '-' (Pulumi's rule); got ${JSON.stringify(project)}: give --project NAME`,
    );
  const version = (JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
  const pinned = (
    JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> }
  ).devDependencies["@pulumi/pulumi"];
  const { files, ids } = renderProgram(hosts, {
    project,
    inventory: inventoryPath,
    packageSpec: option(argv, "--package") ?? `^${version}`,
    pulumiVersion: pinned,
  });
  files["index.ts"] = await prettier.format(files["index.ts"], { parser: "typescript", printWidth: 140 });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  console.log(`wrote ${Object.keys(files).join(", ")} to ${dir}: ${Object.keys(ids).length} resources to adopt`);
  const secrets = foundSecrets(hosts);
  if (stackName) {
    const stack = await workspaceStack(dir, stackName, true);
    for (const [key, value] of Object.entries(secrets)) await stack.setConfig(key, { value, secret: true });
    console.log(`stack ${stackName}: created; ${Object.keys(secrets).length} secrets found on the hosts stored in its config, encrypted`);
  }
  const init = stackName ? "" : " && pulumi stack init <name>";
  console.log(`next: cd ${dir} && npm install${init}; \`npm run adopt -- --check ${dir} --stack ${stackName ?? "<name>"}\`; pulumi up`);
}

/** The stack in the program's directory, through the project's CLI and the caller's backend and passphrase. */
async function workspaceStack(dir: string, stackName: string, create: boolean): Promise<Stack> {
  const env = { ...toolchainEnv(), ...(process.env as Record<string, string>) };
  const opts = { pulumiCommand: await pulumiCommand(env), pulumiHome: env.PULUMI_HOME, envVars: env };
  return create
    ? LocalWorkspace.createStack({ stackName, workDir: dir }, opts)
    : LocalWorkspace.selectStack({ stackName, workDir: dir }, opts);
}

async function check(argv: string[]): Promise<void> {
  const dir = path.resolve(option(argv, "--check")!);
  const stackName = option(argv, "--stack");
  if (!stackName) throw new Error("--check needs --stack NAME");
  const stack = await workspaceStack(dir, stackName, false);
  const steps: Step[] = [];
  await stack.preview({ onEvent: (e) => e.resourcePreEvent && steps.push(e.resourcePreEvent.metadata as Step) });
  const bad = unsafeSteps(steps);
  if (bad.length) {
    for (const b of bad) console.error(`${b.op} ${b.type} ${b.name}: ${b.why}`);
    throw new Error(
      `the first up would change hosts in ${bad.length} step(s) (above); it may only adopt. See docs/adoption.md ("When the check fails")`,
    );
  }
  console.log(`only adoptions: ${adoptions(steps)} resources adopted by the first up, nothing else changes`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((a) => a.startsWith("--") && !KNOWN.includes(a));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(", ")}; allowed: ${KNOWN.join(", ")}`);
  if (argv.includes("--check")) await check(argv);
  else await discover(argv);
}

main().catch((err: unknown) => {
  console.error(`adopt: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
