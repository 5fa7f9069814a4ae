// GeneratedSecret: a random string generated once and kept secret in state;
// it touches no host. Changing length, characters or keepers generates a new one.
//
// Retired: the stacks use @pulumi/random's RandomPassword (its plugin is built
// by `npm run setup`). It stays so that stacks deployed with it keep working
// until `npm run migrate` moves their values onto RandomPasswords (a VRRP
// password that changed would be applied to one director after the other).
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { Checker, known, show } from "../common/check";
import { stable } from "../common/diff";

export interface GeneratedSecretArgs {
  /** Length, 1..256. keepalived's auth_pass takes at most 8. Required. */
  length: pulumi.Input<number>;
  /** Characters to draw from. Default letters and digits. */
  characters?: pulumi.Input<string>;
  /** Arbitrary values; changing any of them generates a new secret. Default: none. */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface Props {
  length: number;
  characters?: string;
  keepers?: Record<string, string>;
  /** The generated string (secret). */
  value?: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters of `chars`, uniformly (rejection sampling over random bytes). */
export function generate(length: number, chars: string, bytes: (n: number) => Buffer): string {
  const limit = 256 - (256 % chars.length);
  let out = "";
  while (out.length < length) {
    for (const b of bytes(length * 2)) {
      if (b < limit && out.length < length) out += chars[b % chars.length];
    }
  }
  return out;
}

export const GENERATED_SECRET = defineKind<Props>({
  type: "GeneratedSecret",
  fields: { replace: ["length", "characters", "keepers"], output: ["value"], secret: ["value"] },
  file: __filename,
  connection: false,
  notes: "retired from the stacks; `npm run migrate` moves each value onto a `random.RandomPassword`",
  check: (p) => {
    const c = new Checker();
    c.int("length", p.length, 1, 256);
    if (p.characters !== undefined && (typeof p.characters !== "string" || p.characters.length < 2 || /[\s"'\\{}#]/.test(p.characters))) {
      c.fail("characters", "characters must be at least 2 characters without whitespace, quotes, '\\', '{', '}' or '#'");
    }
    const keepers = c.record("keepers", p.keepers, "a map of names to strings (a change generates a new value)");
    for (const [k, v] of Object.entries(keepers ?? {})) {
      if (known(v) && typeof v !== "string") c.fail(`keepers.${k}`, `keepers.${k} must be a string; got ${show(v)}`);
    }
    return c.failures;
  },
});

export const generatedSecretProvider = kindProvider<Props>(GENERATED_SECRET, {
  async create(inputs) {
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const value = generate(inputs.length, inputs.characters ?? ALNUM, (n) => crypto.randomBytes(n));
    return {
      id: crypto
        .createHash("sha256")
        .update(stable(inputs) + value)
        .digest("hex")
        .slice(0, 16),
      outs: { ...inputs, value },
    };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
});

/** A random string, generated once, secret in state. */
export class GeneratedSecret extends LvsResource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(GENERATED_SECRET, generatedSecretProvider, name, args, opts);
  }
}
