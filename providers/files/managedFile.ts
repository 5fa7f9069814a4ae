// ManagedFile: a plain file on a host (index.html, index.jsp, a check script),
// written Ansible-style: optional validator on the new content before it
// replaces the old file, atomic rename, optional reload with rollback. A file
// that existed before is kept aside and put back on delete.
//
// Replaces on: connection host/port, path. In place: content, mode, owner,
// validate, reload. Refresh reads the live file's hash, mode and owner: a hand
// edit shows as drift (sha256 differs) and `up` writes the file again.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { applyFile, statFiles } from "./apply";
import { checkFileInputs, normalizeMode, removeCommand, restoreStockCommand, sameOwner, saveStockCommand, sha256 } from "./core";
import { providerRef } from "../common/providerRef";

export interface ManagedFileArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** Absolute path. Replaces. */
  path: pulumi.Input<string>;
  /** The whole content. In place. */
  content: pulumi.Input<string>;
  /** Octal mode. Default "0644". In place. */
  mode?: pulumi.Input<string>;
  /** owner or owner:group. Default "root:root". In place. */
  owner?: pulumi.Input<string>;
  /** Validator run on the new file first, `%s` = its path (e.g. "sh -n %s"). In place. */
  validate?: pulumi.Input<string>;
  /** Command run after a change (e.g. "systemctl reload nginx"); failure rolls back. In place. */
  reload?: pulumi.Input<string>;
}

interface Props {
  connection: ConnectionArgs;
  path: string;
  content: string;
  mode?: string;
  owner?: string;
  validate?: string;
  reload?: string;
  /** Hash of the live file (refresh) or of what was written. */
  sha256?: string;
  liveMode?: string;
  liveOwner?: string;
}

const spec = (p: Props) => ({ path: p.path, content: p.content, mode: normalizeMode(p.mode), owner: p.owner ?? "root:root" });

function inSync(p: Props): boolean {
  const s = spec(p);
  return p.sha256 === sha256(s.content) && p.liveMode === s.mode && sameOwner(s.owner, p.liveOwner);
}

export const managedFileProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkFileInputs(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = { ...olds, ...spec(olds) } as unknown as Record<string, unknown>;
    const b = { ...news, ...spec(news) } as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["path"], update: ["content", "mode", "owner", "validate", "reload"] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0 || !inSync(olds), replaces, deleteBeforeReplace: replaces.length > 0 && !conn.replaces.length };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const s = spec(inputs);
    await t.run(saveStockCommand(s.path));
    await applyFile(t, s, { validate: inputs.validate, reload: inputs.reload });
    return { id: `${t.target}:${s.path}`, outs: { ...inputs, sha256: sha256(s.content), liveMode: s.mode, liveOwner: s.owner } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("ManagedFile", id);
    const t = sshTransport(props.connection);
    const [live] = await statFiles(t, [props.path]);
    return { id, props: { ...props, sha256: live.sha256 ?? "absent", liveMode: live.mode, liveOwner: live.owner } };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const s = spec(news);
    await applyFile(t, s, { validate: news.validate, reload: news.reload });
    return { outs: { ...news, sha256: sha256(s.content), liveMode: s.mode, liveOwner: s.owner } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    await t.run(`${removeCommand(props.path)} && ${restoreStockCommand(props.path)}`);
    if (props.reload) await t.run(props.reload);
  },
};

/** A file on a host with validate-then-swap, reload and rollback. */
export class ManagedFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly sha256: pulumi.Output<string>;

  constructor(name: string, args: ManagedFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "managedFileProvider", managedFileProvider), name, { ...args, sha256: undefined, liveMode: undefined, liveOwner: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "ManagedFile");
  }
}
