// Input checking shared by every provider's `check`: failures name the
// property, the value and what is allowed; values unknown at preview are
// skipped (they are checked again when known).
import * as net from "node:net";

export interface CheckFailure {
  property: string;
  reason: string;
}

/** The value dynamic providers see for an input not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** A value given and known at this point: not undefined, null, or unknown at preview. */
export function known(v: unknown): boolean {
  return v !== undefined && v !== null && !isUnknown(v);
}

/** How a failure prints the value it refused: as JSON, but NaN, Infinity and undefined by name. */
export function show(v: unknown): string {
  return typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v));
}

/** A plain object (not null, not a list). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What no host can own or route to: unspecified, loopback, multicast, broadcast and reserved (240/4) addresses. */
const NOT_UNICAST = new net.BlockList();
for (const [a, n] of [
  ["0.0.0.0", 8],
  ["127.0.0.0", 8],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NOT_UNICAST.addSubnet(a, n, "ipv4");
NOT_UNICAST.addAddress("::", "ipv6");
NOT_UNICAST.addAddress("::1", "ipv6");
NOT_UNICAST.addSubnet("ff00::", 8, "ipv6");

/** A unicast address a host can own or route to (see NOT_UNICAST). */
export function isUnicast(address: string): boolean {
  const f = net.isIP(address);
  return f !== 0 && !NOT_UNICAST.check(address, f === 6 ? "ipv6" : "ipv4");
}

/** The line the providers' host scripts print between the sections of one command's output (`echo ${SEP}`). */
export const SEP = "__PULUMI_LVS_SEP__";

/** Collects failures; each rule is skipped when its value is undefined or unknown. */
export class Checker {
  readonly failures: CheckFailure[] = [];

  fail(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  oneOf<T extends string>(property: string, v: unknown, allowed: readonly T[]): v is T {
    if (!known(v)) return false;
    if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return true;
    this.fail(property, `${property} must be one of ${allowed.join(", ")}; got ${show(v)}`);
    return false;
  }

  int(property: string, v: unknown, min: number, max: number): boolean {
    if (!known(v)) return false;
    if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return true;
    this.fail(property, `${property} must be an integer ${min}..${max}; got ${show(v)}`);
    return false;
  }

  /**
   * An IP address of the family given (or either): a plain address, no zone id (`fe80::1%eth0`: ipvsadm, iptables
   * and keepalived cannot parse one), brackets or port. `unicast`: one a host can own or route to (not unspecified,
   * loopback, multicast, broadcast or reserved), as a VIP, a VRRP peer or a gateway must be.
   */
  ip(property: string, v: unknown, family?: 4 | 6, opts: { unicast?: boolean } = {}): boolean {
    if (!known(v)) return false;
    const what = `an ${family ? `IPv${family}` : "IPv4 or IPv6"} address`;
    const f = typeof v === "string" ? net.isIP(v) : 0;
    if (typeof v === "string" && v.includes("%")) {
      this.fail(
        property,
        `${property} must be ${what} without a zone id (the tools it goes to cannot parse "%<interface>"); got ${show(v)}`,
      );
      return false;
    }
    if (f === 0 || (family !== undefined && f !== family)) {
      this.fail(property, `${property} must be ${what}; got ${show(v)}`);
      return false;
    }
    if (opts.unicast && !isUnicast(v as string)) {
      this.fail(
        property,
        `${property} must be a unicast ${what.slice(3)} (not unspecified, loopback, multicast, broadcast or reserved); got ${show(v)}`,
      );
      return false;
    }
    return true;
  }

  /** A name-like word: letters, digits and `allowedExtra`; no spaces, quotes, newlines or shell syntax. */
  word(property: string, v: unknown, pattern: RegExp, describe: string): boolean {
    if (!known(v)) return false;
    if (typeof v === "string" && pattern.test(v)) return true;
    this.fail(property, `${property} must be ${describe}; got ${show(v)}`);
    return false;
  }

  /** true or false, nothing else (a string "no" or "false" is refused: it would be truthy). */
  bool(property: string, v: unknown): v is boolean {
    if (!known(v)) return false;
    if (typeof v === "boolean") return true;
    this.fail(property, `${property} must be true or false; got ${show(v)}`);
    return false;
  }

  /** An object: the object, or undefined when absent, unknown or refused (`describe` says what it must be). */
  record(property: string, v: unknown, describe: string): Record<string, unknown> | undefined {
    if (!known(v)) return undefined;
    if (isRecord(v)) return v;
    this.fail(property, `${property} must be ${describe}; got ${show(v)}`);
    return undefined;
  }

  /** A list with at least `min` entries: the list, or undefined when absent, unknown or refused. */
  list(property: string, v: unknown, min: number, what: string): unknown[] | undefined {
    if (!known(v)) return undefined;
    if (!Array.isArray(v)) {
      this.fail(property, `${property} must be a ${min > 0 ? "non-empty " : ""}list of ${what}; got ${show(v)}`);
      return undefined;
    }
    if (v.length < min) {
      this.fail(
        property,
        min === 1
          ? `${property} must be a non-empty list of ${what}; got []`
          : `${property} must hold at least ${min} ${what}; got ${v.length}`,
      );
      return undefined;
    }
    return v;
  }

  /**
   * A list of objects: `each` runs on every entry that is an object, with its path (`servers[1]`); an entry that is
   * not is refused as `describe`. Returns whether the list and all its entries are known (false at preview when
   * some are not), so that checks across entries can wait for them.
   */
  records(
    property: string,
    v: unknown,
    min: number,
    what: string,
    describe: string,
    each: (entry: Record<string, unknown>, path: string, index: number) => void,
  ): boolean {
    if (isUnknown(v)) return false;
    let allKnown = true;
    this.list(property, v, min, what)?.forEach((e, i) => {
      if (isUnknown(e)) {
        allKnown = false;
        return;
      }
      const r = this.record(`${property}[${i}]`, e, describe);
      if (r) each(r, `${property}[${i}]`, i);
    });
    return allKnown;
  }

  required(property: string, v: unknown): boolean {
    if (v === undefined || v === null || v === "") {
      this.fail(property, `${property} is required`);
      return false;
    }
    return true;
  }
}

/** A host name for SSH: dot-separated labels of letters, digits, '_' and '-', none starting with '-'. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*\.?$/;

/**
 * Checks the connection block every host resource takes; `property` is its path (`connection`, then
 * `connection.jump`, ... for the hosts it goes through), and every failure names the full path.
 */
export function checkConnection(c: Checker, conn: unknown, property = "connection"): void {
  if (isUnknown(conn)) return;
  if (!isRecord(conn)) {
    c.fail(
      property,
      `${property} is required: { host, port?, user?, privateKey? or privateKeyPath?, hostKeySha256?, jump?, ... }; got ${show(conn)}`,
    );
    return;
  }
  const k = conn;
  const at = (f: string) => `${property}.${f}`;
  if (c.required(at("host"), k.host) && !isUnknown(k.host)) {
    const h = k.host;
    if (!(typeof h === "string" && (HOST_NAME.test(h) || (net.isIP(h) !== 0 && !h.includes("%")))))
      c.fail(
        at("host"),
        `${at("host")} must be a host name or address (IPv4 or IPv6; no leading '-', zone id, spaces or quotes); got ${show(h)}`,
      );
  }
  c.int(at("port"), k.port, 1, 65535);
  c.word(at("user"), k.user, /^[a-z_][a-z0-9_.-]{0,31}$/i, "a user name of letters, digits, '_', '.', '-' (not starting with '-')");
  c.word(at("hostKeySha256"), k.hostKeySha256, /^SHA256:[A-Za-z0-9+/]{43}$/, "an OpenSSH fingerprint like SHA256:<43 base64 characters>");
  for (const f of ["privateKey", "privateKeyPassphrase", "password"]) {
    if (known(k[f]) && typeof k[f] !== "string") c.fail(at(f), `${at(f)} must be a string`); // secrets: never echoed
  }
  c.word(
    at("privateKeyPath"),
    k.privateKeyPath,
    /^(~\/|\/)[^\0\n\r]{0,4095}$/,
    "the path of a private key file on the machine running pulumi: absolute, or under the home directory as ~/...",
  );
  if (known(k.privateKey) && known(k.privateKeyPath))
    c.fail(at("privateKeyPath"), `${at("privateKey")} and ${at("privateKeyPath")} are both given: give the key text or its file, not both`);
  c.word(at("agent"), k.agent, /^\/[^\0\n]{0,4095}$/, "the absolute path of an ssh-agent socket");
  c.bool(at("trustOnFirstUse"), k.trustOnFirstUse);
  c.bool(at("sudo"), k.sudo);
  c.int(at("connectTimeoutMs"), k.connectTimeoutMs, 1, 3_600_000);
  c.int(at("retries"), k.retries, 0, 100);
  c.int(at("keepaliveIntervalMs"), k.keepaliveIntervalMs, 0, 3_600_000);
  const allowed = new Set([
    "host",
    "port",
    "user",
    "privateKey",
    "privateKeyPath",
    "privateKeyPassphrase",
    "password",
    "agent",
    "hostKeySha256",
    "trustOnFirstUse",
    "jump",
    "sudo",
    "connectTimeoutMs",
    "retries",
    "keepaliveIntervalMs",
  ]);
  for (const f of Object.keys(k)) {
    if (!allowed.has(f)) c.fail(at(f), `${at(f)} is not a connection setting; allowed: ${[...allowed].join(", ")}`);
  }
  if (known(k.jump)) checkConnection(c, k.jump, at("jump"));
}
