// Network words the providers share: interface names, IPv4 addresses or
// CIDRs (NatRule's source and destination, Route's destination), and
// address:port as the tools print it.
import * as net from "node:net";
import { Checker } from "./check";

/**
 * An interface name as the kernel allows it (IFNAMSIZ, not "." or ".."), without iptables' '+' wildcard, and not
 * starting with '-': ip, iptables and arping would read it as an option.
 */
export const IFACE = /^(?!\.{1,2}$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;
export const IFACE_RULE = "an interface name of 1..15 letters, digits, '_', '-', '.' (not starting with '-', not . or ..)";

/** An IPv4 address or CIDR (a.b.c.d or a.b.c.d/n) with the host bits clear. */
export function checkIpv4Cidr(c: Checker, property: string, v: unknown, allowBare = true): boolean {
  const what = allowBare ? "an IPv4 address or CIDR such as 192.168.118.0/24" : "an IPv4 CIDR such as 10.0.0.0/8";
  if (!c.word(property, v, allowBare ? /^[0-9.]+(\/\d{1,2})?$/ : /^[0-9.]+\/\d{1,2}$/, what)) return false;
  const [addr, len] = (v as string).split("/");
  const prefix = len === undefined ? 32 : Number(len);
  if (!net.isIPv4(addr) || prefix > 32) {
    c.fail(property, `${property} must be ${what}; got ${JSON.stringify(v)}`);
    return false;
  }
  const bits = addr.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
  // Unsigned AND of two 32-bit values held in doubles.
  const network = (bits & mask) >>> 0;
  if (network !== bits) {
    const n = [24, 16, 8, 0].map((s) => (network >>> s) & 255).join(".");
    c.fail(property, `${property} has host bits set after /${prefix}: ${JSON.stringify(v)} (did you mean ${n}/${prefix}?)`);
    return false;
  }
  return true;
}

/** `address:port`, an IPv6 address in brackets ([2001:db8::1]:80), as ipvsadm, HAProxy and keepalived write it. */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
