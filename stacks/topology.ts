// What a topology reads: its config keys (stacks/config.ts) and its hosts,
// chosen by inventory group (Ansible patterns: `directors`, `directors[0]`,
// `realservers[0:1]`), never by host name. A topology says how many hosts of
// each role it takes; more or fewer is an error at preview naming the key,
// the pattern and the hosts it matched.
import { HostAddresses } from "./checks";
import { KeySpec, StackConfig } from "./config";
import { Host, HostSource } from "./hosts";
import { groupHosts, Inventory } from "./inventory";

/** The value type a key's spec reads to. */
export type ValueOf<S extends KeySpec> = S["type"] extends "integer"
  ? number
  : S["type"] extends "boolean"
    ? boolean
    : S["type"] extends "integers"
      ? number[]
      : string;

/** A role the topology fills from the inventory. */
export interface GroupSpec {
  /** Config key holding the host pattern, e.g. "directors". */
  key: string;
  description: string;
  /** The pattern used when the key is not set: the group of the same name. */
  default: string;
  min: number;
  /** Default: min (exactly). */
  max?: number;
}

/**
 * Hosts of `pattern` in the inventory: `g` (with its children's hosts), `g[i]` (negative counts from the end) or
 * `g[a:b]` (inclusive, as Ansible); a reason string when it matches no group.
 */
export function matchHosts(inv: Inventory, pattern: string): string[] | string {
  const m = /^([A-Za-z0-9_.-]+)(?:\[(-?\d+)(?::(-?\d*))?\])?$/.exec(pattern);
  if (!m) return "must be a group name, optionally with [i] or [a:b] as in Ansible";
  const known = new Set([...Object.keys(inv.groups), ...Object.keys(inv.children ?? {}), "all"]);
  if (!known.has(m[1])) return `names no inventory group (groups: ${[...known].sort().join(", ")})`;
  const members = groupHosts(inv, m[1]);
  if (m[2] === undefined) return members;
  const at = (i: number) => (i < 0 ? members.length + i : i);
  const a = at(Number(m[2]));
  const b = m[3] === undefined ? a : m[3] === "" ? members.length - 1 : at(Number(m[3]));
  return members.slice(a, b + 1);
}

/** A topology's view of its stack: typed config and its hosts by role. */
export class TopologyContext {
  constructor(
    readonly cfg: StackConfig,
    private readonly source: HostSource,
  ) {}

  /** Every key of `keys`, typed by its spec: `{ vip: string, port: number, ... }`. */
  values<K extends Record<string, KeySpec>>(keys: K): { [P in keyof K]: ValueOf<K[P]> } {
    return Object.fromEntries(Object.entries(keys).map(([name, spec]) => [name, this.cfg.read(spec)])) as {
      [P in keyof K]: ValueOf<K[P]>;
    };
  }

  /** The hosts of a role; a wrong count is a config failure (reported by cfg.done()). */
  hosts(spec: GroupSpec): Host[] {
    const pattern =
      this.cfg.string({ key: spec.key, type: "string", description: spec.description, default: spec.default }) || spec.default;
    const matched = matchHosts(this.source.inventory, pattern);
    const max = spec.max ?? spec.min;
    const want = max === spec.min ? `exactly ${spec.min}` : max === Infinity ? `at least ${spec.min}` : `${spec.min} to ${max}`;
    if (typeof matched === "string" && spec.min === 0 && pattern === spec.default && !/[[]/.test(pattern)) return [];
    if (typeof matched === "string") {
      this.cfg.failures.push(`pulumi-lvs:${spec.key} ${JSON.stringify(pattern)} ${matched} (${spec.description})`);
      return [];
    }
    if (matched.length < spec.min || matched.length > max) {
      this.cfg.failures.push(
        `pulumi-lvs:${spec.key} ${JSON.stringify(pattern)} matches ${matched.length} host(s) (${matched.join(", ") || "none"}); this topology takes ${want} (${spec.description})`,
      );
      return [];
    }
    return matched.map((n) => this.source.host(n));
  }

  /** Every inventory host but `used`, by name and addresses: the VIP must not be one of theirs either. */
  others(used: { name: string }[]): HostAddresses[] {
    const taken = new Set(used.map((h) => h.name));
    return Object.values(this.source.inventory.hosts)
      .filter((h) => !taken.has(h.name))
      .map((h) => ({ name: h.name, addresses: h.addresses }));
  }
}

/** The roles every topology names the same way (docs/configuration.md lists which topology takes which). */
export const ROLES = {
  directors: (description: string, count: number): GroupSpec => ({ key: "directors", description, default: "directors", min: count }),
  realservers: (description: string, min = 1, max = Infinity): GroupSpec => ({
    key: "realservers",
    description,
    default: "realservers",
    min,
    max,
  }),
  appservers: (description: string): GroupSpec => ({ key: "appservers", description, default: "appservers", min: 1, max: Infinity }),
  haproxies: (description: string): GroupSpec => ({ key: "haproxies", description, default: "haproxies", min: 2 }),
  clients: {
    key: "clients",
    description: "the host that runs the end-to-end check through the VIP (none: the check is not run)",
    default: "clients",
    min: 0,
    max: 1,
  } satisfies GroupSpec,
};
