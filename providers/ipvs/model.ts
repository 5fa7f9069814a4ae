// IPVS entries as ipvsadm sees them. Field names follow ipvsadm's options.
import { hostPort } from "../common/net";

export const PROTOCOLS = ["tcp", "udp", "sctp", "fwmark"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The 13 schedulers ipvsadm knows. */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** Scheduler flags (-b); sh-* apply to sh, mh-* to mh, flag-N to any. */
export const SCHED_FLAGS = ["sh-fallback", "sh-port", "mh-fallback", "mh-port", "flag-1", "flag-2", "flag-3"] as const;
export type SchedFlag = (typeof SCHED_FLAGS)[number];

export const METHODS = ["masq", "route", "tunnel"] as const;
/** Forwarding method: masq = NAT (-m), route = DR (-g), tunnel = IP-in-IP and others (-i). */
export type Method = (typeof METHODS)[number];

export const TUN_TYPES = ["ipip", "gue", "gre"] as const;
export type TunType = (typeof TUN_TYPES)[number];

/** What identifies a virtual service: protocol + address + port, or a firewall mark. */
export interface ServiceKey {
  protocol: Protocol;
  /** IPv4 or IPv6 address (not for fwmark). */
  address?: string;
  /** 0..65535; 0 only with persistence ("all ports"). Not for fwmark. */
  port?: number;
  /** Firewall mark (fwmark services only). */
  fwmark?: number;
  /** Address family of an fwmark service. Default inet. */
  family?: "inet" | "inet6";
}

export interface VirtualService extends ServiceKey {
  scheduler: Scheduler;
  schedFlags: SchedFlag[];
  /** Persistence timeout in seconds (-p); undefined = not persistent. */
  persistence?: number;
  /** Persistence netmask (-M), IPv4 dotted mask or IPv6 prefix length. */
  netmask?: string;
  /** One-packet scheduling (-o), UDP only. */
  onePacket: boolean;
}

export interface RealServer {
  service: ServiceKey;
  address: string;
  /** Defaults to the service port (required equal for route/tunnel). */
  port?: number;
  method: Method;
  /** 0..65535; 0 quiesces the server (no new connections). */
  weight: number;
  /** Upper connection threshold (-x); 0 = none. */
  upperThreshold: number;
  /** Lower connection threshold (-y); 0 = none. */
  lowerThreshold: number;
  tunType?: TunType;
  tunPort?: number;
  tunNoCsum?: boolean;
  tunCsum?: boolean;
  tunRemCsum?: boolean;
}

/** A host's whole IPVS table. */
export interface IpvsTable {
  services: VirtualService[];
  servers: RealServer[];
}

/** The text ipvsadm uses for a service address: 1.2.3.4:80, [2001:db8::1]:80 or a mark. */
export function serviceKeyText(k: ServiceKey): string {
  if (k.protocol === "fwmark") return `fwmark ${k.fwmark}`;
  return `${k.protocol} ${hostPort(k.address ?? "", k.port ?? 0)}`;
}

export { hostPort };

/** Canonical form of an address for comparisons (IPv6 compressed lower case). */
export function canonicalAddress(a: string): string {
  if (!a.includes(":")) return a;
  const { isIPv6 } = require("node:net") as typeof import("node:net");
  if (!isIPv6(a)) return a.toLowerCase();
  // Expand then compress, the way ipvsadm prints it.
  const [head, tail = ""] = a.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const parts = groups.map((g) => g.replace(/^0+(?=.)/, ""));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (parts[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(":");
  return `${parts.slice(0, best).join(":")}::${parts.slice(best + bestLen).join(":")}`;
}

export function sameKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === "fwmark") return a.fwmark === b.fwmark && (a.family ?? "inet") === (b.family ?? "inet");
  return canonicalAddress(a.address ?? "") === canonicalAddress(b.address ?? "") && (a.port ?? 0) === (b.port ?? 0);
}
