// VipAlias's pure core: checks, the `ip` commands, the boot-time unit, and
// parsing of `ip -o addr show`.
import * as net from "node:net";
import { Checker, CheckFailure, checkConnection, isUnknown } from "../common/check";
import { IFACE, IFACE_RULE } from "../common/net";
import { command, notOption } from "../transport/shell";

export interface VipSpec {
  address: string;
  /** Prefix length; default 32 (IPv4) / 128 (IPv6). */
  prefix: number;
  interface: string;
  /** ifconfig-style label such as ens33:0 or lo:0 (IPv4 only). */
  label?: string;
  /** Add a host route to the VIP via the interface (the seed's `route add -host VIP dev lo:0`). */
  hostRoute: boolean;
  /** Send gratuitous ARP after adding (IPv4, not on lo). */
  gratuitousArp: boolean;
  /** Set the interface up first (`ifconfig tunl0 VIP up`): a tunnel's fallback device starts down. */
  linkUp: boolean;
}

export function checkVip(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (c.required("address", i.address)) c.ip("address", i.address, undefined, { unicast: true });
  const v6 = typeof i.address === "string" && net.isIPv6(i.address);
  c.int("prefix", i.prefix, v6 ? 1 : 1, v6 ? 128 : 32);
  if (c.required("interface", i.interface)) c.word("interface", i.interface, IFACE, IFACE_RULE);
  if (i.label !== undefined && !isUnknown(i.label)) {
    if (v6) c.fail("label", "label applies to IPv4 addresses only");
    else if (typeof i.interface === "string" && !isUnknown(i.interface)) {
      c.word(
        "label",
        i.label,
        new RegExp(`^${i.interface.replace(/\./g, "\\.")}:[A-Za-z0-9_-]{1,${Math.max(1, 14 - i.interface.length)}}$`),
        `"${i.interface}:<suffix>" (at most 15 characters, as the kernel allows)`,
      );
    }
  }
  c.bool("hostRoute", i.hostRoute);
  c.bool("gratuitousArp", i.gratuitousArp);
  c.bool("linkUp", i.linkUp);
  c.bool("persist", i.persist);
  if (i.gratuitousArp === true && i.interface === "lo")
    c.fail("gratuitousArp", "gratuitousArp makes no sense on lo (DR real servers must not announce the VIP)");
  return c.failures;
}

export function normalizeVip(i: Partial<VipSpec>): VipSpec {
  const v6 = typeof i.address === "string" && net.isIPv6(i.address);
  return {
    address: i.address as string,
    prefix: i.prefix ?? (v6 ? 128 : 32),
    interface: i.interface as string,
    ...(i.label !== undefined ? { label: i.label } : {}),
    hostRoute: i.hostRoute ?? false,
    gratuitousArp: i.gratuitousArp ?? false,
    linkUp: i.linkUp ?? false,
  };
}

export function addCommand(v: VipSpec): string {
  notOption(v.interface, "interface");
  if (v.label !== undefined) notOption(v.label, "label");
  const cmds = v.linkUp ? [`ip link set dev ${command(v.interface)} up`] : [];
  cmds.push(
    `ip addr replace ${command(`${v.address}/${v.prefix}`)} dev ${command(v.interface)}${v.label ? ` label ${command(v.label)}` : ""}`,
  );
  if (v.hostRoute)
    cmds.push(`ip route replace ${command(`${v.address}/${v.address.includes(":") ? 128 : 32}`)} dev ${command(v.interface)}`);
  if (v.gratuitousArp && !v.address.includes(":"))
    cmds.push(`(arping -U -c 2 -I ${command(v.interface)} ${command(v.address)} >/dev/null 2>&1 || true)`);
  return cmds.join(" && ");
}

export function delCommand(v: VipSpec): string {
  notOption(v.interface, "interface");
  const cmds = [];
  if (v.hostRoute)
    cmds.push(
      `(ip route del ${command(`${v.address}/${v.address.includes(":") ? 128 : 32}`)} dev ${command(v.interface)} 2>/dev/null || true)`,
    );
  cmds.push(`(ip addr del ${command(`${v.address}/${v.prefix}`)} dev ${command(v.interface)} 2>/dev/null || true)`);
  return cmds.join("; ");
}

/** A name for the persistence unit, from the label or the address. */
export function unitName(v: VipSpec): string {
  const id = (v.label ?? `${v.interface}-${v.address}`).replace(/[^A-Za-z0-9_-]/g, "-");
  return `pulumi-lvs-vip-${id}.service`;
}

/** A systemd oneshot unit that puts the VIP back at boot (works on Debian and RHEL alike). */
export function renderUnit(v: VipSpec): string {
  return [
    "# Managed by pulumi-lvs (VipAlias). Changes here are overwritten.",
    "[Unit]",
    `Description=pulumi-lvs VIP ${v.address}/${v.prefix} on ${v.label ?? v.interface}`,
    "After=network.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/bin/sh -c ${JSON.stringify(addCommand(v))}`,
    `ExecStop=/bin/sh -c ${JSON.stringify(delCommand(v))}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

export interface LiveAddress {
  address: string;
  prefix: number;
  interface: string;
  label?: string;
}

/** Parses `ip -o addr show` lines. */
export function parseIpAddr(text: string): LiveAddress[] {
  const out: LiveAddress[] = [];
  for (const line of text.split("\n")) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const rest = m[5].replace(/\\/g, " ").split(/\s+/);
    const label = m[2] === "inet" ? rest.find((w) => w.startsWith(`${m[1]}:`)) : undefined;
    out.push({ interface: m[1], address: m[3], prefix: Number(m[4]), ...(label ? { label } : {}) });
  }
  return out;
}
