// VipAlias, NatRule and Route each install a boot unit: the unit text, its
// path and the command lines each provider sends (create, read, update,
// delete), in order, are pinned by golden files in test/unit/golden/bootUnits/.
import { strict as assert } from "node:assert";
import { natRuleProvider } from "../../providers/nat/natRule";
import { routeProvider } from "../../providers/route/route";
import { setTransportFactory } from "../../providers/transport/seam";
import { ExecResult, Transport, WriteOptions } from "../../providers/transport/types";
import { vipAliasProvider } from "../../providers/vip/vipAlias";
import { goldenFor } from "../support/golden";

const golden = goldenFor("bootUnits");

/** A transport that records every call and answers each command line with `answer(line)`. */
function recorder(answer: (line: string) => string): { log: string[]; t: Transport } {
  const log: string[] = [];
  const t: Transport = {
    target: "root@h:22",
    async exec(line: string): Promise<ExecResult> {
      log.push(`exec: ${line}`);
      return { code: 0, stdout: answer(line), stderr: "" };
    },
    async run(line: string): Promise<string> {
      log.push(`run: ${line}`);
      return answer(line);
    },
    async readFile(path: string): Promise<string | undefined> {
      log.push(`readFile: ${path}`);
      return undefined;
    },
    async writeFileAtomic(path: string, content: string, opts?: WriteOptions): Promise<void> {
      log.push(`writeFileAtomic: ${path} ${JSON.stringify(opts ?? {})}\n--- content\n${content}--- end`);
    },
    lock: (_key, fn) => fn(),
  };
  return { log, t };
}

const connection = { host: "h", user: "root" };

async function lifecycle(
  kind: string,
  provider: {
    create(i: never): Promise<{ id: string; outs?: unknown }>;
    read?(id: string, p: never): Promise<unknown>;
    update?(id: string, o: never, n: never): Promise<unknown>;
    delete?(id: string, p: never): Promise<void>;
  },
  inputs: Record<string, unknown>,
  changed: Record<string, unknown>,
  answer: (line: string) => string,
): Promise<void> {
  const { log, t } = recorder(answer);
  setTransportFactory(() => t);
  try {
    const mark = (s: string): number => log.push(`=== ${s}`);
    mark("create");
    const made = await provider.create(inputs as never);
    mark("read");
    const read = await provider.read!(made.id, made.outs as never);
    log.push(`read result: ${JSON.stringify(read)}`);
    mark("update");
    await provider.update!(made.id, made.outs as never, { ...(made.outs as object), ...changed } as never);
    mark("delete");
    await provider.delete!(made.id, made.outs as never);
    golden(`${kind}.txt`, log.join("\n") + "\n");
  } finally {
    setTransportFactory(undefined);
  }
  assert.ok(log.length > 4);
}

describe("boot units: unit text, paths and commands", () => {
  it("VipAlias", () =>
    lifecycle(
      "vipAlias",
      vipAliasProvider,
      { connection, address: "10.0.0.100", interface: "ens33", label: "ens33:0", hostRoute: true, gratuitousArp: true },
      { hostRoute: false },
      () => "",
    ));

  it("NatRule", () =>
    lifecycle(
      "natRule",
      natRuleProvider,
      { connection, name: "seed", chain: "POSTROUTING", target: "SNAT", source: "10.0.1.0/24", outInterface: "ens33", to: "192.168.1.10" },
      {},
      (line) => (line.includes("exit=") ? "exit=1\n" : ""),
    ));

  it("Route", () =>
    lifecycle("route", routeProvider, { connection, destination: "default", via: "10.0.1.1", dev: "ens34" }, { via: "10.0.1.2" }, (line) =>
      line.startsWith("ip route show") ? "default via 10.0.1.254 dev ens34\n" : "",
    ));
});
