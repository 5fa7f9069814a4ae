// Runs the managed-file plans of core.ts on a host, turning the scripts' exit
// codes into errors that name the host, the file and the validator's output.
import { SEP } from "../common/check";
import { quote } from "../transport/shell";
import { Transport } from "../transport/types";
import { applyScript, ApplyOptions, EXIT_INVALID, EXIT_RELOAD_FAILED, FileSpec, LiveFile, parseStat, statCommand } from "./core";

/** Validates, swaps in and reloads one file; "unchanged" when the live file already matches (no reload). */
export async function applyFile(t: Transport, spec: FileSpec, opts: ApplyOptions = {}): Promise<"changed" | "unchanged"> {
  const r = await t.exec(applyScript(spec, opts), spec.content);
  if (r.code === 0) return r.stdout.trim().endsWith("unchanged") ? "unchanged" : "changed";
  const detail = r.stderr.trim();
  if (r.code === EXIT_INVALID) {
    throw new Error(
      `ssh ${t.target}: the new ${spec.path} was refused by its validator (${opts.validate}); the host is unchanged:\n${detail}`,
    );
  }
  if (r.code === EXIT_RELOAD_FAILED) {
    throw new Error(
      `ssh ${t.target}: reloading after writing ${spec.path} failed (${opts.reload}); the previous file was put back and reloaded:\n${detail}`,
    );
  }
  throw new Error(`ssh ${t.target}: writing ${spec.path} failed (exit ${r.code})${detail ? `: ${detail}` : ""}`);
}

/** The live files' hashes, modes and owners, in one command. */
export async function statFiles(t: Transport, paths: string[]): Promise<LiveFile[]> {
  if (!paths.length) return [];
  const out = await t.run(paths.map((p) => `${statCommand(p)}; echo ${SEP}`).join("; "));
  const parts = out.split(`${SEP}\n`);
  return paths.map((_p, i) => parseStat(parts[i] ?? ""));
}

/** Is a systemd unit active? */
export async function unitActive(t: Transport, unit: string): Promise<boolean> {
  return (await t.exec(`systemctl is-active --quiet ${quote(unit)}`)).code === 0;
}
