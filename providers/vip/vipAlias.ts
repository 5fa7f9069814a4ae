// VipAlias: an address on an interface with an ifconfig-style label
// (ens33:0 on a director, lo:0 on a DR real server), an optional host route
// and gratuitous ARP, persisted by a systemd unit so it comes back at boot
// (persist: false keeps it live only, as `ifconfig ens33:0 VIP` leaves one).
//
// Fields (which replace, which update in place): VIP_ALIAS below. A
// replacement deletes first when the label, and so the boot unit, stays the
// same. Refresh reports an address removed by hand as drift (assigned:
// false); `up` puts it back.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { command, notOption } from "../transport/shell";
import * as boot from "../system/bootUnit";
import { sshTransport } from "../transport/ssh";
import { ConnectionInput } from "../common/connection";
import { addCommand, checkVip, delCommand, normalizeVip, parseIpAddr, renderUnit, unitName, VipSpec } from "./core";

export interface VipAliasArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** The VIP. Required. */
  address: pulumi.Input<string>;
  /** Prefix length. Default 32 (IPv4) or 128 (IPv6). */
  prefix?: pulumi.Input<number>;
  /** Interface: ens33 on a director, lo on a DR real server. Required. */
  interface: pulumi.Input<string>;
  /** Label such as ens33:0 or lo:0 (IPv4). Default: none (the address gets no label). */
  label?: pulumi.Input<string>;
  /** Add a host route to the VIP via the interface. Default false. */
  hostRoute?: pulumi.Input<boolean>;
  /** Send gratuitous ARP when adding. Default false. */
  gratuitousArp?: pulumi.Input<boolean>;
  /**
   * Set the interface up before adding the address, as `ifconfig tunl0 VIP up` does (an LVS-TUN real server's tunl0
   * starts down). Default false: the interface is left as it is. Deleting the address leaves the interface up.
   */
  linkUp?: pulumi.Input<boolean>;
  /**
   * Put it back at boot (a systemd unit). false: live only, as a hand-built one (`ifconfig ens33:0 VIP`) is; a missing
   * unit is then no drift. Turning it on later installs the unit in place, turning it off removes the unit and keeps the
   * address. Default true.
   */
  persist?: pulumi.Input<boolean>;
}

type Props = boot.BootUnitKindProps<
  VipSpec,
  {
    /** Refresh: is the address on the interface? */
    assigned?: boolean;
  }
>;

const bootUnit = boot.unitOf(unitName, renderUnit);

export const VIP_ALIAS = defineKind<Props>({
  type: "VipAlias",
  id: (p) => {
    const v = normalizeVip(p);
    return `${targetOf(p.connection)}/${v.address}/${v.prefix}@${v.label ?? v.interface}`;
  },
  fields: {
    replace: ["address", "prefix", "interface", "label"],
    update: ["hostRoute", "gratuitousArp", "linkUp", "persist"],
    output: ["assigned", "persisted"],
  },
  file: __filename,
  notes: "a systemd unit puts it back at boot (unless persist is false); deletes before replacing when the label stays",
  check: (p) => checkVip(p as Record<string, unknown>),
  normalize: (p) => boot.persistForm({ ...p, ...normalizeVip(p) }),
  changes: boot.bootUnitDrift((p) => p.assigned),
  // The boot unit is named after the label: a replacement that keeps the
  // label must remove the old unit before writing the new one.
  deleteBeforeReplace: boot.deleteBeforeReplaceSameUnit((p) => unitName(normalizeVip(p))),
});

export const vipAliasProvider = kindProvider<Props>(VIP_ALIAS, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const v = normalizeVip(inputs);
    const step = boot.bootUnitStep(undefined, inputs);
    await boot.applyWithBootUnit(t, bootUnit(v), addCommand(v), step);
    return {
      id: VIP_ALIAS.id!(inputs),
      outs: { ...inputs, ...v, assigned: true, persisted: step === "install" },
    };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("VipAlias", id);
    const t = sshTransport(props.connection);
    const v = normalizeVip(props);
    const { probed, unit, persisted } = await boot.readBootUnit(
      t,
      bootUnit(v),
      `ip -o addr show dev ${command(notOption(v.interface, "interface"))}`,
    );
    const live = parseIpAddr(probed).find((a) => a.address === v.address && a.prefix === v.prefix);
    if (!live && unit === "") return { id: "", props };
    // No label key when there is none: an undefined property cannot cross the provider's gRPC boundary.
    const label = live?.label ?? v.label;
    return { id, props: { ...props, ...v, ...(label !== undefined ? { label } : {}), assigned: !!live, persisted } };
  },

  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    const v = normalizeVip(news);
    const old = normalizeVip(olds);
    if (old.hostRoute && !v.hostRoute) await t.run(delCommand({ ...old, hostRoute: true }).split("; ")[0]);
    const step = boot.bootUnitStep(olds, news);
    await boot.applyWithBootUnit(t, bootUnit(v), addCommand(v), step);
    return { outs: { ...news, ...v, assigned: true, persisted: step === "install" } };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const v = normalizeVip(props);
    await t.run(`${boot.removeBootUnit(bootUnit(v))}; ${delCommand(v)}`);
  },
});

/** A VIP on an interface, persisted across reboots (unless persist is false). */
export class VipAlias extends LvsResource {
  declare readonly address: pulumi.Output<string>;
  declare readonly assigned: pulumi.Output<boolean>;

  constructor(name: string, args: VipAliasArgs, opts?: pulumi.CustomResourceOptions) {
    super(VIP_ALIAS, vipAliasProvider, name, args, opts);
  }
}
