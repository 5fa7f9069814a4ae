// A minimal QMP (QEMU Machine Protocol) client: one command per connection
// over the lab VM's unix socket. The lab uses it to save and load the VM's
// running state (`savevm` / `loadvm`, through human-monitor-command).
import * as net from "node:net";

interface QmpReply {
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  QMP?: unknown;
}

/**
 * Runs `execute` with `args` on the QMP socket at `socketPath` and resolves
 * with its `return` value; rejects with QEMU's error description, or when no
 * answer comes within `timeoutMs`.
 */
export function qmp(socketPath: string, execute: string, args?: Record<string, unknown>, timeoutMs = 600000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let buf = "";
    let stage: "greeting" | "capabilities" | "command" = "greeting";
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`QMP ${execute}: no answer within ${timeoutMs / 1000}s`)), timeoutMs);
    sock.on("error", (err) => fail(new Error(`QMP ${execute} on ${socketPath}: ${err.message}`)));
    sock.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as QmpReply;
        if (msg.event) continue;
        if (stage === "greeting") {
          stage = "capabilities";
          sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
        } else if (msg.error) {
          fail(new Error(`QMP ${execute}: ${msg.error.class}: ${msg.error.desc}`));
        } else if (stage === "capabilities") {
          stage = "command";
          sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + "\n");
        } else {
          clearTimeout(timer);
          sock.end();
          resolve(msg.return);
        }
      }
    });
  });
}

/** Runs a human-monitor command (e.g. `savevm ready`); HMP reports failures as text, so any output is an error. */
export async function hmp(socketPath: string, commandLine: string, timeoutMs?: number): Promise<void> {
  const out = await qmp(socketPath, "human-monitor-command", { "command-line": commandLine }, timeoutMs);
  const text = typeof out === "string" ? out.trim() : "";
  if (text) throw new Error(`qemu monitor "${commandLine}": ${text}`);
}
