// SysctlSet: kernel parameters applied live and persisted in
// /etc/sysctl.d/<name>.conf (atomic write), or live only with persist: false
// (as `echo 1 > /proc/sys/...` leaves them). The live values found at create
// are recorded and restored at delete; unknown keys are refused. A set adopted
// by import records none: its delete leaves the values as they are.
//
// Fields (which replace, which update in place): SYSCTL_SET below.
import * as pulumi from "@pulumi/pulumi";
import { SEP } from "../common/check";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { command } from "../transport/shell";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs, Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { checkSysctl, confPath, normalizeValues, persistsSysctl, procPath, renderSysctlConf, sameValue, sysctlDrift } from "./core";

export interface SysctlSetArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** File name under /etc/sysctl.d (without .conf). Required. */
  name: pulumi.Input<string>;
  /** Key -> value, e.g. { "net.ipv4.ip_forward": "1" }. Required: at least one key. */
  values: pulumi.Input<Record<string, pulumi.Input<string | number>>>;
  /**
   * Keep the values across reboots (/etc/sysctl.d/<name>.conf). false: live only, as `echo 1 > /proc/sys/...` leaves
   * them; a missing file is then no drift. Turning it on later writes the file in place, turning it off removes the file
   * and keeps the live values. Default true.
   */
  persist?: pulumi.Input<boolean>;
}

interface Props {
  connection: ConnectionArgs;
  name: string;
  values: Record<string, string | number>;
  persist?: boolean;
  /**
   * Live values before this set first changed them (restored at delete). Absent after adoption by import: delete
   * leaves the adopted values as they are (an update then records the live values of its keys).
   */
  previous?: Record<string, string>;
  /** False when refresh found /etc/sysctl.d/<name>.conf missing or edited by hand (drift). */
  persisted?: boolean;
}

/** Reads the live values of `keys` in one command; fails naming unknown keys. */
async function readLive(t: Transport, keys: string[]): Promise<Record<string, string>> {
  const script = keys
    .map(
      (k) => `if [ -e ${command(procPath(k))} ]; then cat ${command(procPath(k))}; else echo "missing ${k}" >&2; exit 4; fi; echo ${SEP}`,
    )
    .join("; ");
  const r = await t.exec(script);
  if (r.code === 4)
    throw new Error(
      `ssh ${t.target}: unknown sysctl key: ${r.stderr.trim().replace(/^missing /, "")} (no ${procPath(r.stderr.trim().replace(/^missing /, ""))})`,
    );
  if (r.code !== 0) throw new Error(`ssh ${t.target}: reading sysctls failed (exit ${r.code}): ${r.stderr.trim()}`);
  const parts = r.stdout.split(`${SEP}\n`);
  return Object.fromEntries(keys.map((k, i) => [k, (parts[i] ?? "").trim()]));
}

async function apply(t: Transport, values: Record<string, string>): Promise<void> {
  const lines = Object.entries(values).map(([k, v]) => `printf '%s\\n' ${command(v)} > ${command(procPath(k))}`);
  if (lines.length) await t.run(lines.join(" && "));
}

export const SYSCTL_SET = defineKind<Props>({
  type: "SysctlSet",
  id: (p) => `${targetOf(p.connection)}/${confPath(p.name)}`,
  fields: { replace: ["name"], update: ["values", "persist"], output: ["previous", "persisted"] },
  file: __filename,
  notes: "live + `/etc/sysctl.d/<name>.conf` (unless persist is false); previous live values restored at delete (none when adopted)",
  check: checkSysctl,
  normalize: (p) => ({ ...p, values: normalizeValues(p.values), persist: p.persist ?? true }),
  changes: sysctlDrift,
});

export const sysctlSetProvider = kindProvider<Props>(SYSCTL_SET, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const values = normalizeValues(inputs.values);
    const previous = await readLive(t, Object.keys(values));
    const persist = persistsSysctl(inputs);
    if (persist) await t.writeFileAtomic(confPath(inputs.name), renderSysctlConf(inputs.name, values));
    await apply(t, Object.fromEntries(Object.entries(values).filter(([k, v]) => !sameValue(previous[k], v))));
    return { id: SYSCTL_SET.id!(inputs), outs: { ...inputs, values, previous, persisted: persist } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("SysctlSet", id);
    const t = sshTransport(props.connection);
    const desired = normalizeValues(props.values);
    const [live, file] = await Promise.all([readLive(t, Object.keys(desired)), t.readFile(confPath(props.name))]);
    if (file === undefined && Object.entries(desired).every(([k, v]) => !sameValue(live[k], v))) return { id: "", props };
    // Live values that match keep the declared spelling; others show as drift.
    const values = Object.fromEntries(Object.entries(desired).map(([k, v]) => [k, sameValue(live[k], v) ? v : live[k]]));
    return { id, props: { ...props, values, persisted: file === renderSysctlConf(props.name, desired) } };
  },

  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    const values = normalizeValues(news.values);
    const previous = { ...(olds.previous ?? {}) };
    const added = Object.keys(values).filter((k) => !(k in previous));
    Object.assign(previous, await readLive(t, added));
    const live = await readLive(t, Object.keys(values));
    const persist = persistsSysctl(news);
    if (persist) await t.writeFileAtomic(confPath(news.name), renderSysctlConf(news.name, values));
    // persist turned off: the file goes, the live values stay.
    else if (persistsSysctl(olds)) await t.run(`rm -f ${command(confPath(news.name))}`);
    await apply(t, Object.fromEntries(Object.entries(values).filter(([k, v]) => !sameValue(live[k], v))));
    // Keys no longer declared go back to their recorded values.
    const dropped = Object.fromEntries(Object.entries(previous).filter(([k]) => !(k in values)));
    await apply(t, dropped);
    for (const k of Object.keys(dropped)) delete previous[k];
    return { outs: { ...news, values, previous, persisted: persist } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    await t.run(`rm -f ${command(confPath(props.name))}`);
    await apply(t, props.previous ?? {});
  },
});

/** Kernel parameters on one host, live and persisted (unless persist is false). */
export class SysctlSet extends LvsResource {
  declare readonly values: pulumi.Output<Record<string, string>>;
  declare readonly previous: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: SysctlSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(SYSCTL_SET, sysctlSetProvider, name, args, opts);
  }
}
