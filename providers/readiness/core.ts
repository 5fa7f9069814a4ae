// Readiness: a resource that starts or reloads a daemon is created (or
// updated) only once the daemon answers. The check runs on the host itself,
// over the resource's SSH connection, as one shell loop in one session: it
// works on real machines without any route from the operator to the service.
// Pure: input checks, the loop's script and the parse of its report.
import { Checker } from "../common/check";
import { quote } from "../transport/shell";

/** What "ready" means. */
export type ReadinessProbe =
  /** An HTTP GET on the host answers with one of `statuses` (default 200..399). */
  | { type: "http"; url: string; statuses?: number[] }
  /** A TCP connection to host:port (default 127.0.0.1) is accepted. */
  | { type: "tcp"; port: number; host?: string }
  /** A shell command line exits 0. */
  | { type: "command"; command: string }
  /** Do not wait (beyond the unit being active). */
  | { type: "none" };

export interface ReadinessArgs {
  /** Overrides the resource's default probe. */
  probe?: ReadinessProbe;
  /** How long to wait, seconds. Default: the resource's (e.g. 300 for Tomcat under emulation). */
  timeoutSeconds?: number;
}

/** The fully resolved readiness of one resource. */
export interface Readiness {
  probe: ReadinessProbe;
  timeoutSeconds: number;
  /** The systemd unit whose state must be active and whose journal an error shows. */
  unit?: string;
}

const URL = /^https?:\/\/[A-Za-z0-9.:[\]_-]+(?::\d{1,5})?(?:\/[A-Za-z0-9_.~!*()/%?=&+,;:@-]*)?$/;

/** Checks a `readiness` input at `field` (e.g. "readiness"). */
export function checkReadiness(c: Checker, field: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "object" || Array.isArray(v)) {
    c.fail(field, `${field} must be an object { probe?, timeoutSeconds? }; got ${JSON.stringify(v)}`);
    return;
  }
  const r = v as Record<string, unknown>;
  c.int(`${field}.timeoutSeconds`, r.timeoutSeconds, 1, 3600);
  const p = r.probe as Record<string, unknown> | undefined;
  if (p === undefined) return;
  if (!p || typeof p !== "object") {
    c.fail(`${field}.probe`, `${field}.probe must be an object with a type (http, tcp, command, none)`);
    return;
  }
  if (!c.oneOf(`${field}.probe.type`, p.type, ["http", "tcp", "command", "none"] as const)) return;
  if (p.type === "http") {
    c.word(`${field}.probe.url`, p.url, URL, "an http:// or https:// URL without spaces or quotes");
    if (p.statuses !== undefined) {
      if (!Array.isArray(p.statuses) || p.statuses.length === 0)
        c.fail(`${field}.probe.statuses`, `${field}.probe.statuses must be a non-empty list of HTTP status codes`);
      else p.statuses.forEach((s, i) => c.int(`${field}.probe.statuses[${i}]`, s, 100, 599));
    }
  } else if (p.type === "tcp") {
    c.int(`${field}.probe.port`, p.port, 1, 65535);
    if (p.host !== undefined) c.ip(`${field}.probe.host`, p.host);
  } else if (p.type === "command") {
    if (typeof p.command !== "string" || p.command.trim() === "" || p.command.includes("\0"))
      c.fail(`${field}.probe.command`, `${field}.probe.command must be a non-empty shell command line`);
  }
}

/** The probe as a human reads it in progress lines and errors. */
export function describeProbe(p: ReadinessProbe): string {
  switch (p.type) {
    case "http":
      return `GET ${p.url} answering ${p.statuses ? p.statuses.join("/") : "2xx/3xx"}`;
    case "tcp":
      return `TCP ${p.host ?? "127.0.0.1"}:${p.port} accepting`;
    case "command":
      return `\`${p.command}\` exiting 0`;
    case "none":
      return "nothing";
  }
}

/** One attempt of the probe as a shell snippet: exits 0 when ready, and prints what it saw. */
function attempt(p: ReadinessProbe): string {
  switch (p.type) {
    case "http": {
      const ok = p.statuses ? p.statuses.map(String) : null;
      const test = ok ? ok.map((s) => `[ "$code" = ${s} ]`).join(" || ") : `[ "$code" -ge 200 ] && [ "$code" -lt 400 ]`;
      return `code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' ${quote(p.url)}); echo "HTTP $code"; ${test}`;
    }
    case "tcp":
      return `if timeout 5 bash -c ${quote(`: > /dev/tcp/${p.host ?? "127.0.0.1"}/${p.port}`)} 2>/dev/null; then echo accepted; else echo refused; false; fi`;
    case "command":
      return `(${p.command}) 2>&1 | tail -n 3; [ "\${PIPESTATUS[0]}" -eq 0 ]`;
    case "none":
      return "true";
  }
}

export const READY_MARK = "pulumi-lvs-ready";

/**
 * The waiting loop, as one bash script: every second, the unit must be active
 * (when there is one) and the probe must pass; prints `<mark> ready <seconds>`
 * and exits 0, or after the timeout prints `<mark> timeout <seconds>`, the last
 * answer and the unit's last journal lines, and exits 3.
 */
export function readinessScript(r: Readiness): string {
  const unit = r.unit ? quote(r.unit) : "";
  const unitActive = r.unit
    ? `systemctl is-active -q ${unit} || { echo "unit ${r.unit} is $(systemctl is-active ${unit})"; false; }`
    : "true";
  const journal = r.unit
    ? `echo "--- journalctl -u ${r.unit} (last 15 lines)"; journalctl -u ${unit} -n 15 --no-pager -o cat 2>&1`
    : "true";
  return [
    `start=$(date +%s); last=""`,
    `while :; do`,
    `  if out=$( { ${unitActive} && { ${attempt(r.probe)}; }; } 2>&1 ); then echo "${READY_MARK} ready $(( $(date +%s) - start ))"; exit 0; fi`,
    `  last=$out`,
    `  if [ $(( $(date +%s) - start )) -ge ${r.timeoutSeconds} ]; then echo "${READY_MARK} timeout $(( $(date +%s) - start ))"; echo "--- last answer"; printf '%s\\n' "$last"; ${journal}; exit 3; fi`,
    `  sleep 1`,
    `done`,
  ].join("\n");
}

export interface ReadinessReport {
  ready: boolean;
  seconds: number;
  /** What the probe printed last, and the journal tail (on timeout). */
  detail: string;
}

export function parseReadiness(stdout: string): ReadinessReport | undefined {
  const m = new RegExp(`^${READY_MARK} (ready|timeout) (\\d+)$`, "m").exec(stdout);
  if (!m) return undefined;
  return { ready: m[1] === "ready", seconds: Number(m[2]), detail: stdout.slice(m.index + m[0].length).trim() };
}

/** The resolved readiness: the resource's default probe and timeout, overridden by its `readiness` input. */
export function resolveReadiness(input: ReadinessArgs | undefined, defaults: Readiness): Readiness {
  return { probe: input?.probe ?? defaults.probe, timeoutSeconds: input?.timeoutSeconds ?? defaults.timeoutSeconds, unit: defaults.unit };
}
