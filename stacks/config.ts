// A stack's settings, read from its config (`pulumi-lvs:<key>`), each with a
// type, a description and a default or "required". Every failure is collected
// and reported at once, at preview, naming the key, the value it got and what
// is allowed; nothing reaches a host before that.
import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { isUnicast } from "../providers/common/check";
import { IFACE } from "../providers/common/net";

/** The config namespace of every key: the project's name. */
export const NAMESPACE = "pulumi-lvs";

/** One key: how it is read and documented (docs/configuration.md is generated from these). */
export interface KeySpec {
  key: string;
  type: "string" | "integer" | "boolean" | "address" | "interface" | "integers";
  description: string;
  /** Absent: the key is required for the topologies that read it. */
  default?: string | number | boolean | number[];
  /** string: the allowed values. */
  allowed?: readonly string[];
  /** integer(s): the range. */
  min?: number;
  max?: number;
}

/** Where values come from: the stack's config by default; a map in tests. */
export type ConfigSource = (key: string) => string | undefined;

function pulumiSource(): ConfigSource {
  const cfg = new pulumi.Config(NAMESPACE);
  return (key) => cfg.get(key);
}

const show = (v: string) => JSON.stringify(v);

/** Reads typed keys, collecting failures; `done()` throws them all at once. */
export class StackConfig {
  readonly failures: string[] = [];

  constructor(
    readonly topology: string,
    private readonly source: ConfigSource = pulumiSource(),
  ) {}

  private raw(spec: KeySpec): string | undefined {
    const v = this.source(spec.key);
    if (v === undefined || v === "") {
      if (spec.default === undefined) this.fail(spec, "is required", undefined);
      return undefined;
    }
    return v;
  }

  private fail(spec: KeySpec, what: string, got: string | undefined): void {
    this.failures.push(
      `${NAMESPACE}:${spec.key} ${what}${got === undefined ? "" : `; got ${show(got)}`} (${spec.description}; set it with \`pulumi config set ${NAMESPACE}:${spec.key} <value>\`)`,
    );
  }

  string(spec: KeySpec): string {
    const v = this.raw(spec);
    if (v === undefined) return String(spec.default ?? "");
    if (spec.allowed && !spec.allowed.includes(v)) this.fail(spec, `must be one of ${spec.allowed.join(", ")}`, v);
    return v;
  }

  integer(spec: KeySpec): number {
    const v = this.raw(spec);
    if (v === undefined) return Number(spec.default ?? 0);
    const n = Number(v);
    const [min, max] = [spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER];
    if (!/^-?\d+$/.test(v) || n < min || n > max) this.fail(spec, `must be an integer ${min}..${max}`, v);
    return n;
  }

  boolean(spec: KeySpec): boolean {
    const v = this.raw(spec);
    if (v === undefined) return spec.default === true;
    if (v !== "true" && v !== "false") this.fail(spec, "must be true or false", v);
    return v === "true";
  }

  /** A unicast IPv4 or IPv6 address (no zone id). */
  address(spec: KeySpec): string {
    const v = this.raw(spec);
    if (v === undefined) return String(spec.default ?? "");
    if (v.includes("%") || net.isIP(v) === 0 || !isUnicast(v))
      this.fail(spec, "must be a unicast IPv4 or IPv6 address (no zone id, prefix or port)", v);
    return v;
  }

  interface(spec: KeySpec): string {
    const v = this.raw(spec);
    if (v === undefined) return String(spec.default ?? "");
    if (!IFACE.test(v)) this.fail(spec, "must be an interface name of 1..15 letters, digits, '_', '-', '.' (not starting with '-')", v);
    return v;
  }

  /** A JSON list of integers, e.g. [2,3]. */
  integers(spec: KeySpec): number[] {
    const v = this.raw(spec);
    if (v === undefined) return (spec.default as number[] | undefined) ?? [];
    const [min, max] = [spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER];
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((n) => Number.isInteger(n) && n >= min && n <= max)) {
      this.fail(spec, `must be a JSON list of integers ${min}..${max}, e.g. [2,3]`, v);
      return [];
    }
    return parsed as number[];
  }

  /** Reads a key by its type. */
  read(spec: KeySpec): string | number | boolean | number[] {
    switch (spec.type) {
      case "string":
        return this.string(spec);
      case "integer":
        return this.integer(spec);
      case "boolean":
        return this.boolean(spec);
      case "address":
        return this.address(spec);
      case "interface":
        return this.interface(spec);
      case "integers":
        return this.integers(spec);
    }
  }

  /** Throws every failure at once, naming the topology. */
  done(): void {
    if (this.failures.length) throw new Error(`topology ${this.topology}: invalid stack config:\n  - ${this.failures.join("\n  - ")}`);
  }
}

/** Keys every topology that has the thing names the same way. */
export const COMMON_KEYS = {
  topology: {
    key: "topology",
    type: "string",
    description: "the topology this stack deploys (see docs/configuration.md)",
  },
  inventory: {
    key: "inventory",
    type: "string",
    description: "path of the Ansible inventory (YAML or INI) naming the hosts by group; default: the running lab's",
    default: "",
  },
  vip: { key: "vip", type: "address", description: "the virtual IP clients connect to" },
  interface: {
    key: "interface",
    type: "interface",
    description: "the directors' interface on the VIP's segment",
    default: "eth0",
  },
  scheduler: {
    key: "scheduler",
    type: "string",
    description: "the IPVS scheduler",
    default: "rr",
    allowed: ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"],
  },
  port: { key: "port", type: "integer", description: "the service port on the VIP", default: 80, min: 1, max: 65535 },
  weights: {
    key: "weights",
    type: "integers",
    description: "the real servers' weights, in inventory order (default 1 each)",
    default: [],
    min: 0,
    max: 65535,
  },
  vipPrefix: {
    key: "vipPrefix",
    type: "integer",
    description: "prefix length of the VIP on the directors' interface",
    default: 32,
    min: 1,
    max: 128,
  },
} as const satisfies Record<string, KeySpec>;

/** The keys of an LVS-DR service: the VIP on the directors' interface, the scheduler and the port. */
export const DR_KEYS = {
  vip: COMMON_KEYS.vip,
  interface: COMMON_KEYS.interface,
  vipPrefix: COMMON_KEYS.vipPrefix,
  scheduler: COMMON_KEYS.scheduler,
  port: COMMON_KEYS.port,
} as const satisfies Record<string, KeySpec>;

/** The keys of a keepalived VRRP pair (MASTER and BACKUP). */
export const VRRP_KEYS = {
  virtualRouterId: {
    key: "virtualRouterId",
    type: "integer",
    description: "the VRRP virtual_router_id, unique on the segment",
    default: 51,
    min: 1,
    max: 255,
  },
  masterPriority: { key: "masterPriority", type: "integer", description: "the MASTER's VRRP priority", default: 120, min: 1, max: 254 },
  backupPriority: { key: "backupPriority", type: "integer", description: "the BACKUP's VRRP priority", default: 100, min: 1, max: 254 },
  authType: {
    key: "authType",
    type: "string",
    description: "VRRP authentication (the pass is generated and kept secret in state)",
    default: "PASS",
    allowed: ["PASS", "AH"],
  },
  advertInt: { key: "advertInt", type: "integer", description: "seconds between VRRP adverts", default: 1, min: 1, max: 255 },
} as const satisfies Record<string, KeySpec>;

/** Health checks of real servers (keepalived TCP_CHECK, HAProxy check). */
export const CHECK_KEYS = {
  checkInterval: {
    key: "checkInterval",
    type: "integer",
    description: "seconds between health checks of each real server",
    default: 2,
    min: 1,
    max: 3600,
  },
  checkTimeout: { key: "checkTimeout", type: "integer", description: "seconds a health check waits", default: 3, min: 1, max: 3600 },
  checkRetries: {
    key: "checkRetries",
    type: "integer",
    description: "failed checks before a real server is taken out",
    default: 3,
    min: 1,
    max: 100,
  },
} as const satisfies Record<string, KeySpec>;

/** The keys of a firewall-mark service: the mark, the ports it groups on the VIP and its persistence timeout. */
export const FWMARK_KEYS = {
  fwmark: {
    key: "fwmark",
    type: "integer",
    description: "the firewall mark the director's MARK rule sets on the VIP's ports and the IPVS service takes (ipvsadm -f)",
    default: 1,
    min: 1,
    max: 4294967295,
  },
  ports: {
    key: "ports",
    type: "integers",
    description: "the VIP's TCP ports grouped into the one firewall-mark service (1 to 15, distinct; each real server serves every one)",
    default: [80, 8080],
    min: 1,
    max: 65535,
  },
  persistence: {
    key: "persistence",
    type: "integer",
    description: "seconds one client's connections, to any of the ports, go to the same real server (ipvsadm -p)",
    default: 60,
    min: 1,
    max: 2678400,
  },
} as const satisfies Record<string, KeySpec>;

/** The keys of an LVS-DR service on an IPv6 VIP (dr-ipv6): the DR keys; the VIP's prefix on the director defaults to 64. */
export const DR_IPV6_KEYS = {
  ...DR_KEYS,
  vipPrefix: {
    ...COMMON_KEYS.vipPrefix,
    description: "prefix length of the IPv6 VIP on the director's interface: the segment's (64) or 128, not broader than the segment",
    default: 64,
  },
} as const satisfies Record<string, KeySpec>;
