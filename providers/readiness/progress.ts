// Progress while a resource waits for readiness: a line every `everySeconds`
// ("waiting for ... on <host>: 20 s of 300 s"), shown by `pulumi up`. A
// dynamic provider runs in the engine's provider plugin process, which gets
// the engine's address as its first argument but no logging of its own; this
// sends the lines to the engine's Log service (what `pulumi.log.info` does in
// a program). Outside that process (unit tests, the fake tier's in-process
// providers) the lines go to a sink tests can set.
import * as path from "node:path";

type Sink = (message: string) => void;

let sink: Sink | undefined;

/** Where progress lines go when there is no engine (tests); undefined: to the engine, or nowhere. */
export function setProgressSink(s: Sink | undefined): void {
  sink = s;
}

interface EngineLog {
  log(message: string): void;
}

let engine: EngineLog | null | undefined;

/** The engine's Log service, when this process is the dynamic provider plugin; null otherwise. */
function engineLog(): EngineLog | null {
  if (engine !== undefined) return engine;
  engine = null;
  const [, main, addr] = process.argv;
  if (!main || !addr || !/dynamic-provider/.test(main) || !/^[\w.-]+:\d+$/.test(addr)) return engine;
  try {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof import("@grpc/grpc-js");
    const rpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as {
      EngineClient: new (a: string, c: unknown) => { log(req: unknown, cb: (err: unknown) => void): void };
    };
    const pb = require("@pulumi/pulumi/proto/engine_pb") as {
      LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setEphemeral(e: boolean): void };
      LogSeverity: { INFO: number };
    };
    const client = new rpc.EngineClient(addr, grpc.credentials.createInsecure());
    engine = {
      log(message) {
        const req = new pb.LogRequest();
        req.setSeverity(pb.LogSeverity.INFO);
        req.setMessage(message);
        req.setEphemeral(false);
        client.log(req, () => undefined); // progress is best effort: a lost line must not fail the resource
      },
    };
  } catch {
    engine = null;
  }
  return engine;
}

/** Reports one progress line to the engine (or the test sink). */
export function progress(message: string): void {
  if (sink) sink(message);
  else engineLog()?.log(message);
}

/** Seconds between progress lines: 10, or PULUMI_LVS_PROGRESS_SECONDS (1..600). */
export function progressSeconds(): number {
  const n = Number(process.env.PULUMI_LVS_PROGRESS_SECONDS);
  return Number.isInteger(n) && n >= 1 && n <= 600 ? n : 10;
}

/**
 * Runs `work`, reporting `what` with the seconds so far every `everySeconds` until it settles. The first line
 * comes after `everySeconds`: a resource that is ready at once prints nothing.
 */
export async function withProgress<T>(what: string, limitSeconds: number, work: Promise<T>, everySeconds = progressSeconds()): Promise<T> {
  const t0 = Date.now();
  const timer = setInterval(() => {
    progress(`waiting for ${what}: ${Math.round((Date.now() - t0) / 1000)} s of at most ${limitSeconds} s`);
  }, everySeconds * 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
