// SystemdService: a unit enabled and/or running. The state found at create is
// recorded and put back on delete.
//
// Fields (which replace, which update in place): SYSTEMD_SERVICE below.
// Refresh reads the live state: a stopped service shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { checkService, parseUnitState, unitCommands, unitStateCommand } from "./core";

export interface SystemdServiceArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** Unit name, e.g. nginx. */
  unit: pulumi.Input<string>;
  /** Enabled at boot. Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Running now. Default true. */
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

export const SYSTEMD_SERVICE = defineKind<Props>({
  type: "SystemdService",
  fields: { replace: ["unit"], update: ["enabled", "running"], output: ["previous", "live"] },
  file: __filename,
  notes: "the state found at create is recorded and put back on delete",
  check: (p) => checkService(p as unknown as Record<string, unknown>),
  normalize: (p) => ({ ...p, ...want(p) }),
  changes: (olds) => {
    const w = want(olds);
    return !!olds.live && (olds.live.enabled !== w.enabled || olds.live.running !== w.running);
  },
});

export const systemdServiceProvider = kindProvider<Props>(SYSTEMD_SERVICE, {
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
});

/** A systemd unit's enabled/running state on one host. */
export class SystemdService extends LvsResource {
  declare readonly live: pulumi.Output<{ enabled: boolean; running: boolean }>;

  constructor(name: string, args: SystemdServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(SYSTEMD_SERVICE, systemdServiceProvider, name, args, opts);
  }
}
