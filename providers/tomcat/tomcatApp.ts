// TomcatApp: a web application's files under its docBase and a context
// descriptor (/etc/tomcat10/Catalina/localhost/<ROOT|path>.xml, which is what
// the seed's <Context docBase=... path=""> in server.xml does, without
// editing server.xml). Tomcat is restarted only when something changed.
//
// Fields (which replace, which update in place): TOMCAT_APP below. Refresh
// reads every file's hash: a hand edit shows as drift.
//
// Ready means answering: after a restart, create and update wait (on the host)
// until Tomcat serves the application's first page with 2xx/3xx (default
// timeout 300 s: the JVM takes tens of seconds, more under emulation).
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { applyFile, statFiles } from "../files/apply";
import { restoreStockCommand, saveStockCommand, sha256 } from "../files/core";
import { hostPath } from "../common/paths";
import { command, notOption } from "../transport/shell";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { Checker } from "../common/check";
import { stable } from "../common/diff";
import { appFilePath, checkTomcatApp, contextFileName, renderTomcatContext, TomcatAppSpec } from "./core";
import { checkReadiness, Readiness, ReadinessArgs, resolveReadiness } from "../readiness/core";
import { awaitReady } from "../readiness/wait";

export interface TomcatAppArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** The application's name. Required. */
  name: pulumi.Input<string>;
  /** Context path: "" for the root application. Required. */
  path: pulumi.Input<string>;
  /** Directory holding the files. Required. */
  docBase: pulumi.Input<string>;
  /** Relative path -> content (index.jsp, ...). Required: at least one file. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Default true. */
  reloadable?: pulumi.Input<boolean>;
  /** The systemd unit. Default tomcat10. */
  unit?: pulumi.Input<string>;
  /** Tomcat's per-host context directory. Default /etc/tomcat10/Catalina/localhost. */
  contextDir?: pulumi.Input<string>;
  /**
   * When the app counts as up. Default: GET http://127.0.0.1:8080<path>/<index.jsp, index.html or the first file>
   * answering 2xx/3xx, within 300 s.
   */
  readiness?: pulumi.Input<ReadinessArgs>;
}

type Props = TomcatAppSpec & {
  connection: ConnectionArgs;
  unit?: string;
  contextDir?: string;
  readiness?: ReadinessArgs;
  /** Path -> hash of the descriptor and every file (refresh: the live ones); a hand edit shows as drift. */
  hashes?: Record<string, string>;
  /** Seconds the last create or update waited for readiness. */
  readySeconds?: number;
};

/** The page the default probe requests: index.jsp or index.html when the app has one, else its first file. */
function firstPage(p: Props): string {
  const files = Object.keys(p.files).sort();
  return files.find((f) => f === "index.jsp") ?? files.find((f) => f === "index.html") ?? files[0] ?? "";
}

function readinessOf(p: Props): Readiness {
  return resolveReadiness(p.readiness, {
    probe: { type: "http", url: `http://127.0.0.1:8080${p.path}/${firstPage(p)}` },
    timeoutSeconds: 300,
    unit: unitOf(p),
  });
}

const descriptorPath = (p: Props) => hostPath(p.contextDir ?? "/etc/tomcat10/Catalina/localhost", contextFileName(p.path));
const unitOf = (p: Props) => notOption(p.unit ?? "tomcat10", "unit");

/** Path on the host -> content, the descriptor first. */
function desired(p: Props): [string, string][] {
  return [
    [descriptorPath(p), renderTomcatContext(p)],
    ...Object.keys(p.files)
      .sort()
      .map((f): [string, string] => [appFilePath(p.docBase, f), p.files[f]]),
  ];
}

function hashesOf(p: Props): Record<string, string> {
  return Object.fromEntries(desired(p).map(([f, c]) => [f, sha256(c)]));
}

/** Removes the app's files and descriptor (the stock one back, if any) and restarts Tomcat. */
function removeCommand(p: Props): string {
  const files = Object.keys(p.files).map((f) => appFilePath(p.docBase, f));
  return `${command("rm", "-f", ...files)}; rmdir ${command(hostPath(p.docBase))} 2>/dev/null; ${restoreStockCommand(descriptorPath(p))}; systemctl restart ${command(unitOf(p))}`;
}

/** Puts the app in place, restarts Tomcat when anything changed, and waits until the app answers. */
async function apply(t: Transport, p: Props, old?: Props): Promise<{ hashes: Record<string, string>; readySeconds: number }> {
  let changed = false;
  await t.run(saveStockCommand(descriptorPath(p)));
  for (const [path, content] of desired(p)) {
    if ((await applyFile(t, { path, content, mode: "0644", owner: "root:root" })) === "changed") changed = true;
  }
  const stale = old
    ? Object.keys(old.files)
        .filter((f) => !(f in p.files))
        .map((f) => appFilePath(old.docBase, f))
    : [];
  if (stale.length) {
    await t.run(command("rm", "-f", ...stale));
    changed = true;
  }
  if (changed || (await t.exec(`systemctl is-active -q ${command(unitOf(p))}`)).code !== 0)
    await t.run(`systemctl restart ${command(unitOf(p))}`);
  const readySeconds = await awaitReady(t, readinessOf(p), `Tomcat app ${p.name} (${descriptorPath(p)})`);
  return { hashes: hashesOf(p), readySeconds };
}

export const TOMCAT_APP = defineKind<Props>({
  type: "TomcatApp",
  id: (p) => `${targetOf(p.connection)}:${descriptorPath(p)}`,
  fields: {
    replace: ["name", "path", "docBase", "unit", "contextDir"],
    update: ["files", "reloadable", "readiness"],
    output: ["hashes", "readySeconds"],
  },
  file: __filename,
  notes:
    "Tomcat restarts only when something changed; create and update wait until the app answers; deletes before replacing on the same host",
  check: (p) => {
    const failures = checkTomcatApp(p as unknown as Record<string, unknown>);
    const c = new Checker();
    checkReadiness(c, "readiness", p.readiness);
    return [...failures, ...c.failures];
  },
  changes: (olds) => stable(olds.hashes) !== stable(hashesOf(olds)),
  deleteBeforeReplace: ({ replaces, connectionReplaces }) => replaces.length > 0 && !connectionReplaces,
});

export const tomcatAppProvider = kindProvider<Props>(TOMCAT_APP, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    let applied: Awaited<ReturnType<typeof apply>>;
    try {
      applied = await apply(t, inputs);
    } catch (err) {
      // A create that does not become ready takes the app away again: the
      // host keeps serving what it served before (the state never holds it).
      const undo = await t.exec(removeCommand(inputs));
      const how =
        undo.code === 0
          ? "the app's files and descriptor were removed again"
          : `removing the app again failed too (exit ${undo.code}: ${undo.stderr.trim()})`;
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n(${how})`);
    }
    return { id: TOMCAT_APP.id!(inputs), outs: { ...inputs, ...applied } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("TomcatApp", id);
    const t = sshTransport(props.connection);
    const paths = desired(props).map(([f]) => f);
    const live = await statFiles(t, paths);
    return { id, props: { ...props, hashes: Object.fromEntries(paths.map((f, i) => [f, live[i].sha256 ?? "absent"])) } };
  },

  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    return { outs: { ...news, ...(await apply(t, news, olds)) } };
  },

  async delete(_id, props) {
    await sshTransport(props.connection).run(removeCommand(props));
  },
});

/** A Tomcat web application (files + context descriptor) on one host. */
export class TomcatApp extends LvsResource {
  declare readonly hashes: pulumi.Output<Record<string, string>>;
  /** Seconds the last create or update waited for the app to answer. */
  declare readonly readySeconds: pulumi.Output<number>;

  constructor(name: string, args: TomcatAppArgs, opts?: pulumi.CustomResourceOptions) {
    super(TOMCAT_APP, tomcatAppProvider, name, args, opts);
  }
}
