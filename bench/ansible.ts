// Runs the Ansible peer (bench/ansible/*.yml) against the running lab, as an
// expert would: pipelining, ControlMaster/ControlPersist, pinned host keys,
// facts not gathered (the playbooks read what they need from the inventory).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { labRunDir } from "../lab/paths";

export const ANSIBLE_DIR = path.join(__dirname, "ansible");

export interface PlaybookRun {
  seconds: number;
  /** Sums over hosts from the PLAY RECAP. */
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  output: string;
}

/** Sums of the PLAY RECAP counters. */
export function parseRecap(output: string): Omit<PlaybookRun, "seconds" | "output"> {
  const sums = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  const at = output.lastIndexOf("PLAY RECAP");
  if (at < 0) throw new Error("ansible-playbook printed no PLAY RECAP");
  for (const m of output.slice(at).matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)) {
    sums.ok += Number(m[1]);
    sums.changed += Number(m[2]);
    sums.unreachable += Number(m[3]);
    sums.failed += Number(m[4]);
  }
  return sums;
}

/** Where ControlMaster sockets live: private to the benchmark, closed by closeMasters(). */
function controlDir(workDir: string): string {
  const d = path.join(workDir, "cp");
  fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

function sshArgs(workDir: string): string {
  return [
    "-C",
    "-o ControlMaster=auto",
    "-o ControlPersist=60s",
    `-o ControlPath=${controlDir(workDir)}/%C`,
    `-o UserKnownHostsFile=${path.join(labRunDir(), "known_hosts")}`,
    "-o StrictHostKeyChecking=yes",
    "-o BatchMode=yes",
  ].join(" ");
}

/** ansible-playbook PLAYBOOK on the lab's inventory; throws on failure with the output's tail. */
export function runPlaybook(
  workDir: string,
  playbook: string,
  opts: { check?: boolean; diff?: boolean; extraVars?: Record<string, string> } = {},
): Promise<PlaybookRun> {
  const args = ["-i", path.join(labRunDir(), "inventory.yaml"), path.join(ANSIBLE_DIR, playbook)];
  if (opts.extraVars) args.push("--extra-vars", JSON.stringify(opts.extraVars));
  if (opts.check) args.push("--check");
  if (opts.diff) args.push("--diff");
  const env = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, "ansible.cfg"),
    ANSIBLE_SSH_ARGS: sshArgs(workDir),
    ANSIBLE_LOCAL_TEMP: path.join(workDir, "ansible-tmp"),
    ANSIBLE_NOCOLOR: "1",
  };
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn("ansible-playbook", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => out.push(d));
    p.on("error", reject);
    p.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const output = Buffer.concat(out).toString();
      if (code !== 0)
        return reject(
          new Error(`ansible-playbook ${args.slice(2).join(" ")} exited ${code}:\n${output.split("\n").slice(-40).join("\n")}`),
        );
      try {
        resolve({ seconds, output, ...parseRecap(output) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Closes the ControlMaster connections the benchmark's Ansible runs left open. */
export function closeMasters(workDir: string): void {
  const dir = controlDir(workDir);
  for (const sock of fs.readdirSync(dir)) {
    spawnSync("ssh", ["-o", `ControlPath=${path.join(dir, sock)}`, "-O", "exit", "lab"], { stdio: "ignore", timeout: 10000 });
  }
}
