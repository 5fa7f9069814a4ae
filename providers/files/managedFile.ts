// ManagedFile: a plain file on a host (index.html, index.jsp, a check script),
// written Ansible-style: optional validator on the new content before it
// replaces the old file, atomic rename, optional reload with rollback. A file
// that existed before is kept aside and put back on delete.
//
// Fields (which replace, which update in place): MANAGED_FILE below. Refresh
// reads the live file's hash, mode and owner: a hand edit shows as drift
// (sha256 differs) and `up` writes the file again.
import * as pulumi from "@pulumi/pulumi";
import { Checker } from "../common/check";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { checkPathIn, hostPath } from "../common/paths";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { applyFile, statFiles } from "./apply";
import { checkFileInputs, normalizeMode, removeCommand, restoreStockCommand, sameOwner, saveStockCommand, sha256 } from "./core";

export interface ManagedFileArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** Absolute path. Required. */
  path: pulumi.Input<string>;
  /** The whole content. Required. */
  content: pulumi.Input<string>;
  /** Octal mode. Default "0644". */
  mode?: pulumi.Input<string>;
  /** owner or owner:group. Default "root:root". */
  owner?: pulumi.Input<string>;
  /** Validator run on the new file first, `%s` = its path (e.g. "sh -n %s"). Default: none (the file is not validated). */
  validate?: pulumi.Input<string>;
  /** Command run after a change and after delete (e.g. "systemctl reload nginx"); failure rolls back. Default: none (nothing runs). */
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
  /** The live file's mode (refresh). */
  liveMode?: string;
  /** The live file's owner:group (refresh). */
  liveOwner?: string;
}

const spec = (p: Props) => ({ path: p.path, content: p.content, mode: normalizeMode(p.mode), owner: p.owner ?? "root:root" });

/** The file's path, for the commands that write or remove it: throws when it is not a plain absolute path (no '..'). */
const filePath = (p: Props) => hostPath(p.path);

function inSync(p: Props): boolean {
  const s = spec(p);
  return p.sha256 === sha256(s.content) && p.liveMode === s.mode && sameOwner(s.owner, p.liveOwner);
}

export const MANAGED_FILE = defineKind<Props>({
  type: "ManagedFile",
  id: (p) => `${targetOf(p.connection)}:${filePath(p)}`,
  fields: { replace: ["path"], update: ["content", "mode", "owner", "validate", "reload"], output: ["sha256", "liveMode", "liveOwner"] },
  file: __filename,
  notes: "a file that existed before is kept aside and put back on delete; deletes before replacing on the same host",
  check: (p) => {
    const failures = checkFileInputs(p as unknown as Record<string, unknown>);
    if (failures.some((f) => f.property === "path")) return failures;
    const c = new Checker();
    checkPathIn(c, "path", p.path, undefined, "an absolute path without '..' segments");
    return [...failures, ...c.failures];
  },
  normalize: (p) => ({ ...p, ...spec(p) }),
  // Only when no declared field changed: the live state is compared with the declared content.
  changes: (olds, _news, fieldsChanged) => !fieldsChanged && !inSync(olds),
  deleteBeforeReplace: ({ replaces, connectionReplaces }) => replaces.length > 0 && !connectionReplaces,
});

export const managedFileProvider = kindProvider<Props>(MANAGED_FILE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const s = { ...spec(inputs), path: filePath(inputs) };
    await t.run(saveStockCommand(s.path));
    await applyFile(t, s, { validate: inputs.validate, reload: inputs.reload });
    return { id: MANAGED_FILE.id!(inputs), outs: { ...inputs, sha256: sha256(s.content), liveMode: s.mode, liveOwner: s.owner } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("ManagedFile", id);
    const t = sshTransport(props.connection);
    const [live] = await statFiles(t, [props.path]);
    return { id, props: { ...props, sha256: live.sha256 ?? "absent", liveMode: live.mode, liveOwner: live.owner } };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const s = { ...spec(news), path: filePath(news) };
    await applyFile(t, s, { validate: news.validate, reload: news.reload });
    return { outs: { ...news, sha256: sha256(s.content), liveMode: s.mode, liveOwner: s.owner } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    await t.run(`${removeCommand(filePath(props))} && ${restoreStockCommand(filePath(props))}`);
    if (props.reload) await t.run(props.reload);
  },
});

/** A file on a host with validate-then-swap, reload and rollback. */
export class ManagedFile extends LvsResource {
  declare readonly path: pulumi.Output<string>;
  declare readonly sha256: pulumi.Output<string>;

  constructor(name: string, args: ManagedFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(MANAGED_FILE, managedFileProvider, name, args, opts);
  }
}
