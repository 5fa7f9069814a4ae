// NatRule: one rule in iptables' nat table (the seed's SNAT for the inside
// net), or, with target MARK, in its mangle table (the firewall mark that an
// fwmark IPVS service groups ports by), marked with the comment
// pulumi-lvs:<name> and put back at boot by a systemd oneshot unit (persist:
// false keeps it live only, as a hand-typed `iptables -t nat -A` leaves one).
//
// Fields (which replace, which update in place): NAT_RULE below; a
// replacement deletes first when the name, and so the comment and the boot
// unit, stays the same.
// Refresh reports a rule deleted by hand (present: false) or, unless persist
// is false, a unit removed or edited (persisted: false) as drift; `up` puts
// them back.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import * as boot from "../system/bootUnit";
import { sshTransport } from "../transport/ssh";
import { commandError, Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import { checkNatRule, ensureNatCommand, natCommand, NatSpec, natUnitName, normalizeNat, removeNatCommand, renderNatUnit } from "./core";

export interface NatRuleArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /**
   * Identity of the rule: a word; the rule carries `-m comment --comment pulumi-lvs:<name>`; the boot unit is
   * pulumi-lvs-nat-<name>.service. Required.
   */
  name: pulumi.Input<string>;
  /** POSTROUTING (SNAT, MASQUERADE) or PREROUTING (DNAT, MARK). Required. */
  chain: pulumi.Input<"POSTROUTING" | "PREROUTING">;
  /**
   * SNAT, MASQUERADE (POSTROUTING) or DNAT (PREROUTING), in the nat table; MARK (PREROUTING) in the mangle table,
   * which sets `mark` on the packets it matches (`-j MARK --set-mark <mark>`). Required.
   */
  target: pulumi.Input<"SNAT" | "MASQUERADE" | "DNAT" | "MARK">;
  /** Source IPv4 address or CIDR (-s). Default: none (any source). */
  source?: pulumi.Input<string>;
  /** Destination IPv4 address or CIDR (-d). Default: none (any destination). */
  destination?: pulumi.Input<string>;
  /** Outgoing interface (-o), POSTROUTING only. Default: none (any interface). */
  outInterface?: pulumi.Input<string>;
  /** Incoming interface (-i), PREROUTING only. Default: none (any interface). */
  inInterface?: pulumi.Input<string>;
  /** tcp or udp; needed with port, ports and a port in `to`. Default: none (any protocol). */
  protocol?: pulumi.Input<"tcp" | "udp">;
  /** Destination port (--dport). Default: none (any port). Only with protocol; not with ports. */
  port?: pulumi.Input<number>;
  /**
   * Destination ports (`-m multiport --dports 80,8080`): 1 to 15 distinct ports 1..65535, in the order given. Default:
   * none (any port). Only with protocol; not with port.
   */
  ports?: pulumi.Input<pulumi.Input<number>[]>;
  /** SNAT --to-source / DNAT --to-destination: IPv4[:port]. Required for SNAT and DNAT; refused for MASQUERADE. */
  to?: pulumi.Input<string>;
  /**
   * The firewall mark MARK sets (`--set-mark`), 1..4294967295: an IpvsService with protocol fwmark and this fwmark
   * takes the marked packets. Required for MARK; refused for the other targets.
   */
  mark?: pulumi.Input<number>;
  /**
   * Put it back at boot (a systemd unit). false: live only, as a hand-typed `iptables -t nat -A` rule is; a missing
   * unit is then no drift. Turning it on later installs the unit in place, turning it off removes the unit and keeps
   * the rule. Default true.
   */
  persist?: pulumi.Input<boolean>;
}

type Props = boot.BootUnitKindProps<
  NatSpec,
  {
    /** Refresh: is the rule in the kernel? */
    present?: boolean;
  }
>;

const bootUnit = boot.unitOf((s: NatSpec) => natUnitName(s.name), renderNatUnit);

/** Adds the rule if `-C` says it is missing; the boot unit as `step` says (written and enabled first, removed first, or left). */
function apply(t: Transport, s: NatSpec, step: boot.BootUnitStep): Promise<void> {
  return boot.applyWithBootUnit(t, bootUnit(s), `{ ${ensureNatCommand(s)}; }`, step);
}

export const NAT_RULE = defineKind<Props>({
  type: "NatRule",
  id: (p) => `${targetOf(p.connection)}/nat/${normalizeNat(p).name}`,
  fields: {
    replace: ["name", "chain", "target", "source", "destination", "outInterface", "inInterface", "protocol", "port", "ports", "to", "mark"],
    update: ["persist"],
    output: ["present", "persisted"],
  },
  file: __filename,
  notes: "a systemd oneshot unit puts it back at boot (unless persist is false); deletes before replacing when the name stays",
  check: (p) => checkNatRule(p as Record<string, unknown>),
  normalize: (p) => boot.persistForm({ ...p, ...normalizeNat(p) }),
  changes: boot.bootUnitDrift((p) => p.present),
  // The comment and the boot unit are named after the name: a replacement
  // that keeps it must remove the old rule and unit before adding the new.
  deleteBeforeReplace: boot.deleteBeforeReplaceSameUnit((p) => p.name),
});

export const natRuleProvider = kindProvider<Props>(NAT_RULE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const s = normalizeNat(inputs);
    const step = boot.bootUnitStep(undefined, inputs);
    await apply(t, s, step);
    return { id: NAT_RULE.id!(inputs), outs: { ...inputs, ...s, present: true, persisted: step === "install" } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("NatRule", id);
    const t = sshTransport(props.connection);
    const s = normalizeNat(props);
    const probe = natCommand("-C", s);
    const { probed: checked, persisted } = await boot.readBootUnit(t, bootUnit(s), `${probe} 2>&1; echo "exit=$?"`);
    const m = /exit=(\d+)\s*$/.exec(checked);
    const code = m ? Number(m[1]) : -1;
    const said = m ? checked.slice(0, m.index) : checked;
    // -C (in the rule's table: nat, or mangle for MARK) exits 1 when the rule (or the table) is missing; anything else is an error.
    if (code !== 0 && (code !== 1 || /permission denied|must be root/i.test(said))) throw commandError(t.target, probe, code, said);
    // Even when neither the rule nor the unit exists the id stays: the
    // resource is reported as drift and `up` puts it back.
    return { id, props: { ...props, ...s, present: code === 0, persisted } };
  },

  async update(_id, olds, news) {
    // Only persist, credentials or drift reach here: every other declared property replaces.
    const t = sshTransport(news.connection);
    const s = normalizeNat(news);
    const step = boot.bootUnitStep(olds, news);
    await apply(t, s, step);
    return { outs: { ...news, ...s, present: true, persisted: step === "install" } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const s = normalizeNat(props);
    await t.run(`${removeNatCommand(s)}; ${boot.removeBootUnit(bootUnit(s))}`);
  },
});

/** A rule in iptables' nat table (mangle for MARK), persisted across reboots (unless persist is false). */
export class NatRule extends LvsResource {
  /** Refresh: is the rule in the kernel? */
  declare readonly present: pulumi.Output<boolean>;
  /** Refresh: is the boot unit in place and enabled? */
  declare readonly persisted: pulumi.Output<boolean>;

  constructor(name: string, args: NatRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(NAT_RULE, natRuleProvider, name, args, opts);
  }
}
