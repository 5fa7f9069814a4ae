// The keepalived core: golden renders of the seed's configurations and of an
// instance using every option, a table of refused inputs, a seeded injection
// property test over every string field, and unknown values at preview.
import { strict as assert } from "node:assert";
import { goldenFor } from "../support/golden";
import { prng } from "../support/prng";
import { UNKNOWN } from "../../providers/common/check";
import { checkKeepalivedInstance } from "../../providers/keepalived/check";
import { renderKeepalivedInstance, renderKeepalivedMain } from "../../providers/keepalived/render";
import { KeepalivedGlobalDefs, KeepalivedInstanceSpec, KeepalivedVirtualServer, LB_ALGOS } from "../../providers/keepalived/spec";

const golden = goldenFor("keepalived");

const clone = <T>(v: T): T => structuredClone(v);
const connection = { host: "192.168.118.10" };

// The CentOS sample global_defs the seed edits (smtp_server 127.0.0.1, router_id lvs_01). The seed also
// uncomments vrrp_strict, which keepalived 2.2 refuses together with authentication (`keepalived -t` exits 5:
// "Strict mode does not support authentication"), as check does below: the goldens are the seed without it.
function seedGlobalDefs(routerId: string): KeepalivedGlobalDefs {
  return {
    notificationEmail: ["acassen@firewall.loc", "failover@firewall.loc", "sysadmin@firewall.loc"],
    notificationEmailFrom: "Alexandre.Cassen@firewall.loc",
    smtpServer: "127.0.0.1",
    smtpConnectTimeout: 30,
    routerId,
    vrrpSkipCheckAdvAddr: true,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
  };
}

const seedVirtualServer: KeepalivedVirtualServer = {
  address: "192.168.118.100",
  port: 80,
  delayLoop: 6,
  lbAlgo: "rr",
  lbKind: "DR",
  persistenceTimeout: 0,
  protocol: "TCP",
  realServers: ["192.168.118.30", "192.168.118.40"].map((address) => ({
    address,
    port: 80,
    weight: 1,
    check: { type: "TCP_CHECK" as const, connectPort: 80, connectTimeout: 3, retry: 3, delayBeforeRetry: 4 },
  })),
};

/** Seed topology 3: the DR director pair with keepalived. */
function seedDirector(role: "MASTER" | "BACKUP"): KeepalivedInstanceSpec {
  return {
    name: "lvs-dr",
    globalDefs: seedGlobalDefs(role === "MASTER" ? "lvs_01" : "lvs_02"),
    vrrp: {
      name: "VI_1",
      state: role,
      interface: "ens33",
      virtualRouterId: 51,
      priority: role === "MASTER" ? 120 : 100,
      advertInt: 1,
      authentication: { type: "PASS", pass: "1111" },
      virtualIpaddress: [{ address: "192.168.118.100" }],
    },
    virtualServers: [seedVirtualServer],
  };
}

/**
 * Seed topology 5: keepalived + nginx with the check_nginx track script. Scripts need script security
 * (`keepalived -t` exits 6 without it), and Debian's keepalived is built for nftables (vrrp_iptables is
 * refused next to script security), so the golden enables the first and leaves out the second.
 */
const seedNginx: KeepalivedInstanceSpec = {
  name: "nginx-ha",
  globalDefs: { ...seedGlobalDefs("LVS_01"), enableScriptSecurity: true, scriptUser: "root" },
  scripts: [{ name: "check_nginx", script: "/usr/bin/curl -I http://localhost", interval: 5 }],
  vrrp: {
    name: "VI_1",
    state: "MASTER",
    interface: "ens33",
    virtualRouterId: 51,
    priority: 120,
    advertInt: 1,
    authentication: { type: "PASS", pass: "1111" },
    virtualIpaddress: [{ address: "192.168.118.100" }],
    trackScript: ["check_nginx"],
  },
};

/** Every field of every type (nopreempt together with preemptDelay, as asked, although check refuses that pair). */
const everyOption: KeepalivedInstanceSpec = {
  name: "edge_1.v2",
  globalDefs: {
    routerId: "edge-lb-1",
    notificationEmail: ["ops@example.com", "noc+lb@example.org"],
    notificationEmailFrom: "keepalived@lb1.example.com",
    smtpServer: "192.168.118.25",
    smtpConnectTimeout: 15,
    vrrpSkipCheckAdvAddr: true,
    vrrpStrict: false,
    vrrpGarpInterval: 0.001,
    vrrpGnaInterval: 0.5,
    enableScriptSecurity: true,
    scriptUser: "root",
  },
  scripts: [
    { name: "check_haproxy", script: "/usr/bin/pgrep -x haproxy", interval: 2, timeout: 3, weight: -20, fall: 3, rise: 2, user: "root" },
    { name: "chk_dns", script: "/usr/bin/dig +short @127.0.0.1 example.com", interval: 5 },
  ],
  vrrp: {
    name: "VI_EDGE",
    state: "BACKUP",
    interface: "ens33",
    virtualRouterId: 52,
    priority: 90,
    advertInt: 2,
    authentication: { type: "AH", pass: "k33p-al1" },
    virtualIpaddress: [
      { address: "12.0.0.100", prefix: 24, dev: "ens33", label: "ens33:0" },
      { address: "12.0.0.101", prefix: 24, label: "ens33:1" },
      { address: "192.168.118.100", prefix: 32, dev: "ens33" },
    ],
    trackScript: ["check_haproxy", "chk_dns"],
    trackInterface: ["ens33", "lo"],
    nopreempt: true,
    preemptDelay: 30,
    unicastSrcIp: "12.0.0.20",
    unicastPeer: ["12.0.0.21", "12.0.0.22"],
    garpMasterDelay: 5,
    notifyMaster: "/etc/keepalived/notify.sh master",
    notifyBackup: "/etc/keepalived/notify.sh backup",
    notifyFault: "/etc/keepalived/notify.sh fault",
    notify: "/usr/local/bin/vrrp-event --log /var/log/vrrp.log",
  },
  virtualServers: [
    {
      address: "12.0.0.100",
      port: 80,
      protocol: "TCP",
      delayLoop: 3,
      lbAlgo: "wlc",
      lbKind: "NAT",
      persistenceTimeout: 300,
      sorryServer: { address: "192.168.118.99", port: 8080 },
      realServers: [
        {
          address: "192.168.118.30",
          port: 8080,
          weight: 3,
          inhibitOnFailure: true,
          check: {
            type: "HTTP_GET",
            urls: [
              { path: "/index.html", statusCode: 200 },
              { path: "/health?full=1", digest: "9b3a0c85a887a256d6939da88aabd8cd", statusCode: 204 },
            ],
            connectPort: 8080,
            connectTimeout: 2.5,
            retry: 2,
            delayBeforeRetry: 1,
          },
        },
        { address: "192.168.118.40", port: 8080, weight: 0, check: { type: "TCP_CHECK", connectTimeout: 3 } },
      ],
    },
    {
      address: "12.0.0.100",
      port: 53,
      protocol: "UDP",
      lbAlgo: "sh",
      lbKind: "DR",
      realServers: [
        {
          address: "192.168.118.50",
          port: 53,
          check: { type: "TCP_CHECK", connectPort: 53, connectTimeout: 1, retry: 3, delayBeforeRetry: 2 },
        },
        { address: "192.168.118.60", port: 53 },
      ],
    },
  ],
};

/** everyOption without the refused nopreempt + preemptDelay pair: a valid spec using everything else. */
function validEvery(): KeepalivedInstanceSpec {
  const s = clone(everyOption);
  delete s.vrrp?.preemptDelay;
  return s;
}

const inputsOf = (spec: KeepalivedInstanceSpec): Record<string, unknown> => ({ connection, ...clone(spec) });

/** Sets a value at a path like `vrrp.virtualIpaddress[0].label` (undefined deletes). */
function setPath(root: Record<string, unknown>, p: string, value: unknown): Record<string, unknown> {
  const keys = p.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
  let o = root as Record<string, unknown> | unknown[];
  for (const k of keys.slice(0, -1)) o = (o as Record<string, unknown>)[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete (o as Record<string, unknown>)[last];
  else (o as Record<string, unknown>)[last] = value;
  return root;
}

/** Every path in a value (objects, arrays and leaves), with the leaf value. */
function paths(v: unknown, prefix = ""): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push({ path: `${prefix}[${i}]`, value: x }, ...paths(x, `${prefix}[${i}]`)));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push({ path: p, value: x }, ...paths(x, p));
    }
  }
  return out;
}

describe("keepalived core", () => {
  describe("render (golden files)", () => {
    it("renders the seed's DR director MASTER", () => {
      golden("seed-dr-master.conf", renderKeepalivedInstance(seedDirector("MASTER")));
    });

    it("renders the seed's DR director BACKUP", () => {
      golden("seed-dr-backup.conf", renderKeepalivedInstance(seedDirector("BACKUP")));
    });

    it("renders the seed's keepalived + nginx with the check_nginx track script", () => {
      golden("seed-nginx.conf", renderKeepalivedInstance(seedNginx));
    });

    it("renders an instance using every option", () => {
      golden("every-option.conf", renderKeepalivedInstance(everyOption));
    });

    it("renders the managed main file", () => {
      golden("keepalived.conf", renderKeepalivedMain("/etc/keepalived/conf.d/*.conf"));
      assert.throws(() => renderKeepalivedMain("/etc/keepalived/conf.d/*.conf\nvrrp_strict"), /include glob/);
      assert.throws(() => renderKeepalivedMain("conf.d/*.conf"), /include glob/);
    });

    it("is deterministic, uses keepalived 2.x keywords and keeps braces balanced", () => {
      for (const spec of [seedDirector("MASTER"), seedDirector("BACKUP"), seedNginx, everyOption]) {
        const text = renderKeepalivedInstance(spec);
        assert.equal(renderKeepalivedInstance(clone(spec)), text);
        assert.equal((text.match(/{/g) ?? []).length, (text.match(/}/g) ?? []).length);
        assert.doesNotMatch(text, /nb_get_retry|lvs_sched|lvs_method/);
        assert.ok(text.endsWith("}\n"));
      }
      const master = renderKeepalivedInstance(seedDirector("MASTER"));
      assert.match(master, /^ {4}TCP_CHECK {\n {6}connect_port 80\n {6}connect_timeout 3\n {6}retry 3\n {6}delay_before_retry 4\n {4}}$/m);
      // keepalived 2.2 rejects persistence_timeout 0 and vrrp_garp_interval 0 (both are the defaults): not rendered.
      assert.doesNotMatch(master, /persistence_timeout|vrrp_garp_interval|vrrp_gna_interval/);
      const every = renderKeepalivedInstance(everyOption);
      assert.match(every, /^ {4}12\.0\.0\.100\/24 dev ens33 label ens33:0$/m);
      assert.match(every, /^ {2}notify_master "\/etc\/keepalived\/notify\.sh master"$/m);
      assert.match(every, /^ {2}script "\/usr\/bin\/pgrep -x haproxy"$/m);
      // Section order: global_defs, vrrp_script(s), vrrp_instance, virtual_server(s).
      const order = [...every.matchAll(/^(global_defs|vrrp_script|vrrp_instance|virtual_server)\b/gm)].map((m) => m[1]);
      assert.deepEqual(order, ["global_defs", "vrrp_script", "vrrp_script", "vrrp_instance", "virtual_server", "virtual_server"]);
    });
  });

  describe("check", () => {
    it("accepts the seed's nginx pair and the valid every-option instance", () => {
      assert.deepEqual(checkKeepalivedInstance(inputsOf(validEvery())), []);
      assert.deepEqual(checkKeepalivedInstance(inputsOf(seedNginx)), []);
      assert.deepEqual(checkKeepalivedInstance(inputsOf(seedDirector("MASTER"))), []);
      assert.deepEqual(checkKeepalivedInstance(inputsOf({ ...seedDirector("BACKUP"), globalDefs: { routerId: "lvs_02" } })), []);
    });

    it("refuses what keepalived 2.2 would silently ignore in the seed and every-option specs", () => {
      // vrrp_strict + authentication: keepalived 2.2 logs "Strict mode does not support authentication. Ignoring."
      const strict = (spec: KeepalivedInstanceSpec) => ({ ...spec, globalDefs: { ...spec.globalDefs, vrrpStrict: true } });
      for (const spec of [seedDirector("MASTER"), seedDirector("BACKUP"), seedNginx].map(strict)) {
        assert.deepEqual(
          checkKeepalivedInstance(inputsOf(spec)).map((f) => f.property),
          ["vrrp.authentication"],
        );
      }
      // nopreempt + preempt_delay: keepalived 2.2 resets preempt_delay.
      assert.deepEqual(
        checkKeepalivedInstance(inputsOf(everyOption)).map((f) => f.property),
        ["vrrp.preemptDelay"],
      );
    });

    const cases: { what: string; path: string; value: unknown; property: string; fragment: string }[] = [
      { what: "file name with a slash", path: "name", value: "../passwd", property: "name", fragment: "a file name" },
      { what: "no name", path: "name", value: undefined, property: "name", fragment: "name is required" },
      {
        what: "VRID 256",
        path: "vrrp.virtualRouterId",
        value: 256,
        property: "vrrp.virtualRouterId",
        fragment: "must be an integer 1..255; got 256",
      },
      { what: "priority 255 (owner)", path: "vrrp.priority", value: 255, property: "vrrp.priority", fragment: "integer 1..254; got 255" },
      { what: "fractional priority", path: "vrrp.priority", value: 99.5, property: "vrrp.priority", fragment: "integer 1..254" },
      {
        what: "lower-case state",
        path: "vrrp.state",
        value: "master",
        property: "vrrp.state",
        fragment: 'must be one of MASTER, BACKUP; got "master"',
      },
      {
        what: "interface with a brace",
        path: "vrrp.interface",
        value: "ens33 {",
        property: "vrrp.interface",
        fragment: "an interface name",
      },
      {
        what: "no virtual address",
        path: "vrrp.virtualIpaddress",
        value: [],
        property: "vrrp.virtualIpaddress",
        fragment: "must be a non-empty list of virtual addresses",
      },
      {
        what: "bad VIP",
        path: "vrrp.virtualIpaddress[0].address",
        value: "12.0.0.300",
        property: "vrrp.virtualIpaddress[0].address",
        fragment: "IPv4 or IPv6 address",
      },
      {
        what: "prefix 33",
        path: "vrrp.virtualIpaddress[0].prefix",
        value: 33,
        property: "vrrp.virtualIpaddress[0].prefix",
        fragment: "integer 1..32",
      },
      {
        what: "label on another device",
        path: "vrrp.virtualIpaddress[0].label",
        value: "eth9:0",
        property: "vrrp.virtualIpaddress[0].label",
        fragment: 'must be "ens33:<suffix>"',
      },
      {
        what: "label without dev uses the interface",
        path: "vrrp.virtualIpaddress[1].label",
        value: "eth0:1",
        property: "vrrp.virtualIpaddress[1].label",
        fragment: "vrrp.interface name",
      },
      {
        what: "label too long",
        path: "vrrp.virtualIpaddress[1].label",
        value: "ens33:abcdefghij",
        property: "vrrp.virtualIpaddress[1].label",
        fragment: "at most 15 characters",
      },
      {
        what: "mixed VIP families",
        path: "vrrp.virtualIpaddress[2]",
        value: { address: "2001:db8::1" },
        property: "vrrp.virtualIpaddress",
        fragment: "all IPv4 or all IPv6",
      },
      {
        what: "authentication on IPv6",
        path: "vrrp.virtualIpaddress",
        value: [{ address: "fe80::100" }, { address: "2001:db8::100", prefix: 64 }],
        property: "vrrp.authentication",
        fragment: "IPv4 only",
      },
      {
        what: "label on IPv6",
        path: "vrrp.virtualIpaddress[1]",
        value: { address: "2001:db8::100", label: "ens33:6" },
        property: "vrrp.virtualIpaddress[1].label",
        fragment: "IPv4 addresses only",
      },
      {
        what: "AH on a MASTER",
        path: "vrrp",
        value: { ...validEvery().vrrp, nopreempt: false, state: "MASTER" },
        property: "vrrp.authentication.type",
        fragment: 'requires vrrp.state "BACKUP"',
      },
      {
        what: "undeclared track script",
        path: "vrrp.trackScript[1]",
        value: "check_nginx",
        property: "vrrp.trackScript[1]",
        fragment: "declared in scripts (check_haproxy, chk_dns)",
      },
      {
        what: "nopreempt with MASTER",
        path: "vrrp.state",
        value: "MASTER",
        property: "vrrp.nopreempt",
        fragment: 'requires vrrp.state "BACKUP"',
      },
      {
        what: "preemptDelay with nopreempt",
        path: "vrrp.preemptDelay",
        value: 10,
        property: "vrrp.preemptDelay",
        fragment: "cannot be combined with vrrp.nopreempt",
      },
      {
        what: "preemptDelay over 1000",
        path: "vrrp.preemptDelay",
        value: 1001,
        property: "vrrp.preemptDelay",
        fragment: "seconds 0..1000",
      },
      {
        what: "auth pass too long",
        path: "vrrp.authentication.pass",
        value: "123456789",
        property: "vrrp.authentication.pass",
        fragment: "1..8 printable characters without spaces or quotes",
      },
      {
        what: "auth type MD5",
        path: "vrrp.authentication.type",
        value: "MD5",
        property: "vrrp.authentication.type",
        fragment: "one of PASS, AH",
      },
      {
        what: "unicast peer of the other family",
        path: "vrrp.unicastPeer[1]",
        value: "2001:db8::2",
        property: "vrrp.unicastPeer[1]",
        fragment: "must be an IPv4 address like the virtual addresses",
      },
      {
        what: "duplicate unicast peer",
        path: "vrrp.unicastPeer[1]",
        value: "12.0.0.21",
        property: "vrrp.unicastPeer[1]",
        fragment: "listed twice",
      },
      {
        what: "unicast with vrrp_strict",
        path: "globalDefs.vrrpStrict",
        value: true,
        property: "vrrp.unicastPeer",
        fragment: "strict mode",
      },
      {
        what: "notify command with a newline",
        path: "vrrp.notifyMaster",
        value: "/bin/true\n}\nvirtual_server 1.2.3.4 80 {",
        property: "vrrp.notifyMaster",
        fragment: "a command of printable ASCII",
      },
      {
        what: "notify command with a quote",
        path: "vrrp.notify",
        value: '/bin/true"; reboot',
        property: "vrrp.notify",
        fragment: "without '\"'",
      },
      {
        what: "script with $(...)",
        path: "scripts[0].script",
        value: "/bin/check $(reboot)",
        property: "scripts[0].script",
        fragment: "'$'",
      },
      {
        what: "script with unbalanced single quote",
        path: "scripts[0].script",
        value: "/bin/check 'a b",
        property: "scripts[0].script",
        fragment: "balanced single quotes",
      },
      { what: "script weight 254", path: "scripts[0].weight", value: 254, property: "scripts[0].weight", fragment: "integer -253..253" },
      {
        what: "script interval 1.5",
        path: "scripts[0].interval",
        value: 1.5,
        property: "scripts[0].interval",
        fragment: "integer 1..4294",
      },
      {
        what: "duplicate script name",
        path: "scripts[1].name",
        value: "check_haproxy",
        property: "scripts[1].name",
        fragment: "declared twice",
      },
      {
        what: "bad e-mail",
        path: "globalDefs.notificationEmail[1]",
        value: "noc@example.org }",
        property: "globalDefs.notificationEmail[1]",
        fragment: "an e-mail address",
      },
      {
        what: "smtp server with a space",
        path: "globalDefs.smtpServer",
        value: "smtp example",
        property: "globalDefs.smtpServer",
        fragment: "address or a host name",
      },
      {
        what: "smtp timeout 0",
        path: "globalDefs.smtpConnectTimeout",
        value: 0,
        property: "globalDefs.smtpConnectTimeout",
        fragment: "integer 1..3600",
      },
      {
        what: "garp interval NaN",
        path: "globalDefs.vrrpGarpInterval",
        value: Number.NaN,
        property: "globalDefs.vrrpGarpInterval",
        fragment: "got NaN",
      },
      {
        what: "garp interval in exponent form",
        path: "globalDefs.vrrpGnaInterval",
        value: 1e-7,
        property: "globalDefs.vrrpGnaInterval",
        fragment: "at most 6 decimal places",
      },
      {
        what: "router id with a space",
        path: "globalDefs.routerId",
        value: "lvs 01",
        property: "globalDefs.routerId",
        fragment: "a router id",
      },
      {
        what: "boolean as string",
        path: "globalDefs.vrrpIptables",
        value: "yes",
        property: "globalDefs.vrrpIptables",
        fragment: "true or false",
      },
      {
        what: "unknown scheduler",
        path: "virtualServers[0].lbAlgo",
        value: "roundrobin",
        property: "virtualServers[0].lbAlgo",
        fragment: `one of ${LB_ALGOS.join(", ")}`,
      },
      {
        what: "FULLNAT",
        path: "virtualServers[0].lbKind",
        value: "FULLNAT",
        property: "virtualServers[0].lbKind",
        fragment: "one of NAT, DR, TUN",
      },
      {
        what: "protocol ICMP",
        path: "virtualServers[0].protocol",
        value: "ICMP",
        property: "virtualServers[0].protocol",
        fragment: "one of TCP, UDP, SCTP",
      },
      {
        what: "virtual server port 0",
        path: "virtualServers[0].port",
        value: 0,
        property: "virtualServers[0].port",
        fragment: "integer 1..65535",
      },
      {
        what: "no real servers",
        path: "virtualServers[0].realServers",
        value: [],
        property: "virtualServers[0].realServers",
        fragment: "must be a non-empty list of real servers",
      },
      {
        what: "weight 65536",
        path: "virtualServers[0].realServers[1].weight",
        value: 65536,
        property: "virtualServers[0].realServers[1].weight",
        fragment: "integer 0..65535; got 65536",
      },
      {
        what: "negative weight",
        path: "virtualServers[0].realServers[1].weight",
        value: -1,
        property: "virtualServers[0].realServers[1].weight",
        fragment: "integer 0..65535",
      },
      {
        what: "duplicate real server",
        path: "virtualServers[0].realServers[1].address",
        value: "192.168.118.30",
        property: "virtualServers[0].realServers[1]",
        fragment: "listed twice",
      },
      {
        what: "DR real server on another port",
        path: "virtualServers[1].realServers[0].port",
        value: 5353,
        property: "virtualServers[1].realServers[0].port",
        fragment: "must equal the virtual server port 53 with lbKind DR",
      },
      {
        what: "relative URL path",
        path: "virtualServers[0].realServers[0].check.urls[0].path",
        value: "index.html",
        property: "virtualServers[0].realServers[0].check.urls[0].path",
        fragment: "a URL path starting with '/'",
      },
      {
        what: "URL path with '#'",
        path: "virtualServers[0].realServers[0].check.urls[1].path",
        value: "/a#b",
        property: "virtualServers[0].realServers[0].check.urls[1].path",
        fragment: "'#'",
      },
      {
        what: "bad digest",
        path: "virtualServers[0].realServers[0].check.urls[1].digest",
        value: "xyz",
        property: "virtualServers[0].realServers[0].check.urls[1].digest",
        fragment: "32 hex digits",
      },
      {
        what: "status code 700",
        path: "virtualServers[0].realServers[0].check.urls[0].statusCode",
        value: 700,
        property: "virtualServers[0].realServers[0].check.urls[0].statusCode",
        fragment: "integer 100..599",
      },
      {
        what: "HTTP_GET without urls",
        path: "virtualServers[0].realServers[0].check.urls",
        value: undefined,
        property: "virtualServers[0].realServers[0].check.urls",
        fragment: "is required",
      },
      {
        what: "check type SSL_GET",
        path: "virtualServers[0].realServers[1].check.type",
        value: "SSL_GET",
        property: "virtualServers[0].realServers[1].check.type",
        fragment: "one of TCP_CHECK, HTTP_GET",
      },
      {
        what: "infinite connect timeout",
        path: "virtualServers[0].realServers[1].check.connectTimeout",
        value: Number.POSITIVE_INFINITY,
        property: "virtualServers[0].realServers[1].check.connectTimeout",
        fragment: "seconds",
      },
      {
        what: "sorry server of the other family",
        path: "virtualServers[0].sorryServer.address",
        value: "2001:db8::9",
        property: "virtualServers[0].sorryServer.address",
        fragment: "IPv4 address like the virtual server",
      },
      {
        what: "virtual server twice",
        path: "virtualServers[1]",
        value: validEvery().virtualServers?.[0],
        property: "virtualServers[1]",
        fragment: "declared twice",
      },
    ];

    for (const t of cases) {
      it(`refuses ${t.what}`, () => {
        const failures = checkKeepalivedInstance(setPath(inputsOf(validEvery()), t.path, clone(t.value)));
        const mine = failures.filter((f) => f.property === t.property);
        assert.ok(mine.length > 0, `expected a failure on ${t.property}; got ${JSON.stringify(failures)}`);
        assert.ok(
          mine.some((f) => f.reason.includes(t.fragment)),
          `expected "${t.fragment}" in ${JSON.stringify(mine)}`,
        );
      });
    }

    it("refuses a missing connection and an empty instance", () => {
      assert.deepEqual(
        checkKeepalivedInstance({ name: "x", vrrp: validEvery().vrrp, scripts: validEvery().scripts }).map((f) => f.property),
        ["connection"],
      );
      assert.deepEqual(
        checkKeepalivedInstance({ connection, name: "x" }).map((f) => f.property),
        ["vrrp"],
      );
    });

    it("never puts the authentication pass in a message", () => {
      const secrets = ["tooLongSecret", "pa ss", 'p"ss', "pa#ss", "p}s{", "", "123456789", "s3cr\nt"];
      for (const pass of secrets) {
        for (const strict of [false, true]) {
          const spec = validEvery();
          const inputs = inputsOf(spec);
          setPath(inputs, "vrrp.authentication.pass", pass);
          setPath(inputs, "globalDefs.vrrpStrict", strict);
          setPath(inputs, "vrrp.authentication.type", "PASS");
          const failures = checkKeepalivedInstance(inputs);
          if (pass !== "")
            assert.ok(
              failures.some((f) => f.property === "vrrp.authentication.pass"),
              `pass ${JSON.stringify(pass)} must be refused`,
            );
          for (const f of failures) {
            if (pass.length >= 2)
              assert.ok(!f.reason.includes(pass) && !f.reason.includes(JSON.stringify(pass)), `secret leaked: ${f.reason}`);
          }
        }
      }
      const reason = checkKeepalivedInstance(setPath(inputsOf(validEvery()), "vrrp.authentication.pass", "twelve-chars")).find(
        (f) => f.property === "vrrp.authentication.pass",
      );
      assert.equal(
        reason?.reason,
        "vrrp.authentication.pass must be 1..8 printable characters without spaces or quotes (nor '\\', '{', '}', '#', '!', '$'); got 12 characters",
      );
      // A valid secret in a spec that fails elsewhere is not echoed either.
      const other = checkKeepalivedInstance(setPath(inputsOf(validEvery()), "vrrp.priority", 0));
      assert.ok(other.every((f) => !f.reason.includes("k33p-al1")));
    });

    it("skips unknown values anywhere (preview)", () => {
      const base = inputsOf(validEvery());
      assert.deepEqual(checkKeepalivedInstance(base), []);
      let n = 0;
      for (const { path: p } of paths(base)) {
        const inputs = setPath(clone(base), p, UNKNOWN);
        assert.deepEqual(checkKeepalivedInstance(inputs), [], `UNKNOWN at ${p}`);
        n++;
      }
      assert.ok(n > 100);
      assert.deepEqual(
        checkKeepalivedInstance({
          connection: UNKNOWN,
          name: UNKNOWN,
          globalDefs: UNKNOWN,
          scripts: UNKNOWN,
          vrrp: UNKNOWN,
          virtualServers: UNKNOWN,
        }),
        [],
      );
      // Track scripts cannot be resolved while the scripts are unknown; cross-field rules wait for both sides.
      const partial = clone(base);
      setPath(partial, "scripts", [UNKNOWN]);
      setPath(partial, "vrrp.trackScript", ["not_declared_yet", UNKNOWN]);
      setPath(partial, "virtualServers[1].port", UNKNOWN);
      setPath(partial, "virtualServers[1].realServers[0].port", 5353);
      assert.deepEqual(checkKeepalivedInstance(partial), []);
    });
  });

  describe("injection (seeded property test)", () => {
    const PIECES = [
      "\n",
      "\r",
      "}",
      "{",
      '"',
      "'",
      "#",
      "!",
      ";",
      "$(reboot)",
      "${X}",
      "\\",
      " ",
      "\t",
      "\u2028",
      "é",
      "` `",
      "} virtual_server 6.6.6.6 80 {",
      "include /tmp/x",
    ];
    const PLAIN = ["a", "Z", "0", "_", ".", "-", ":", "/", "@", "x9"];

    /** Each line as indentation + word shapes + braces outside quotes; quoted strings count as one word. */
    function shape(text: string): string[] {
      return text.split("\n").map((line) => line.replace(/"[^"\n]*"/g, "Q").replace(/[^\s{}]+/g, "w"));
    }

    function assertSameStructure(plain: string, text: string, where: string): void {
      const a = shape(plain);
      const b = shape(text);
      assert.equal(b.length, a.length, `${where}: line count changed`);
      assert.deepEqual(b, a, `${where}: structure changed`);
      const unquoted = text.replace(/"[^"\n]*"/g, "");
      assert.equal((unquoted.match(/{/g) ?? []).length, (unquoted.match(/}/g) ?? []).length, `${where}: unbalanced braces`);
      const body = unquoted.split("\n").slice(1).join("\n");
      assert.doesNotMatch(body, /[#!"\\$]/, `${where}: comment, quote, escape or $ outside quotes`);
    }

    it("random dangerous strings in every string field are refused or leave the file's structure unchanged", () => {
      const rand = prng(0x6b65_6570);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      const base = inputsOf(validEvery());
      const plainText = renderKeepalivedInstance(validEvery());
      const fields = paths(base).filter((x) => typeof x.value === "string");
      assert.ok(fields.length >= 40, `expected many string fields; got ${fields.length}`);
      let refused = 0;
      let accepted = 0;
      for (const { path: p, value } of fields) {
        for (let i = 0; i < 40; i++) {
          let s = rand() < 0.5 ? String(value) : "";
          const n = 1 + Math.floor(rand() * 5);
          for (let j = 0; j < n; j++) s += rand() < 0.6 ? pick(PIECES) : pick(PLAIN);
          if (rand() < 0.3) s += String(value);
          const inputs = setPath(clone(base), p, s);
          const failures = checkKeepalivedInstance(inputs);
          if (failures.length > 0) {
            refused++;
            continue;
          }
          accepted++;
          const { connection: _c, ...spec } = inputs;
          assertSameStructure(plainText, renderKeepalivedInstance(spec as unknown as KeepalivedInstanceSpec), `${p}=${JSON.stringify(s)}`);
        }
      }
      assert.ok(accepted > 0, "some harmless variations (e.g. spaces inside commands) must be accepted");
      assert.ok(refused > fields.length * 30, `most dangerous strings must be refused (${refused} refused, ${accepted} accepted)`);
    });

    it("plain variations that are accepted keep the structure (control)", () => {
      const rand = prng(42);
      const base = inputsOf(validEvery());
      const plainText = renderKeepalivedInstance(validEvery());
      const commands = ["vrrp.notify", "vrrp.notifyMaster", "scripts[0].script", "scripts[1].script"];
      for (const p of commands) {
        for (let i = 0; i < 20; i++) {
          const words = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => `/x${Math.floor(rand() * 1000)}`);
          const s = words.join(" ") + (rand() < 0.5 ? " 'a b' ; | > @ %" : "");
          const inputs = setPath(clone(base), p, s);
          assert.deepEqual(checkKeepalivedInstance(inputs), [], `${p}=${JSON.stringify(s)}`);
          const { connection: _c, ...spec } = inputs;
          assertSameStructure(plainText, renderKeepalivedInstance(spec as unknown as KeepalivedInstanceSpec), p);
        }
      }
    });
  });
});
