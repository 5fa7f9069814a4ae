// SystemdService: a unit enabled and/or running. The state found at create is
// recorded and put back on delete.
//
// Replaces on: connection host/port, unit. In place: enabled, running.
// Refresh reads the live state: a stopped service shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { checkService, parseUnitState, unitCommands, unitStateCommand } from "./core";
import { providerRef } from "../common/providerRef";

export interface SystemdServiceArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** Unit name, e.g. nginx. Replaces. */
  unit: pulumi.Input<string>;
  /** Enabled at boot. Default true. In place. */
  enabled?: pulumi.Input<boolean>;
  /** Running now. Default true. In place. */
  running?: pulumi.Input<boolean>;
}

interface Props {
  connection: ConnectionArgs;
  unit: string;
  enabled?: boolean;
  running?: boolean;
  /** State before create (restored on delete). */
  previous?: { enabled: boolean; running: boolean };
  /** Refresh: the live state. */
  live?: { enabled: boolean; running: boolean };
}

const want = (p: Props) => ({ enabled: p.enabled ?? true, running: p.running ?? true });

async function converge(t: Transport, p: Props): Promise<{ enabled: boolean; running: boolean }> {
  const live = parseUnitState(await t.run(unitStateCommand(p.unit)));
  const cmds = unitCommands(p.unit, live, want(p));
  if (cmds.length) await t.run(cmds.join(" && "));
  return live;
}

export const systemdServiceProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkService(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },
  async diff(_id, olds, news) {
    const a = { ...olds, ...want(olds) } as unknown as Record<string, unknown>;
    const b = { ...news, ...want(news) } as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["unit"], update: ["enabled", "running"] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const w = want(olds);
    const drift = !!olds.live && (olds.live.enabled !== w.enabled || olds.live.running !== w.running);
    return { changes: own.changed.length + conn.changed.length > 0 || drift, replaces: [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])] };
  },
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const previous = await converge(t, inputs);
    return { id: `${t.target}:${inputs.unit}`, outs: { ...inputs, previous, live: want(inputs) } };
  },
  async read(id, props) {
    if (!props) throw importUnsupported("SystemdService", id);
    const live = parseUnitState(await sshTransport(props.connection).run(unitStateCommand(props.unit)));
    return { id, props: { ...props, live } };
  },
  async update(_id, olds, news) {
    await converge(sshTransport(news.connection), news);
    return { outs: { ...news, previous: olds.previous, live: want(news) } };
  },
  async delete(_id, props) {
    if (!props.previous) return;
    const t = sshTransport(props.connection);
    const cmds = unitCommands(props.unit, want(props), props.previous);
    if (cmds.length) await t.run(cmds.join(" && "));
  },
};

/** A systemd unit's enabled/running state on one host. */
export class SystemdService extends pulumi.dynamic.Resource {
  declare readonly live: pulumi.Output<{ enabled: boolean; running: boolean }>;

  constructor(name: string, args: SystemdServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "systemdServiceProvider", systemdServiceProvider), name, { ...args, previous: undefined, live: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "SystemdService");
  }
}
