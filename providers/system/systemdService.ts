// SystemdService: a unit enabled and/or running. The state found at create is
// recorded and put back on delete.
//
// Fields (which replace, which update in place): SYSTEMD_SERVICE below.
// Refresh reads the live state: a stopped service shows as drift. A unit that
// should run counts as created once it is active and, when `readiness` gives a
// probe, once that passes (providers/readiness/).
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { sshTransport } from "../transport/ssh";
import { Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { checkReadiness, ReadinessArgs, resolveReadiness } from "../readiness/core";
import { awaitReady } from "../readiness/wait";
import { Checker } from "../common/check";
import { checkService, parseUnitState, unitCommands, unitStateCommand } from "./core";

export interface SystemdServiceArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** Unit name, e.g. nginx. Required. */
  unit: pulumi.Input<string>;
  /** Enabled at boot. Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Running now. Default true. */
  running?: pulumi.Input<boolean>;
  /**
   * When a running unit counts as up. Default: `systemctl is-active` (not "activating") within 60 s. Add a probe
   * (an HTTP path, a TCP port, a command) for a unit whose own start does not wait for its service.
   */
  readiness?: pulumi.Input<ReadinessArgs>;
}

/** The args as the provider sees them (plain values), and its outputs. */
type Props = pulumi.Unwrap<SystemdServiceArgs> & {
  /** Seconds the last create or update waited for readiness (0 when the unit is not to run). */
  readySeconds?: number;
  /** State before create (restored on delete). */
  previous?: { enabled: boolean; running: boolean };
  /** Refresh: the live state. */
  live?: { enabled: boolean; running: boolean };
};

const want = (p: Props) => ({ enabled: p.enabled ?? true, running: p.running ?? true });

async function converge(t: Transport, p: Props): Promise<{ enabled: boolean; running: boolean }> {
  const live = parseUnitState(await t.run(unitStateCommand(p.unit)));
  const cmds = unitCommands(p.unit, live, want(p));
  if (cmds.length) await t.run(cmds.join(" && "));
  return live;
}

/** Waits until a unit that should run is active (and its probe passes); the seconds it took. */
async function ready(t: Transport, p: Props): Promise<number> {
  if (!want(p).running) return 0;
  const r = resolveReadiness(p.readiness, { probe: { type: "none" }, timeoutSeconds: 60, unit: p.unit });
  return awaitReady(t, r, `SystemdService ${p.unit}`);
}

export const SYSTEMD_SERVICE = defineKind<Props>({
  type: "SystemdService",
  id: (p) => `${targetOf(p.connection)}:${p.unit}`,
  fields: { replace: ["unit"], update: ["enabled", "running", "readiness"], output: ["previous", "live", "readySeconds"] },
  file: __filename,
  notes: "the state found at create is recorded and put back on delete",
  check: (p) => {
    const c = new Checker();
    checkReadiness(c, "readiness", p.readiness);
    return [...checkService(p as unknown as Record<string, unknown>), ...c.failures];
  },
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
    const readySeconds = await ready(t, inputs);
    return { id: SYSTEMD_SERVICE.id!(inputs), outs: { ...inputs, previous, live: want(inputs), readySeconds } };
  },
  async read(id, props) {
    if (!props) throw importUnsupported("SystemdService", id);
    const live = parseUnitState(await sshTransport(props.connection).run(unitStateCommand(props.unit)));
    return { id, props: { ...props, live } };
  },
  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    await converge(t, news);
    return { outs: { ...news, previous: olds.previous, live: want(news), readySeconds: await ready(t, news) } };
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
  declare readonly readySeconds: pulumi.Output<number>;

  constructor(name: string, args: SystemdServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(SYSTEMD_SERVICE, systemdServiceProvider, name, args, opts);
  }
}
