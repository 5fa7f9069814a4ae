// NatRule's pure core: checks, the iptables words and commands, and the
// boot-time unit that puts the rule back (the seed's
// `iptables -t nat -A POSTROUTING -s 192.168.118.0/24 -o ens36 -j SNAT --to 12.0.0.20`,
// and the firewall mark a fwmark IPVS service groups ports by:
// `iptables -t mangle -A PREROUTING -d VIP -p tcp -m multiport --dports 80,8080 -j MARK --set-mark 1`).
import * as net from "node:net";
import { Checker, CheckFailure, checkConnection, isUnknown, known, show } from "../common/check";
import { checkIpv4Cidr, IFACE, IFACE_RULE } from "../common/net";
import { checkPathIn } from "../common/paths";
import { command, notOption } from "../transport/shell";

export type NatChain = "POSTROUTING" | "PREROUTING";
export type NatTarget = "SNAT" | "MASQUERADE" | "DNAT" | "MARK";
/** The iptables table a rule lives in: MARK in mangle, the others in nat. */
export type NatTable = "nat" | "mangle";

export interface NatSpec {
  /** Identity: the rule carries `-m comment --comment pulumi-lvs:<name>`. */
  name: string;
  chain: NatChain;
  target: NatTarget;
  source?: string;
  destination?: string;
  outInterface?: string;
  inInterface?: string;
  protocol?: "tcp" | "udp";
  port?: number;
  /** Destination ports (-m multiport --dports), instead of port. */
  ports?: number[];
  /** SNAT --to-source / DNAT --to-destination: IPv4[:port]. */
  to?: string;
  /** MARK --set-mark: the firewall mark, 1..4294967295. */
  mark?: number;
}

const CHAINS: readonly NatChain[] = ["POSTROUTING", "PREROUTING"];
const TARGETS: readonly NatTarget[] = ["SNAT", "MASQUERADE", "DNAT", "MARK"];
/** iptables' multiport match takes at most 15 ports. */
export const MAX_MULTIPORT = 15;
/** The largest firewall mark (a 32-bit value; 0 is no mark). */
export const MAX_MARK = 4294967295;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TO = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;

export function checkNatRule(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (
    c.required("name", i.name) &&
    c.word(
      "name",
      i.name,
      NAME,
      "a word of 1..64 letters, digits, '_', '-', '.' (it names the rule's comment pulumi-lvs:<name> and the unit pulumi-lvs-nat-<name>.service)",
    )
  )
    checkPathIn(c, "name", i.name, "/etc/systemd/system", "a name whose unit file stays in /etc/systemd/system", (n) => [natUnitName(n)]);
  const chainOk = c.required("chain", i.chain) && c.oneOf("chain", i.chain, CHAINS);
  const targetOk = c.required("target", i.target) && c.oneOf("target", i.target, TARGETS);
  if (chainOk && targetOk) {
    if (i.target === "DNAT" && i.chain !== "PREROUTING")
      c.fail("target", `DNAT works in the PREROUTING chain only; got chain ${JSON.stringify(i.chain)}`);
    if (i.target === "MARK" && i.chain !== "PREROUTING")
      c.fail("target", `MARK works in the PREROUTING chain (of the mangle table) only; got chain ${JSON.stringify(i.chain)}`);
    if (i.target !== "DNAT" && i.target !== "MARK" && i.chain !== "POSTROUTING")
      c.fail("target", `${String(i.target)} works in the POSTROUTING chain only; got chain ${JSON.stringify(i.chain)}`);
  }
  if (i.source !== undefined) checkIpv4Cidr(c, "source", i.source);
  if (i.destination !== undefined) checkIpv4Cidr(c, "destination", i.destination);
  if (c.word("outInterface", i.outInterface, IFACE, IFACE_RULE) && i.chain === "PREROUTING") {
    c.fail("outInterface", "outInterface (-o) applies to the POSTROUTING chain only; use inInterface in PREROUTING");
  }
  if (c.word("inInterface", i.inInterface, IFACE, IFACE_RULE) && i.chain === "POSTROUTING") {
    c.fail("inInterface", "inInterface (-i) applies to the PREROUTING chain only; use outInterface in POSTROUTING");
  }
  c.oneOf("protocol", i.protocol, ["tcp", "udp"] as const);
  if (c.int("port", i.port, 1, 65535) && i.protocol === undefined) c.fail("port", "port (--dport) needs protocol: tcp or udp");
  checkPorts(c, i);
  if (c.int("mark", i.mark, 1, MAX_MARK) && known(i.target) && i.target !== "MARK")
    c.fail("mark", `mark (--set-mark) is for target MARK only; got target ${show(i.target)}`);
  else if (i.mark === undefined && i.target === "MARK") c.fail("mark", `mark is required for MARK (--set-mark 1..${MAX_MARK})`);
  if (i.to !== undefined && !isUnknown(i.to)) {
    if (i.target === "MASQUERADE")
      c.fail("to", "to is refused for MASQUERADE (it takes the outgoing interface's address); use SNAT for a fixed address");
    else if (i.target === "MARK") c.fail("to", "to is refused for MARK (it sets a firewall mark and leaves the addresses alone); use mark");
    else {
      const m = typeof i.to === "string" ? TO.exec(i.to) : null;
      if (!m || !net.isIPv4(m[1]) || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
        c.fail("to", `to must be an IPv4 address with an optional port (12.0.0.20 or 192.168.118.30:8080); got ${JSON.stringify(i.to)}`);
      } else if (m[2] !== undefined && i.protocol === undefined) {
        c.fail("to", "a port in to needs protocol: tcp or udp");
      }
    }
  } else if (i.to === undefined && (i.target === "SNAT" || i.target === "DNAT")) {
    c.fail("to", `to is required for ${i.target} (${i.target === "SNAT" ? "--to-source" : "--to-destination"} IPv4[:port])`);
  }
  c.bool("persist", i.persist);
  return c.failures;
}

/** ports: 1 to 15 distinct ports 1..65535, with protocol, not with port. */
function checkPorts(c: Checker, i: Record<string, unknown>): void {
  const ports = c.list("ports", i.ports, 1, "ports 1..65535");
  if (!ports) return;
  if (ports.length > MAX_MULTIPORT)
    c.fail("ports", `ports must hold at most ${MAX_MULTIPORT} ports (iptables' multiport match); got ${ports.length}`);
  const seen = new Set<unknown>();
  ports.forEach((p, k) => {
    if (c.int(`ports[${k}]`, p, 1, 65535) && seen.has(p)) c.fail(`ports[${k}]`, `ports[${k}] repeats port ${show(p)}; give each port once`);
    seen.add(p);
  });
  if (known(i.port)) c.fail("ports", "ports (-m multiport --dports) and port (--dport) are exclusive: give one of them");
  if (i.protocol === undefined) c.fail("ports", "ports (-m multiport --dports) needs protocol: tcp or udp");
}

/** The spec with only the properties that are set. */
export function normalizeNat(i: Partial<NatSpec>): NatSpec {
  const s: NatSpec = { name: i.name as string, chain: i.chain as NatChain, target: i.target as NatTarget };
  if (i.source !== undefined) s.source = i.source;
  if (i.destination !== undefined) s.destination = i.destination;
  if (i.outInterface !== undefined) s.outInterface = i.outInterface;
  if (i.inInterface !== undefined) s.inInterface = i.inInterface;
  if (i.protocol !== undefined) s.protocol = i.protocol;
  if (i.port !== undefined) s.port = i.port;
  if (i.ports !== undefined) s.ports = i.ports;
  if (i.to !== undefined) s.to = i.to;
  if (i.mark !== undefined) s.mark = i.mark;
  return s;
}

/** The comment that marks the rule as this resource's. */
export function natComment(name: string): string {
  return `pulumi-lvs:${name}`;
}

/** The table of the rule: mangle for MARK, nat for the others. */
export function natTable(s: Pick<NatSpec, "target">): NatTable {
  return s.target === "MARK" ? "mangle" : "nat";
}

/** The iptables words after `-t <table> -A|-C|-D CHAIN`, in the order `iptables -S` prints them. */
export function ruleArgs(s: NatSpec): string[] {
  const w: string[] = [];
  if (s.source !== undefined) w.push("-s", s.source);
  if (s.destination !== undefined) w.push("-d", s.destination);
  if (s.inInterface !== undefined) w.push("-i", notOption(s.inInterface, "inInterface"));
  if (s.outInterface !== undefined) w.push("-o", notOption(s.outInterface, "outInterface"));
  if (s.protocol !== undefined) w.push("-p", s.protocol);
  if (s.port !== undefined) w.push("--dport", String(s.port));
  if (s.ports !== undefined) w.push("-m", "multiport", "--dports", s.ports.join(","));
  w.push("-m", "comment", "--comment", natComment(s.name), "-j", s.target);
  if (s.to !== undefined) w.push(s.target === "DNAT" ? "--to-destination" : "--to-source", s.to);
  if (s.mark !== undefined) w.push("--set-mark", String(s.mark));
  return w;
}

/**
 * One iptables command on the rule, in its table (natTable): -A adds, -C checks (exit 0 present, 1 absent), -D
 * deletes one copy. `-w` waits for the xtables lock.
 */
export function natCommand(op: "-A" | "-C" | "-D", s: NatSpec): string {
  return command("iptables", "-w", "-t", natTable(s), op, s.chain, ...ruleArgs(s));
}

/** Adds the rule unless it is already there (never a duplicate). */
export function ensureNatCommand(s: NatSpec): string {
  return `${natCommand("-C", s)} >/dev/null 2>&1 || ${natCommand("-A", s)}`;
}

/** Deletes every copy of the rule; succeeds when there is none. */
export function removeNatCommand(s: NatSpec): string {
  return `while ${natCommand("-C", s)} >/dev/null 2>&1; do ${natCommand("-D", s)} || break; done`;
}

export function natUnitName(name: string): string {
  return `pulumi-lvs-nat-${name}.service`;
}

/** A systemd oneshot unit that adds the rule at boot if it is missing (after the firewall services that flush rule sets). */
export function renderNatUnit(s: NatSpec): string {
  return [
    "# Managed by pulumi-lvs (NatRule). Changes here are overwritten.",
    "[Unit]",
    `Description=pulumi-lvs ${natTable(s) === "nat" ? "NAT" : "mangle"} rule ${s.name} (${s.chain} -j ${s.target})`,
    "After=network.target nftables.service netfilter-persistent.service firewalld.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/bin/sh -c ${JSON.stringify(ensureNatCommand(s))}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
