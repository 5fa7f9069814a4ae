// The engine-floor benchmark's Pulumi program (run by bench/floor.ts): the
// scale stack's shape (stacks/scale.ts), `floor:services` services of
// `floor:serversPerService` real servers each, every one a dynamic resource
// whose provider does nothing. Inputs have the real kinds' fields and sizes,
// and each `__provider` is padded to `floor:*ProviderBytes` characters (the
// size of the real kind's provider stub in state), so the engine registers,
// diffs, calls and checkpoints what it does for the real stack, minus the hosts.
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Props = Record<string, unknown>;

/**
 * A provider that does nothing. Self-contained: the SDK serializes it by
 * value into every resource's state, with `pad`, whose only use is its size.
 */
function noopProvider(kind: string, replace: string[], update: string[], defaults: Props, pad: string): dynamic.ResourceProvider {
  const norm = (p: Props): Props => ({ ...defaults, ...p });
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return {
    async check(_olds: Props, news: Props) {
      return { inputs: news };
    },
    async diff(_id: string, olds: Props, news: Props) {
      const a = norm(olds);
      const b = norm(news);
      const changed = [...replace, ...update].filter((f) => !same(a[f], b[f]));
      const replaces = changed.filter((f) => replace.includes(f));
      const ca = (a.connection ?? {}) as Props;
      const cb = (b.connection ?? {}) as Props;
      if (ca.host !== cb.host || ca.port !== cb.port) replaces.push("connection");
      else if (!same(ca, cb)) changed.push("connection");
      return { changes: changed.length + replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(inputs: Props) {
      const c = (inputs.connection ?? {}) as Props;
      const svc = (inputs.service ?? inputs) as Props;
      const what = inputs.service
        ? `${inputs.address}:${svc.port} of tcp ${svc.address}:${svc.port}`
        : `tcp ${inputs.address}:${inputs.port}`;
      if (pad.length < 0) throw new Error(kind);
      return { id: `${c.user}@${c.host}:${c.port}/${what}`, outs: { ...norm(inputs) } };
    },
    async read(id: string, props?: Props) {
      return { id, props };
    },
    async update(_id: string, _olds: Props, news: Props) {
      return { outs: { ...norm(news) } };
    },
    async delete() {
      return;
    },
  };
}

/** The provider padded so that its serialized text has `target` characters (or as small as it can be). */
async function padded(target: number, make: (pad: string) => dynamic.ResourceProvider): Promise<dynamic.ResourceProvider> {
  const bare = make("");
  const base = (await pulumi.runtime.serializeFunction(() => bare, { allowSecrets: true })).text.length;
  return target > base ? make("x".repeat(target - base)) : bare;
}

class Noop extends pulumi.dynamic.Resource {
  constructor(provider: dynamic.ResourceProvider, type: string, name: string, props: Props, opts: pulumi.CustomResourceOptions) {
    super(provider, name, props, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", type);
  }
}

/** Key-shaped filler the size of an OpenSSH ed25519 private key file (the lab's key); no key at all. */
function keySized(): string {
  const body = Array.from({ length: 5 }, (_, i) => String.fromCharCode(65 + i).repeat(70)).join("\n");
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export = async () => {
  const cfg = new pulumi.Config("floor");
  const services = cfg.requireNumber("services");
  const per = cfg.requireNumber("serversPerService");
  const reweightPercent = cfg.getNumber("reweightPercent") ?? 0;
  const vip = "192.168.118.100";
  // What the lab's inventory gives the scale stack (stacks/inventory.ts hostConnection): one secret Output for all.
  const connection = pulumi.secret({
    host: "127.0.0.1",
    port: 2203,
    user: "root",
    privateKey: keySized(),
    hostKeySha256: `SHA256:${"A".repeat(43)}`,
  });
  const serviceProvider = await padded(cfg.getNumber("serviceProviderBytes") ?? 0, (pad) =>
    noopProvider(
      "IpvsService",
      ["protocol", "address", "port", "fwmark", "family"],
      ["scheduler", "persistence"],
      { protocol: "tcp" },
      pad,
    ),
  );
  const serverProvider = await padded(cfg.getNumber("serverProviderBytes") ?? 0, (pad) =>
    noopProvider(
      "IpvsRealServer",
      ["service", "address", "port"],
      ["method", "weight", "upperThreshold", "lowerThreshold", "tunType", "tunPort", "gracefulDeleteTimeoutSeconds"],
      { method: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0 },
      pad,
    ),
  );
  const every = reweightPercent > 0 ? Math.round(100 / reweightPercent) : 0;
  for (let s = 1; s <= services; s++) {
    const port = 8000 + s;
    const svc = new Noop(serviceProvider, "NoopIpvsService", `scale-${port}`, { connection, address: vip, port, scheduler: "wrr" }, {});
    const key = { protocol: "tcp", address: vip, port };
    for (let r = 1; r <= per; r++) {
      const index = (s - 1) * per + r;
      new Noop(
        serverProvider,
        "NoopIpvsRealServer",
        `scale-${port}-${r}`,
        { connection, service: key, address: `10.10.${s}.${r}`, method: "route", weight: every && index % every === 0 ? 2 : 1 },
        { dependsOn: [svc] },
      );
    }
  }
  return { realServers: services * per };
};
