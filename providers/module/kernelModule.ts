// KernelModule: a kernel module loaded now (modprobe) and at every boot
// (/etc/modules-load.d/pulumi-lvs-<name>.conf), such as ipip for an LVS-TUN
// real server's tunl0 (persist: false loads it now only, as a hand-typed
// `modprobe ipip` does). A module that cannot be loaded fails the apply,
// naming the host and modprobe's message, before anything that needs it.
// Delete removes the boot file and leaves the module loaded: unloading it
// would take down whatever tunnels use it (a reboot unloads it).
//
// Fields (which replace, which update in place): KERNEL_MODULE below. Refresh
// reports an unloaded module (loaded: false) and, unless persist is false, a
// missing or edited boot file (persisted: false) as drift; `up` mends both.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { command } from "../transport/shell";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { checkKernelModule, confPath, loadCommand, NOT_AVAILABLE, probeCommand, renderConf } from "./core";

export interface KernelModuleArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** The module, as modprobe names it (ipip, ip_gre, fou). Required. */
  name: pulumi.Input<string>;
  /**
   * Load it at every boot (/etc/modules-load.d/pulumi-lvs-<name>.conf). false: loaded now only, as a hand-typed
   * `modprobe` leaves it; a missing file is then no drift. Turning it off removes the file. Default true.
   */
  persist?: pulumi.Input<boolean>;
}

interface Props {
  connection: ConnectionArgs;
  name: string;
  persist?: boolean;
  /** Refresh: is the module in the kernel? */
  loaded?: boolean;
  /** Refresh: is the boot file there with its content (when persist)? */
  persisted?: boolean;
}

const persists = (p: Pick<Props, "persist">): boolean => p.persist !== false;

/** Loads the module and writes or removes its boot file; one SSH command for the load, one write. */
async function ensure(t: Transport, p: Props, wasPersisted: boolean): Promise<void> {
  const r = await t.exec(loadCommand(p.name));
  if (r.code === NOT_AVAILABLE)
    throw new Error(
      `ssh ${t.target}: kernel module ${p.name} is not available: modprobe ${p.name}: ${r.stderr.trim() || "failed"} ` +
        "(the kernel lacks it: install the package that ships it, or choose what this kernel has)",
    );
  if (r.code !== 0) throw new Error(`ssh ${t.target}: loading kernel module ${p.name} failed (exit ${r.code}): ${r.stderr.trim()}`);
  if (persists(p)) await t.writeFileAtomic(confPath(p.name), renderConf(p.name));
  else if (wasPersisted) await t.run(`rm -f ${command(confPath(p.name))}`);
}

export const KERNEL_MODULE = defineKind<Props>({
  type: "KernelModule",
  id: (p) => `${targetOf(p.connection)}:module:${p.name}`,
  fields: { replace: ["name"], update: ["persist"], output: ["loaded", "persisted"] },
  file: __filename,
  notes:
    "modprobe + `/etc/modules-load.d/pulumi-lvs-<name>.conf` (unless persist is false); delete removes the file, leaves the module loaded",
  check: (p) => checkKernelModule(p as unknown as Record<string, unknown>),
  normalize: (p) => ({ ...p, persist: persists(p) }),
  changes: (olds) => olds.loaded === false || (persists(olds) && olds.persisted === false),
});

export const kernelModuleProvider = kindProvider<Props>(KERNEL_MODULE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    await ensure(t, inputs, false);
    return { id: KERNEL_MODULE.id!(inputs), outs: { ...inputs, loaded: true, persisted: persists(inputs) } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("KernelModule", id);
    const t = sshTransport(props.connection);
    const [probe, file] = await Promise.all([t.run(probeCommand(props.name)), t.readFile(confPath(props.name))]);
    const loaded = probe.trim() === "loaded";
    if (!loaded && file === undefined) return { id: "", props };
    return { id, props: { ...props, loaded, persisted: file === renderConf(props.name) } };
  },

  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    await ensure(t, news, persists(olds));
    return { outs: { ...news, loaded: true, persisted: persists(news) } };
  },

  async delete(_id, props) {
    await sshTransport(props.connection).run(`rm -f ${command(confPath(props.name))}`);
  },
});

/** A kernel module, loaded now and at boot (unless persist is false). */
export class KernelModule extends LvsResource {
  declare readonly loaded: pulumi.Output<boolean>;

  constructor(name: string, args: KernelModuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(KERNEL_MODULE, kernelModuleProvider, name, args, opts);
  }
}
