// Dynamic-provider code runs from its serialized form (pulumi.runtime.serializeFunction),
// where class field initializers and module state are lost. Each provider is
// serialized here, loaded back, and its check() run, as the engine would.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { ipvsRealServerProvider } from "../../providers/ipvs/realServer";
import { ipvsServiceProvider } from "../../providers/ipvs/service";
import { sysctlSetProvider } from "../../providers/sysctl/sysctlSet";
import { vipAliasProvider } from "../../providers/vip/vipAlias";
import { managedFileProvider } from "../../providers/files/managedFile";
import { keepalivedInstanceProvider } from "../../providers/keepalived/keepalivedInstance";
import { haproxyListenerProvider } from "../../providers/haproxy/haproxyListener";
import { nginxSiteProvider } from "../../providers/nginx/nginxSite";
import { tomcatAppProvider } from "../../providers/tomcat/tomcatApp";
import { packageProvider } from "../../providers/system/package";
import { systemdServiceProvider } from "../../providers/system/systemdService";
import { generatedSecretProvider } from "../../providers/secret/generatedSecret";
import { natRuleProvider } from "../../providers/nat/natRule";
import { routeProvider } from "../../providers/route/route";

async function roundTrip(p: ResourceProvider): Promise<ResourceProvider> {
  const sf = await pulumi.runtime.serializeFunction(() => p, { isFactoryFunction: true });
  const m: { exports: Record<string, unknown> } = { exports: {} };
  new Function("module", "exports", "require", sf.text)(m, m.exports, require);
  const f = m.exports[sf.exportName];
  return (typeof f === "function" ? (f as () => ResourceProvider)() : f) as ResourceProvider;
}

const conn = { host: "127.0.0.1", port: 2202, hostKeySha256: "SHA256:" + "A".repeat(43) };

const cases: [string, ResourceProvider, Record<string, unknown>, RegExp][] = [
  ["IpvsService", ipvsServiceProvider, { connection: conn, address: "12.0.0.300", port: 80 }, /address must be an IPv4 or IPv6 address; got "12\.0\.0\.300"/],
  ["IpvsRealServer", ipvsRealServerProvider, { connection: conn, service: { protocol: "tcp", address: "12.0.0.20", port: 80 }, address: "192.168.118.30", weight: 70000 }, /weight must be an integer 0\.\.65535; got 70000/],
  ["SysctlSet", sysctlSetProvider, { connection: conn, name: "x", values: { "net.ipv4.ip_forward": "1; reboot" } }, /sysctl value must be/],
  ["VipAlias", vipAliasProvider, { connection: conn, address: "12.0.0.100", interface: "ens36", label: "eth0:0" }, /label must be "ens36:<suffix>"/],
  ["ManagedFile", managedFileProvider, { connection: conn, path: "/etc/../shadow", content: "x" }, /path must not contain '\.' or '\.\.' segments/],
  ["KeepalivedInstance", keepalivedInstanceProvider, { connection: conn, name: "lvs", vrrp: { name: "VI_1", state: "MASTER", interface: "ens33", virtualRouterId: 256, priority: 100, virtualIpaddress: [{ address: "192.168.118.100" }] } }, /virtualRouterId must be an integer 1\.\.255; got 256/],
  ["HaproxyListener", haproxyListenerProvider, { connection: conn, name: "web", bind: [{ port: 80 }], balance: "fastest", servers: [{ name: "rs1", address: "192.168.118.30", port: 80 }] }, /balance must be one of roundrobin/],
  ["NginxSite", nginxSiteProvider, { connection: conn, name: "web", locations: [{ match: "/; include /etc/shadow" }] }, /locations\[0\]\.match/],
  ["TomcatApp", tomcatAppProvider, { connection: conn, name: "app", path: "", docBase: "/srv/app", files: { "../x": "y" } }, /files\["\.\.\/x"\]/],
  ["Package", packageProvider, { connection: conn, names: ["nginx; reboot"] }, /names\[0\] must be a Debian\/RPM package name/],
  ["SystemdService", systemdServiceProvider, { connection: conn, unit: "nginx service" }, /unit must be a systemd unit name/],
  ["GeneratedSecret", generatedSecretProvider, { length: 0 }, /length must be an integer 1\.\.256; got 0/],
  ["NatRule", natRuleProvider, { connection: conn, name: "inside", chain: "POSTROUTING", target: "MASQUERADE", source: "192.168.118.0/24", outInterface: "ens36", to: "12.0.0.20" }, /to is refused for MASQUERADE/],
  ["Route", routeProvider, { connection: conn, destination: "default", via: "192.168.118.20", dev: "ens33; reboot" }, /dev must be an interface name/],
];

describe("providers survive serialization", () => {
  for (const [name, provider, bad, message] of cases) {
    it(`${name}: the serialized check() refuses bad input with its message`, async () => {
      const p = await roundTrip(provider);
      const r = await p.check!({}, bad);
      assert.ok(r.failures?.some((f) => message.test(f.reason)), JSON.stringify(r.failures));
    });
  }
});

describe("provider modules hold no module-level Set or Map", () => {
  // The serializer captures a module-level Set/Map as a plain object, and the
  // provider then fails at run time ("Set.prototype.has called on
  // incompatible receiver"): keep such constants as arrays or records.
  it("no top-level `const X = new Set(...)` / `new Map(...)` under providers/", () => {
    const fs = require("node:fs") as typeof import("node:fs");
    const path = require("node:path") as typeof import("node:path");
    const root = path.resolve(__dirname, "../../providers");
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".ts") && files.push(path.join(d, e.name))));
    walk(root);
    const offenders = files.flatMap((f) =>
      fs
        .readFileSync(f, "utf8")
        .split("\n")
        .map((line, i) => ({ line, where: `${path.relative(root, f)}:${i + 1}` }))
        .filter((x) => /^(export )?const \w+(: [^=]+)? = new (Set|Map)\b/.test(x.line))
        .map((x) => x.where),
    );
    assert.deepEqual(offenders, []);
  });
});
