// GeneratedSecret: a random string generated once and kept secret in state;
// it touches no host. Changing length, characters or keepers generates a new one.
//
// Retired: the stacks use @pulumi/random's RandomPassword (its plugin is built
// by `npm run setup`). It stays so that stacks deployed with it keep working
// until `npm run migrate` moves their values onto RandomPasswords (a VRRP
// password that changed would be applied to one director after the other).
import * as pulumi from "@pulumi/pulumi";
import { Checker } from "../common/check";
import { changedProps, stable } from "../common/diff";
import { providerRef } from "../common/providerRef";

export interface GeneratedSecretArgs {
  /** Length, 1..256. keepalived's auth_pass takes at most 8. */
  length: pulumi.Input<number>;
  /** Characters to draw from. Default letters and digits. */
  characters?: pulumi.Input<string>;
  /** Arbitrary values; changing any of them generates a new secret. */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface Props {
  length: number;
  characters?: string;
  keepers?: Record<string, string>;
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

export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const c = new Checker();
    c.int("length", news.length, 1, 256);
    if (news.characters !== undefined && (typeof news.characters !== "string" || news.characters.length < 2 || /[\s"'\\{}#]/.test(news.characters))) {
      c.fail("characters", "characters must be at least 2 characters without whitespace, quotes, '\\', '{', '}' or '#'");
    }
    return c.failures.length ? { failures: c.failures } : { inputs: news };
  },
  async diff(_id, olds, news) {
    const { changed } = changedProps(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, { replace: ["length", "characters", "keepers"], update: [] });
    return { changes: changed.length > 0, replaces: changed };
  },
  async create(inputs) {
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const value = generate(inputs.length, inputs.characters ?? ALNUM, (n) => crypto.randomBytes(n));
    return { id: crypto.createHash("sha256").update(stable(inputs) + value).digest("hex").slice(0, 16), outs: { ...inputs, value } };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
};

/** A random string, generated once, secret in state. */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerRef(__filename, "generatedSecretProvider", generatedSecretProvider), name, { ...args, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] }, "pulumi-lvs", "GeneratedSecret");
  }
}
