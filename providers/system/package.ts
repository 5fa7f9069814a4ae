// Package: packages installed on a host (apt-get on Debian, dnf/yum on RHEL).
// Present packages are left alone, so a host without network is fine when
// the packages are there. Delete leaves the packages installed unless
// removeOnDelete: removing a daemon an operator relies on is never implicit.
//
// Fields (which replace, which update in place): PACKAGE below. Refresh
// lists the missing ones (drift).
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { checkPackage, installCommand, parsePackages, queryPackagesCommand, removeCommand } from "./core";

export interface PackageArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** Package names (the order does not matter). Required: at least one. */
  names: pulumi.Input<pulumi.Input<string>[]>;
  /** Remove the packages on delete (only those this resource installed). Default false. */
  removeOnDelete?: pulumi.Input<boolean>;
}

interface Props {
  connection: ConnectionArgs;
  names: string[];
  removeOnDelete?: boolean;
  /** Packages this resource installed (the others were there before). */
  installed?: string[];
  /** Refresh: declared packages that are not installed. */
  missing?: string[];
}

async function ensure(t: Transport, names: string[]): Promise<string[]> {
  const live = parsePackages(await t.run(queryPackagesCommand(names)));
  const missing = names.filter((n) => !live[n]);
  if (missing.length) await t.run(installCommand(missing));
  return missing;
}

export const PACKAGE = defineKind<Props>({
  type: "Package",
  id: (p) => `${targetOf(p.connection)}:packages:${p.names.join(",")}`,
  fields: { update: ["names", "removeOnDelete"], output: ["installed", "missing"] },
  file: __filename,
  notes: "present packages are left alone; delete leaves them installed unless `removeOnDelete`",
  check: (p) => checkPackage(p as unknown as Record<string, unknown>),
  normalize: (p) => ({ ...p, names: [...p.names].sort() }),
  changes: (olds) => (olds.missing ?? []).length > 0,
});

export const packageProvider = kindProvider<Props>(PACKAGE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const installed = await ensure(t, inputs.names);
    return { id: PACKAGE.id!(inputs), outs: { ...inputs, installed, missing: [] } };
  },
  async read(id, props) {
    if (!props) throw importUnsupported("Package", id);
    const t = sshTransport(props.connection);
    const live = parsePackages(await t.run(queryPackagesCommand(props.names)));
    return { id, props: { ...props, missing: props.names.filter((n) => !live[n]) } };
  },
  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    const added = await ensure(t, news.names);
    return { outs: { ...news, installed: [...new Set([...(olds.installed ?? []), ...added])], missing: [] } };
  },
  async delete(_id, props) {
    const ours = (props.installed ?? []).filter((n) => props.names.includes(n));
    if (props.removeOnDelete && ours.length) await sshTransport(props.connection).run(removeCommand(ours));
  },
});

/** Packages present on a host. */
export class Package extends LvsResource {
  declare readonly installed: pulumi.Output<string[]>;

  constructor(name: string, args: PackageArgs, opts?: pulumi.CustomResourceOptions) {
    super(PACKAGE, packageProvider, name, args, opts);
  }
}
