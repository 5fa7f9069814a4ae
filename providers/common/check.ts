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

  ip(property: string, v: unknown, family?: 4 | 6): boolean {
    if (!known(v)) return false;
    const ok = typeof v === "string" && (family === 4 ? net.isIPv4(v) : family === 6 ? net.isIPv6(v) : net.isIP(v) !== 0);
    if (!ok) this.fail(property, `${property} must be an ${family ? `IPv${family}` : "IPv4 or IPv6"} address; got ${show(v)}`);
    return ok;
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

/** Checks the connection block every host resource takes. */
export function checkConnection(c: Checker, conn: unknown): void {
  if (isUnknown(conn)) return;
  if (!conn || typeof conn !== "object") {
    c.fail("connection", "connection is required: { host, port?, user?, privateKey?, hostKeySha256? }");
    return;
  }
  const k = conn as Record<string, unknown>;
  if (c.required("connection.host", k.host)) {
    c.word("connection.host", k.host, /^[A-Za-z0-9.:_-]+$/, "a host name or address");
  }
  c.int("connection.port", k.port, 1, 65535);
  c.word("connection.user", k.user, /^[a-z_][a-z0-9_.-]*$/i, "a user name");
  c.word(
    "connection.hostKeySha256",
    k.hostKeySha256,
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    "an OpenSSH fingerprint like SHA256:<43 base64 characters>",
  );
  if (k.jump !== undefined) checkConnection(c, k.jump);
}
