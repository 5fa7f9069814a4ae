// Runs a resource's readiness loop on its host (one SSH session) and turns a
// timeout into an error that names the host, the unit, what was awaited, the
// last answer and the unit's journal tail. While it waits, a progress line
// every 10 s says what for and how long so far (progress.ts).
import { quote } from "../transport/shell";
import { Transport } from "../transport/types";
import { describeProbe, parseReadiness, Readiness, readinessScript } from "./core";
import { withProgress } from "./progress";

/** Waits until `r` passes on the host behind `t`; resolves with the seconds it took. */
export async function awaitReady(t: Transport, r: Readiness, what: string): Promise<number> {
  if (r.probe.type === "none" && !r.unit) return 0;
  const waited = `${r.unit ? `unit ${r.unit} active and ` : ""}${describeProbe(r.probe)}`;
  const res = await withProgress(`${what} on ${t.target} (${waited})`, r.timeoutSeconds, t.exec(`bash -c ${quote(readinessScript(r))}`));
  const report = parseReadiness(res.stdout);
  if (report?.ready) return report.seconds;
  const detail = report ? report.detail : `${res.stdout}${res.stderr}`.trim();
  throw new Error(
    `ssh ${t.target}: ${what} was not ready within ${r.timeoutSeconds} s (waited for ${waited}; set readiness.timeoutSeconds to wait longer)${detail ? `\n${detail}` : ""}`,
  );
}
