// KeepalivedInstance: one include file /etc/keepalived/conf.d/<name>.conf
// (global_defs, vrrp_scripts, a vrrp_instance, virtual_servers) under a
// managed keepalived.conf that includes them all. Each change is validated
// with `keepalived -t` among the host's other instances before it goes live,
// and applied with a reload (SIGHUP), never a restart. The last instance
// removed from a host puts back the stock keepalived.conf and the unit's
// enabled/active state.
//
// Replaces on: connection host/port, name. In place: globalDefs, scripts,
// vrrp, virtualServers. Refresh reads the include and main files' hashes and
// whether keepalived runs: a hand edit or a stopped daemon shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sha256 } from "../files/core";
import { applyInclude, DaemonLayout, readInclude, removeInclude } from "../files/daemon";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import {
  checkKeepalivedInstance,
  KeepalivedGlobalDefs,
  KeepalivedInstanceSpec,
  KeepalivedVirtualServer,
  renderKeepalivedInstance,
  renderKeepalivedMain,
  VrrpInstance,
  VrrpScript,
} from "./core";

export interface KeepalivedInstanceArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** File name under /etc/keepalived/conf.d (without .conf). Replaces. */
  name: pulumi.Input<string>;
  /** global_defs (router_id, notification email, vrrp_strict, ...). Set it on one instance per host. In place. */
  globalDefs?: pulumi.Input<KeepalivedGlobalDefs>;
  /** vrrp_script blocks (health checks that move priority). In place. */
  scripts?: pulumi.Input<pulumi.Input<VrrpScript>[]>;
  /** The vrrp_instance. Pass authentication.pass as a secret (e.g. a GeneratedSecret's value). In place. */
  vrrp?: pulumi.Input<VrrpInstanceArgs>;
  /** virtual_server blocks (IPVS services with health-checked real servers). In place. */
  virtualServers?: pulumi.Input<pulumi.Input<KeepalivedVirtualServer>[]>;
}

/** A vrrp_instance whose auth pass may be an output (a secret). */
export type VrrpInstanceArgs = Omit<VrrpInstance, "authentication"> & {
  authentication?: pulumi.Input<{ type: "PASS" | "AH"; pass: pulumi.Input<string> }>;
};

type Props = KeepalivedInstanceSpec & {
  connection: ConnectionArgs;
  /** Hash of the live include file (refresh) or of what was written. */
  sha256?: string;
  /** Refresh: the main keepalived.conf is the managed one. */
  mainInSync?: boolean;
  /** Refresh: keepalived runs. */
  running?: boolean;
};

const DIR = "/etc/keepalived/conf.d";
const MAIN = "/etc/keepalived/keepalived.conf";

/** How keepalived is laid out on a host; validation runs keepalived -t on a copy of the include set. */
export const keepalivedLayout: DaemonLayout = {
  unit: "keepalived",
  includeDir: DIR,
  ext: "conf",
  main: { path: MAIN, content: renderKeepalivedMain(`${DIR}/*.conf`) },
  validateSet: `printf 'include %s/*.conf\\n' "$v" > "$v/main.cfg" && keepalived -t -l -f "$v/main.cfg"`,
};

function spec(p: Props): KeepalivedInstanceSpec {
  return { name: p.name, globalDefs: p.globalDefs, scripts: p.scripts, vrrp: p.vrrp, virtualServers: p.virtualServers };
}

export const keepalivedInstanceProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkKeepalivedInstance(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = olds as unknown as Record<string, unknown>;
    const b = news as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["name"], update: ["globalDefs", "scripts", "vrrp", "virtualServers"] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const drift = olds.sha256 !== sha256(renderKeepalivedInstance(spec(olds))) || olds.mainInSync === false || olds.running === false;
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0 || drift, replaces, deleteBeforeReplace: replaces.length > 0 && !conn.replaces.length };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const content = renderKeepalivedInstance(spec(inputs));
    await applyInclude(t, keepalivedLayout, inputs.name, content);
    return { id: `${t.target}:${DIR}/${inputs.name}.conf`, outs: { ...inputs, sha256: sha256(content), mainInSync: true, running: true } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("KeepalivedInstance", id);
    const t = sshTransport(props.connection);
    const live = await readInclude(t, keepalivedLayout, props.name);
    return {
      id,
      props: { ...props, sha256: live.include.sha256 ?? "absent", mainInSync: live.main?.sha256 === sha256(keepalivedLayout.main?.content ?? ""), running: live.active },
    };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const content = renderKeepalivedInstance(spec(news));
    await applyInclude(t, keepalivedLayout, news.name, content);
    return { outs: { ...news, sha256: sha256(content), mainInSync: true, running: true } };
  },

  async delete(_id, props) {
    await removeInclude(sshTransport(props.connection), keepalivedLayout, props.name);
  },
};

/** A keepalived instance (VRRP and/or IPVS virtual servers) on one host. */
export class KeepalivedInstance extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: KeepalivedInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      keepalivedInstanceProvider,
      name,
      { ...args, sha256: undefined, mainInSync: undefined, running: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "pulumi-lvs",
      "KeepalivedInstance",
    );
  }
}
