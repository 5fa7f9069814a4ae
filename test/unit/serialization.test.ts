// Each resource stores its provider in state as a small stub that loads the
// provider's module when called (providers/common/providerRef.ts). Each stub
// is serialized here as the SDK does, loaded back in a fresh function scope,
// and its check() run, as the engine's provider process would.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { providerExport } from "../../providers/common/define";
import { providerRef } from "../../providers/common/providerRef";
import { KIND_NAMES, KindName, KINDS } from "../../providers/registry";

/** What the SDK stores in state as `__provider`. */
async function serialized(p: ResourceProvider) {
  return pulumi.runtime.serializeFunction(() => p, { isFactoryFunction: true });
}

async function roundTrip(p: ResourceProvider): Promise<ResourceProvider> {
  const sf = await serialized(p);
  const m: { exports: Record<string, unknown> } = { exports: {} };
  new Function("module", "exports", "require", sf.text)(m, m.exports, require);
  const f = m.exports[sf.exportName];
  return (typeof f === "function" ? (f as () => ResourceProvider)() : f) as ResourceProvider;
}

const conn = { host: "127.0.0.1", port: 2202, hostKeySha256: "SHA256:" + "A".repeat(43) };

/** One bad input per kind and the failure it must produce (typed by the registry: a new kind needs a case). */
const badInput: Record<KindName, [Record<string, unknown>, RegExp]> = {
  IpvsService: [{ connection: conn, address: "12.0.0.300", port: 80 }, /address must be an IPv4 or IPv6 address; got "12\.0\.0\.300"/],
  IpvsRealServer: [
    { connection: conn, service: { protocol: "tcp", address: "12.0.0.20", port: 80 }, address: "192.168.118.30", weight: 70000 },
    /weight must be an integer 0\.\.65535; got 70000/,
  ],
  SysctlSet: [{ connection: conn, name: "x", values: { "net.ipv4.ip_forward": "1; reboot" } }, /sysctl value must be/],
  VipAlias: [{ connection: conn, address: "12.0.0.100", interface: "ens36", label: "eth0:0" }, /label must be "ens36:<suffix>"/],
  ManagedFile: [{ connection: conn, path: "/etc/../shadow", content: "x" }, /path must not contain '\.' or '\.\.' segments/],
  KeepalivedInstance: [
    {
      connection: conn,
      name: "lvs",
      vrrp: {
        name: "VI_1",
        state: "MASTER",
        interface: "ens33",
        virtualRouterId: 256,
        priority: 100,
        virtualIpaddress: [{ address: "192.168.118.100" }],
      },
    },
    /virtualRouterId must be an integer 1\.\.255; got 256/,
  ],
  HaproxyListener: [
    {
      connection: conn,
      name: "web",
      bind: [{ port: 80 }],
      balance: "fastest",
      servers: [{ name: "rs1", address: "192.168.118.30", port: 80 }],
    },
    /balance must be one of roundrobin/,
  ],
  NginxSite: [{ connection: conn, name: "web", locations: [{ match: "/; include /etc/shadow" }] }, /locations\[0\]\.match/],
  TomcatApp: [{ connection: conn, name: "app", path: "", docBase: "/srv/app", files: { "../x": "y" } }, /files\["\.\.\/x"\]/],
  Package: [{ connection: conn, names: ["nginx; reboot"] }, /names\[0\] must be a Debian\/RPM package name/],
  SystemdService: [{ connection: conn, unit: "nginx service" }, /unit must be a systemd unit name/],
  GeneratedSecret: [{ length: 0 }, /length must be an integer 1\.\.256; got 0/],
  NatRule: [
    {
      connection: conn,
      name: "inside",
      chain: "POSTROUTING",
      target: "MASQUERADE",
      source: "192.168.118.0/24",
      outInterface: "ens36",
      to: "12.0.0.20",
    },
    /to is refused for MASQUERADE/,
  ],
  Route: [{ connection: conn, destination: "default", via: "192.168.118.20", dev: "ens33; reboot" }, /dev must be an interface name/],
  KernelModule: [{ connection: conn, name: "ipip; reboot" }, /name must be a kernel module name/],
};

/** The stub each resource class stores, from the registry (the provider's module and export name). */
const cases: [string, ResourceProvider, Record<string, unknown>, RegExp][] = KIND_NAMES.map((k) => {
  const { decl, provider } = KINDS[k];
  return [k, providerRef(decl.file, providerExport(decl), provider), ...badInput[k]];
});

describe("providers survive serialization", () => {
  it("each resource stores a small reference to its provider, not the provider's code", async () => {
    for (const [name, provider] of cases) {
      const text = (await serialized(provider)).text;
      assert.ok(text.length < 4000, `${name}: __provider is ${text.length} bytes`);
      assert.match(text, /providers\/[a-z]+\/[A-Za-z]+\.ts/, `${name}: refers to its module`);
    }
  });

  it("a stub whose recorded path is gone loads the module under the program's directory, or says where it looked", async () => {
    const impl = (require("../../providers/ipvs/service") as Record<string, ResourceProvider>).ipvsServiceProvider;
    const moved = await roundTrip(providerRef("/moved-away/providers/ipvs/service.ts", "ipvsServiceProvider", impl));
    const r = await moved.check!({}, { connection: conn, address: "12.0.0.300", port: 80 });
    assert.ok(
      r.failures?.some((f) => /12\.0\.0\.300/.test(f.reason)),
      JSON.stringify(r.failures),
    );
    const lost = await roundTrip(providerRef("/moved-away/providers/nowhere/gone.ts", "goneProvider", impl));
    await assert.rejects(
      Promise.resolve().then(() => lost.check!({}, {})),
      /providers\/nowhere\/gone\.ts is neither at \/moved-away\/providers\/nowhere\/gone\.ts nor under /,
    );
  });

  for (const [name, provider, bad, message] of cases) {
    it(`${name}: the serialized check() refuses bad input with its message`, async () => {
      const p = await roundTrip(provider);
      const r = await p.check!({}, bad);
      assert.ok(
        r.failures?.some((f) => message.test(f.reason)),
        JSON.stringify(r.failures),
      );
    });
  }
});
