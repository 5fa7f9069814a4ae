// Each kind's derived diff against its declaration: a change of a `replace`
// field replaces (that field alone), a change of an `update` field updates in
// place, the connection's host and port replace as "connection", its
// credentials update in place. And providers/index.ts exports exactly the
// registry's classes.
import { strict as assert } from "node:assert";
import * as index from "../../providers";
import { fieldsOf, providerExport, secretOutputs } from "../../providers/common/define";
import { KIND_NAMES, KindName, KINDS } from "../../providers/registry";

const conn = { host: "10.0.0.1", port: 22, user: "root", hostKeySha256: "SHA256:" + "A".repeat(43) };
const key = { protocol: "tcp", address: "12.0.0.20", port: 80 };
const vrrp = {
  name: "VI_1",
  state: "MASTER",
  interface: "ens33",
  virtualRouterId: 51,
  priority: 100,
  virtualIpaddress: [{ address: "192.168.118.100" }],
};

/** A valid input per kind, and another value for each replace and update field. */
const samples: Record<KindName, { base: Record<string, unknown>; alt: Record<string, unknown> }> = {
  IpvsService: {
    base: { connection: conn, protocol: "tcp", address: "12.0.0.20", port: 80, scheduler: "rr" },
    alt: {
      protocol: "udp",
      address: "12.0.0.21",
      port: 81,
      fwmark: 3,
      family: "inet6",
      scheduler: "wrr",
      schedFlags: ["flag-1"],
      persistence: 30,
      netmask: "255.255.255.0",
      onePacket: true,
    },
  },
  IpvsRealServer: {
    base: { connection: conn, service: key, address: "192.168.1.2", weight: 2 },
    alt: {
      service: { ...key, address: "12.0.0.21" },
      address: "192.168.1.3",
      port: 8080,
      method: "masq",
      weight: 3,
      upperThreshold: 10,
      lowerThreshold: 5,
      tunType: "gue",
      tunPort: 6080,
      gracefulDeleteTimeoutSeconds: 20,
    },
  },
  VipAlias: {
    base: { connection: conn, address: "12.0.0.100", interface: "ens33", label: "ens33:0" },
    alt: {
      address: "12.0.0.101",
      prefix: 24,
      interface: "ens36",
      label: "ens33:1",
      hostRoute: true,
      gratuitousArp: true,
      linkUp: true,
      persist: false,
    },
  },
  SysctlSet: {
    base: { connection: conn, name: "x", values: { "net.ipv4.ip_forward": "1" } },
    alt: { name: "y", values: { "net.ipv4.ip_forward": "0" }, persist: false },
  },
  NatRule: {
    base: {
      connection: conn,
      name: "inside",
      chain: "POSTROUTING",
      target: "SNAT",
      source: "192.168.118.0/24",
      outInterface: "ens36",
      to: "12.0.0.20",
    },
    alt: {
      name: "other",
      chain: "PREROUTING",
      target: "MASQUERADE",
      source: "192.168.0.0/16",
      destination: "12.0.0.20",
      outInterface: "ens37",
      inInterface: "ens33",
      protocol: "tcp",
      port: 80,
      to: "12.0.0.21",
      ports: [80, 8080],
      mark: 7,
      persist: false,
    },
  },
  KernelModule: {
    base: { connection: conn, name: "ipip" },
    alt: { name: "ip_gre", persist: false },
  },
  Route: {
    base: { connection: conn, destination: "default", via: "192.168.118.20" },
    alt: { destination: "10.0.0.0/8", via: "192.168.118.21", dev: "ens33", persist: false },
  },
  KeepalivedInstance: {
    base: { connection: conn, name: "lvs", vrrp },
    alt: {
      name: "other",
      globalDefs: { routerId: "LVS_1" },
      scripts: [{ name: "chk", script: "true" }],
      vrrp: { ...vrrp, priority: 90 },
      virtualServers: [],
      readiness: { timeoutSeconds: 5 },
    },
  },
  HaproxyListener: {
    base: { connection: conn, name: "web", bind: [{ port: 80 }], servers: [{ name: "rs1", address: "192.168.118.30", port: 80 }] },
    alt: {
      name: "other",
      style: "frontend-backend",
      mode: "tcp",
      bind: [{ port: 81 }],
      balance: "static-rr",
      servers: [],
      httpCheck: { uri: "/" },
      timeouts: { connect: "5s" },
      maxconn: 10,
      retries: 2,
      redispatch: true,
      forwardFor: true,
      readiness: { timeoutSeconds: 5 },
    },
  },
  NginxSite: {
    base: { connection: conn, name: "web", locations: [{ match: "/" }] },
    alt: {
      name: "other",
      listen: 8080,
      defaultServer: true,
      serverName: ["a"],
      root: "/srv",
      index: ["index.html"],
      upstreams: [],
      locations: [],
      readiness: { timeoutSeconds: 5 },
    },
  },
  TomcatApp: {
    base: { connection: conn, name: "app", path: "", docBase: "/srv/app", files: { "index.jsp": "x" } },
    alt: {
      name: "other",
      path: "/x",
      docBase: "/srv/other",
      unit: "tomcat9",
      contextDir: "/etc/tomcat9/Catalina/localhost",
      files: { "index.jsp": "y" },
      reloadable: false,
      readiness: { timeoutSeconds: 5 },
    },
  },
  ManagedFile: {
    base: { connection: conn, path: "/etc/x", content: "x" },
    alt: { path: "/etc/y", content: "y", mode: "0600", owner: "www-data", validate: "sh -n %s", reload: "true" },
  },
  Package: { base: { connection: conn, names: ["nginx"] }, alt: { names: ["nginx", "curl"], removeOnDelete: true } },
  SystemdService: {
    base: { connection: conn, unit: "nginx" },
    alt: { unit: "haproxy", enabled: false, running: false, readiness: { timeoutSeconds: 30 } },
  },
  GeneratedSecret: { base: { length: 8 }, alt: { length: 9, characters: "ab", keepers: { a: "1" } } },
};

describe("resource declarations", () => {
  for (const k of KIND_NAMES) {
    const { decl, provider } = KINDS[k];
    const { base, alt } = samples[k];

    it(`${k}: the pure check accepts the sample, and each declared field has another value here`, async () => {
      assert.deepEqual(await provider.check!({}, base), { inputs: base });
      assert.deepEqual(Object.keys(alt).sort(), [...fieldsOf(decl, "replace"), ...fieldsOf(decl, "update")].sort());
    });

    it(`${k}: replace fields replace, update fields update in place, as declared`, async () => {
      for (const f of fieldsOf(decl, "replace")) {
        const d = await provider.diff!("id", base, { ...base, [f]: alt[f] });
        assert.equal(d.changes, true, `${k}.${f}`);
        assert.deepEqual(d.replaces, [f], `${k}.${f} replaces`);
      }
      for (const f of fieldsOf(decl, "update")) {
        const d = await provider.diff!("id", base, { ...base, [f]: alt[f] });
        assert.equal(d.changes, true, `${k}.${f}`);
        assert.deepEqual(d.replaces, [], `${k}.${f} updates in place`);
      }
    });

    if (decl.connection !== false) {
      it(`${k}: the connection's host and port replace, its credentials update in place, and it is a secret output`, async () => {
        for (const c of [{ host: "10.0.0.2" }, { port: 2222 }]) {
          const d = await provider.diff!("id", base, { ...base, connection: { ...conn, ...c } });
          assert.deepEqual([d.changes, d.replaces], [true, ["connection"]], JSON.stringify(c));
        }
        for (const c of [{ user: "admin" }, { privateKey: "k" }, { hostKeySha256: undefined }]) {
          const d = await provider.diff!("id", base, { ...base, connection: { ...conn, ...c } });
          assert.deepEqual([d.changes, d.replaces], [true, []], JSON.stringify(c));
        }
        assert.ok(secretOutputs(decl).includes("connection"));
      });
    }
  }

  // What existing stacks' state holds: the type token pulumi-nodejs:dynamic/pulumi-lvs:<type> and the
  // provider stub's module and export. Changing either would replace every deployed resource of the kind.
  const inState: Record<KindName, string> = {
    IpvsService: "providers/ipvs/service.ts#ipvsServiceProvider",
    IpvsRealServer: "providers/ipvs/realServer.ts#ipvsRealServerProvider",
    VipAlias: "providers/vip/vipAlias.ts#vipAliasProvider",
    SysctlSet: "providers/sysctl/sysctlSet.ts#sysctlSetProvider",
    NatRule: "providers/nat/natRule.ts#natRuleProvider",
    Route: "providers/route/route.ts#routeProvider",
    KernelModule: "providers/module/kernelModule.ts#kernelModuleProvider",
    KeepalivedInstance: "providers/keepalived/keepalivedInstance.ts#keepalivedInstanceProvider",
    HaproxyListener: "providers/haproxy/haproxyListener.ts#haproxyListenerProvider",
    NginxSite: "providers/nginx/nginxSite.ts#nginxSiteProvider",
    TomcatApp: "providers/tomcat/tomcatApp.ts#tomcatAppProvider",
    ManagedFile: "providers/files/managedFile.ts#managedFileProvider",
    Package: "providers/system/package.ts#packageProvider",
    SystemdService: "providers/system/systemdService.ts#systemdServiceProvider",
    GeneratedSecret: "providers/secret/generatedSecret.ts#generatedSecretProvider",
  };
  it("the type tokens and provider references are the ones in existing stacks' state", () => {
    for (const k of KIND_NAMES) {
      const { decl, provider } = KINDS[k];
      assert.equal(decl.type, k);
      assert.equal(`${decl.file.slice(decl.file.lastIndexOf("/providers/") + 1)}#${providerExport(decl)}`, inState[k]);
      assert.equal((require(decl.file) as Record<string, unknown>)[providerExport(decl)], provider);
    }
  });

  it("providers/index.ts exports exactly the registry's classes", () => {
    const classes = Object.entries(index).filter(([, v]) => typeof v === "function");
    assert.deepEqual(classes.map(([n]) => n).sort(), [...KIND_NAMES].sort());
    for (const [n, v] of classes) assert.equal(v, KINDS[n as KindName].cls, n);
  });
});
