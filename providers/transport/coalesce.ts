// Commands issued on one host at the same moment (a refresh reads every
// resource of a host at once) run in one SSH session: one script starts them
// side by side, each in its own shell with its own stdin (none), stdout,
// stderr and exit status, and prints each result base64-encoded on one line.
// Pure functions: the script and the parser of its output.
import { quote } from "./shell";
import { ExecResult } from "./types";

const RESULT_MARK = "@@PULUMI_LVS_CMD";

/** The script that runs `lines` concurrently and reports each one's exit status, stdout and stderr. */
export function coalescedScript(lines: string[]): string {
  const sh = '"${SHELL:-/bin/sh}"';
  const out = ['d=$(mktemp -d "${TMPDIR:-/tmp}/.pulumi-lvs.XXXXXX") || exit 97'];
  lines.forEach((line, i) => out.push(`${sh} -c ${quote(line)} </dev/null >"$d/${i}.o" 2>"$d/${i}.e" & p${i}=$!`));
  lines.forEach((_, i) => out.push(`wait $p${i}; r${i}=$?`));
  const b64 = (f: string) => `"$(base64 <"$d/${f}" | tr -d '\\n')"`;
  lines.forEach((_, i) => out.push(`printf '${RESULT_MARK} %s %s %s %s\\n' ${i} "$r${i}" ${b64(`${i}.o`)} ${b64(`${i}.e`)}`));
  out.push('rm -rf "$d"');
  return out.join("\n");
}

/** Each command's result from coalescedScript's stdout; a command without a result line gets code -1 (cut off). */
export function parseCoalesced(stdout: string, count: number): ExecResult[] {
  const results: ExecResult[] = Array.from({ length: count }, () => ({ code: -1, stdout: "", stderr: "" }));
  const re = new RegExp(`^${RESULT_MARK} (\\d+) (\\d+) ([A-Za-z0-9+/=]*) ([A-Za-z0-9+/=]*)$`);
  for (const line of stdout.split("\n")) {
    const m = re.exec(line);
    if (!m || Number(m[1]) >= count) continue;
    results[Number(m[1])] = {
      code: Number(m[2]),
      stdout: Buffer.from(m[3], "base64").toString(),
      stderr: Buffer.from(m[4], "base64").toString(),
    };
  }
  return results;
}
