// TomcatApp: a web application's files under its docBase and a context
// descriptor (/etc/tomcat10/Catalina/localhost/<ROOT|path>.xml, which is what
// the seed's <Context docBase=... path=""> in server.xml does, without
// editing server.xml). Tomcat is restarted only when something changed.
//
// Replaces on: connection host/port, name, path, docBase. In place: files,
// reloadable. Refresh reads every file's hash: a hand edit shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF, stable } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { applyFile, statFiles } from "../files/apply";
import { restoreStockCommand, saveStockCommand, sha256 } from "../files/core";
import { command } from "../transport/shell";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { checkTomcatApp, contextFileName, renderTomcatContext, TomcatAppSpec } from "./core";
import { providerRef } from "../common/providerRef";

export interface TomcatAppArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** Replaces. */
  name: pulumi.Input<string>;
  /** Context path: "" for the root application. Replaces. */
  path: pulumi.Input<string>;
  /** Directory holding the files. Replaces. */
  docBase: pulumi.Input<string>;
  /** Relative path -> content (index.jsp, ...). In place. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Default true. In place. */
  reloadable?: pulumi.Input<boolean>;
  /** The systemd unit. Default tomcat10. */
  unit?: pulumi.Input<string>;
  /** Tomcat's per-host context directory. Default /etc/tomcat10/Catalina/localhost. */
  contextDir?: pulumi.Input<string>;
}

type Props = TomcatAppSpec & { connection: ConnectionArgs; unit?: string; contextDir?: string; hashes?: Record<string, string> };

const descriptorPath = (p: Props) => `${p.contextDir ?? "/etc/tomcat10/Catalina/localhost"}/${contextFileName(p.path)}`;
const unitOf = (p: Props) => p.unit ?? "tomcat10";

/** Path on the host -> content, the descriptor first. */
function desired(p: Props): [string, string][] {
  return [[descriptorPath(p), renderTomcatContext(p)], ...Object.keys(p.files).sort().map((f): [string, string] => [`${p.docBase}/${f}`, p.files[f]])];
}

function hashesOf(p: Props): Record<string, string> {
  return Object.fromEntries(desired(p).map(([f, c]) => [f, sha256(c)]));
}

async function apply(t: Transport, p: Props, old?: Props): Promise<Record<string, string>> {
  let changed = false;
  await t.run(saveStockCommand(descriptorPath(p)));
  for (const [path, content] of desired(p)) {
    if ((await applyFile(t, { path, content, mode: "0644", owner: "root:root" })) === "changed") changed = true;
  }
  const stale = old ? Object.keys(old.files).filter((f) => !(f in p.files)).map((f) => `${old.docBase}/${f}`) : [];
  if (stale.length) {
    await t.run(command("rm", "-f", ...stale));
    changed = true;
  }
  if (changed || (await t.exec(`systemctl is-active -q ${command(unitOf(p))}`)).code !== 0) await t.run(`systemctl restart ${command(unitOf(p))}`);
  return hashesOf(p);
}

export const tomcatAppProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkTomcatApp(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = olds as unknown as Record<string, unknown>;
    const b = news as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["name", "path", "docBase", "unit", "contextDir"], update: ["files", "reloadable"] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const drift = stable(olds.hashes) !== stable(hashesOf(olds));
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0 || drift, replaces, deleteBeforeReplace: replaces.length > 0 && !conn.replaces.length };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const hashes = await apply(t, inputs);
    return { id: `${t.target}:${descriptorPath(inputs)}`, outs: { ...inputs, hashes } };
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
    return { outs: { ...news, hashes: await apply(t, news, olds) } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const files = Object.keys(props.files).map((f) => `${props.docBase}/${f}`);
    await t.run(`${command("rm", "-f", ...files)}; rmdir ${command(props.docBase)} 2>/dev/null; ${restoreStockCommand(descriptorPath(props))}; systemctl restart ${command(unitOf(props))}`);
  },
};

/** A Tomcat web application (files + context descriptor) on one host. */
export class TomcatApp extends pulumi.dynamic.Resource {
  declare readonly hashes: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TomcatAppArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "tomcatAppProvider", tomcatAppProvider), name, { ...args, hashes: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "TomcatApp");
  }
}
