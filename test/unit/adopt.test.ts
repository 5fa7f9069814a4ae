// `npm run adopt`'s pure parts: discovery's parse of what lab hosts printed
// (fixtures/adopt-*.txt: a hand-built NAT director, a hand-built DR real
// server), what keepalived owns, pulumi-lvs's own NAT rules, the generated
// program and its import ids, and the safety net over a preview's steps.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { ADOPT_KEY } from "../../providers/common/define";
import { IPVS_REAL_SERVER } from "../../providers/ipvs/realServer";
import { IPVS_SERVICE } from "../../providers/ipvs/service";
import { DISCOVERY_COMMAND, keepalivedOwns, parseDiscovery, parseNatRule, parseSysctls, splitSecrets } from "../../scripts/adopt/discover";
import { AdoptedHost, foundSecrets, renderProgram } from "../../scripts/adopt/program";
import { findDrClusters } from "../../scripts/adopt/shapes";
import { nginxSites, nginxValidate, parseDump, tomcatApps, XML_VALIDATE } from "../../scripts/adopt/apps";
import { unsafeSteps } from "../../scripts/adopt/safety";
import { ConnectionArgs } from "../../providers/transport/types";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const PART = "__PULUMI_LVS_ADOPT_PART__\n";
const conn: ConnectionArgs = { host: "10.0.0.5", port: 22, user: "root" };
const OPTS = { project: "adopted", inventory: "/srv/inventory.yaml", packageSpec: "^0.1.0", pulumiVersion: "3.248.0" };

/** A discovery output with the given parts (the others empty). */
function output(parts: {
  ipvs?: string;
  addrs?: string;
  routes?: string;
  sysctl?: string;
  nat?: string;
  keepalived?: string;
  haproxy?: string;
  stats?: string;
  mangle?: string;
}): string {
  return [parts.ipvs, parts.addrs, parts.routes, parts.sysctl, parts.nat, parts.keepalived, parts.haproxy, "", parts.stats, parts.mangle]
    .map((p) => `${p ?? ""}${PART}`)
    .join("");
}

describe("adopt: discovery", () => {
  it("reads only: no command of the discovery line writes, loads a module or creates a table", () => {
    assert.doesNotMatch(
      DISCOVERY_COMMAND,
      /[^2]>(?!&|\/dev\/null)|>>|\btee\b|\bsed -i\b|\brm\b|\bmv\b|\bcp\b/,
      "no redirection into a file",
    );
    assert.doesNotMatch(
      DISCOVERY_COMMAND,
      /(^|[;&|]\s*)(echo (?!__|"\$f \$\(stat)|ipvsadm -[AaEeDdCX]|sysctl -w|modprobe|ip (addr|route|link) (add|del|replace|change|set))/,
    );
    assert.match(DISCOVERY_COMMAND, /if \[ -e \/proc\/net\/ip_vs \]; then ipvsadm -Sn/, "ipvsadm only when ip_vs is loaded");
    assert.match(DISCOVERY_COMMAND, /then iptables -w -t nat -S; fi/, "iptables only when a nat table exists");
    assert.match(
      DISCOVERY_COMMAND,
      /if grep -qx mangle \/proc\/net\/ip_tables_names 2>\/dev\/null \|\| nft list tables 2>\/dev\/null \| grep -qx 'table ip mangle'; then iptables -w -t mangle -S; fi/,
      "and on mangle only when it exists",
    );
  });

  it("a hand-built NAT director: the service, its masq servers, ip_forward, the WAN alias; the hand-typed SNAT rule is listed", () => {
    const f = parseDiscovery(fixture("adopt-nat-director.txt"));
    assert.deepEqual(
      f.services.map((s) => [s.protocol, s.address, s.port, s.scheduler]),
      [["tcp", "12.0.0.20", 80, "rr"]],
    );
    assert.deepEqual(
      f.realServers.map((r) => [r.address, r.port, r.method, r.weight]),
      [
        ["192.168.118.30", 80, "masq", 1],
        ["192.168.118.40", 80, "masq", 2],
      ],
    );
    assert.deepEqual(f.sysctls, { "net.ipv4.ip_forward": "1" });
    assert.deepEqual(f.vips, [{ address: "12.0.0.100", prefix: 24, interface: "ens36", label: "ens36:0", hostRoute: false }]);
    assert.deepEqual(f.routes, []);
    assert.deepEqual(f.natRules, []);
    assert.ok(
      f.unmanaged.some((u) => u.startsWith("iptables -t nat -A POSTROUTING -s 192.168.118.0/24 -o ens36 -j SNAT --to-source 12.0.0.20")),
      f.unmanaged.join("\n"),
    );
  });

  it("a hand-built DR real server: the VIP on lo:0 with its host route, the ARP sysctls, the default route", () => {
    const f = parseDiscovery(fixture("adopt-dr-realserver.txt"));
    assert.deepEqual(f.vips, [{ address: "192.168.118.100", prefix: 32, interface: "lo", label: "lo:0", hostRoute: true }]);
    assert.deepEqual(f.sysctls, {
      "net.ipv4.conf.all.arp_ignore": "1",
      "net.ipv4.conf.lo.arp_ignore": "1",
      "net.ipv4.conf.all.arp_announce": "2",
      "net.ipv4.conf.lo.arp_announce": "2",
    });
    assert.deepEqual(f.routes, [{ destination: "default", via: "192.168.118.20", dev: "ens33" }]);
    assert.deepEqual(f.services, []);
  });

  it("what it cannot express is reported, not lost: an unknown service option, its servers, a server's tunnel checksum flag", () => {
    const f = parseDiscovery(
      output({
        ipvs: [
          "-A -u 10.0.0.100:5060 -s rr --pe sip",
          "-a -u 10.0.0.100:5060 -r 10.0.1.1:5060 -m -w 1",
          "-A -t 10.0.0.100:80 -s wlc",
          "-a -t 10.0.0.100:80 -r 10.0.1.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum",
          "-a -t 10.0.0.100:80 -r 10.0.1.2:80 -i -w 2",
          "__PULUMI_LVS_SEP__",
          "",
        ].join("\n"),
      }),
    );
    assert.deepEqual(
      f.services.map((s) => `${s.protocol} ${s.address}:${s.port}`),
      ["tcp 10.0.0.100:80"],
    );
    assert.deepEqual(
      f.realServers.map((r) => r.address),
      ["10.0.1.2"],
    );
    assert.equal(f.unmanaged.length, 3, f.unmanaged.join("\n"));
    assert.match(f.unmanaged[0], /^ipvsadm -A -u 10\.0\.0\.100:5060 -s rr --pe sip: not modelled \(.*unknown service option "--pe"/);
    assert.match(f.unmanaged[1], /^real server 10\.0\.1\.1:5060 of udp 10\.0\.0\.100:5060: its service is not adopted/);
    assert.match(f.unmanaged[2], /^real server 10\.0\.1\.1:80 of tcp 10\.0\.0\.100:80: --tun-nocsum, which IpvsRealServer does not take/);
  });

  it("sysctls: only values that differ from the kernel's default; an interface with a dot keeps it in the key", () => {
    assert.deepEqual(
      parseSysctls(
        "/proc/sys/net/ipv4/ip_forward:0\n/proc/sys/net/ipv4/conf/eth0.100/send_redirects:0\n/proc/sys/net/ipv4/conf/lo/arp_ignore:0\n",
      ),
      { "net.ipv4.conf.eth0/100.send_redirects": "0" },
    );
  });

  it("what a keepalived.conf holds is its own: the VIP and the virtual server are listed, not adopted, and auth_pass is never copied", () => {
    const conf = [
      "vrrp_instance VI_1 {",
      "  state MASTER",
      "  authentication {",
      "    auth_type PASS",
      "    auth_pass s3cr3tpw",
      "  }",
      "  virtual_ipaddress {",
      "    192.168.118.100/24 dev ens33 label ens33:0",
      "  }",
      "}",
      "virtual_server 192.168.118.100 80 {",
      "  lb_algo rr",
      "}",
    ].join("\n");
    assert.deepEqual(keepalivedOwns(conf), {
      vips: ["192.168.118.100"],
      virtualServers: ["192.168.118.100 80"],
      instances: ["VI_1"],
      scripts: [],
    });
    assert.deepEqual(keepalivedOwns('vrrp_script chk {\n  script "/etc/keepalived/check_haproxy.sh"\n}\n').scripts, [
      "/etc/keepalived/check_haproxy.sh",
    ]);
    const f = parseDiscovery(
      output({
        ipvs: "-A -t 192.168.118.100:80 -s rr\n-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 1\n__PULUMI_LVS_SEP__\n",
        addrs: "2: ens33    inet 192.168.118.100/24 scope global secondary ens33:0\\       valid_lft forever preferred_lft forever\n",
        keepalived: conf,
      }),
    );
    assert.deepEqual([f.services, f.realServers, f.vips], [[], [], []]);
    assert.equal(f.unmanaged.length, 3, f.unmanaged.join("\n"));
    assert.ok(!f.unmanaged.join("\n").includes("s3cr3tpw"));
  });

  it("a hand-written keepalived.conf is adopted whole (validated, reloaded), its auth_pass cut out as a secret", () => {
    const conf = "vrrp_instance VI_1 {\n  authentication {\n    auth_type PASS\n    auth_pass s3cr3tpw\n  }\n}\n";
    const f = parseDiscovery(output({ keepalived: conf, stats: "/etc/keepalived/keepalived.conf 640 root:root\n" }));
    assert.deepEqual(f.files, [
      {
        daemon: "keepalived",
        name: "keepalived-conf",
        path: "/etc/keepalived/keepalived.conf",
        parts: [
          "vrrp_instance VI_1 {\n  authentication {\n    auth_type PASS\n    auth_pass ",
          { secret: "keepalived-secret-1", value: "s3cr3tpw" },
          "\n  }\n}\n",
        ],
        mode: "0640",
        owner: "root:root",
        validate: "keepalived -t -f %s",
        reload: "systemctl reload keepalived",
      },
    ]);
    const { files } = renderProgram([{ name: "lb-a", connection: conn, findings: f }], OPTS);
    assert.ok(!files["index.ts"].includes("s3cr3tpw"), "the secret stays out of the program");
    assert.match(files["index.ts"], /const config = new pulumi\.Config\(\);/);
    assert.match(
      files["index.ts"],
      /content: pulumi\.interpolate`vrrp_instance VI_1 \{\n.*auth_pass \$\{config\.requireSecret\("lb-a-keepalived-secret-1"\)\}\n/s,
    );
    assert.deepEqual(foundSecrets([{ name: "lb-a", connection: conn, findings: f }]), { "lb-a-keepalived-secret-1": "s3cr3tpw" });
  });

  it("a config file whose mode and owner could not be read is reported, not dropped", () => {
    const f = parseDiscovery(output({ keepalived: "vrrp_instance VI_1 {\n}\n", stats: "" }));
    assert.deepEqual(f.files, []);
    assert.deepEqual(f.unmanaged, ["/etc/keepalived/keepalived.conf: read, but its mode and owner were not; not adopted"]);
  });

  it("HAProxy passwords are secrets too; a file's backticks, backslashes and ${ stay literal in the program", () => {
    assert.deepEqual(splitSecrets("haproxy", "listen stats\n  stats auth admin:pw1\nuserlist u\n  user bob insecure-password pw2\n"), [
      "listen stats\n  stats auth admin:",
      { secret: "haproxy-secret-1", value: "pw1" },
      "\nuserlist u\n  user bob insecure-password ",
      { secret: "haproxy-secret-2", value: "pw2" },
      "\n",
    ]);
    const text = "global\n  log `x` \\ ${y}\nlisten web\n  bind :80\n";
    const f = parseDiscovery(output({ haproxy: text, stats: "/etc/haproxy/haproxy.cfg 644 root:haproxy\n" }));
    assert.equal(f.files.length, 1);
    const { files } = renderProgram([{ name: "lb", connection: conn, findings: f }], OPTS);
    const literal = /content: (`[^]*?`),\n? *mode/.exec(files["index.ts"]);
    assert.ok(literal, files["index.ts"]);
    assert.equal(new Function(`return ${literal[1]};`)(), text, "the template literal evaluates to the file's text");
  });

  it("NAT rules: one pulumi-lvs wrote is adopted by every word; any word it does not model leaves the rule to the operator", () => {
    assert.deepEqual(
      parseNatRule('-A POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment "pulumi-lvs:snat" -j SNAT --to-source 12.0.0.20'),
      { chain: "POSTROUTING", source: "192.168.118.0/24", outInterface: "ens36", name: "snat", target: "SNAT", to: "12.0.0.20" },
    );
    assert.equal(parseNatRule("-A POSTROUTING -s 192.168.118.0/24 -o ens36 -j SNAT --to-source 12.0.0.20"), undefined, "no comment");
    assert.equal(parseNatRule('-A POSTROUTING -m comment --comment "pulumi-lvs:x" -m mark --mark 1 -j MASQUERADE'), undefined);
  });

  it("MARK rules in mangle: a firewall-mark service's rule pulumi-lvs wrote is adopted; a partial mask or a foreign rule is listed", () => {
    const ours =
      '-A PREROUTING -d 192.168.118.100/32 -p tcp -m multiport --dports 80,8080 -m comment --comment "pulumi-lvs:web-mark" -j MARK --set-xmark 0x7/0xffffffff';
    assert.deepEqual(parseNatRule(ours, "mangle"), {
      chain: "PREROUTING",
      destination: "192.168.118.100",
      protocol: "tcp",
      ports: [80, 8080],
      name: "web-mark",
      target: "MARK",
      mark: 7,
    });
    assert.equal(parseNatRule(ours, "nat"), undefined, "MARK is mangle's");
    assert.equal(parseNatRule(ours.replace("0xffffffff", "0xff"), "mangle"), undefined, "a partial mask is not --set-mark");
    const f = parseDiscovery(
      output({ mangle: `-P PREROUTING ACCEPT\n${ours}\n-A PREROUTING -d 10.0.0.1/32 -j MARK --set-xmark 0x2/0xffffffff\n` }),
    );
    assert.deepEqual(
      f.natRules.map((r) => [r.name, r.target, r.mark]),
      [["web-mark", "MARK", 7]],
    );
    assert.deepEqual(f.unmanaged, [
      "iptables -t mangle -A PREROUTING -d 10.0.0.1/32 -j MARK --set-xmark 0x2/0xffffffff: a rule pulumi-lvs did not write (declare a NatRule for it, then delete this one by hand)",
    ]);
  });
});

describe("adopt: the generated program", () => {
  const findings = parseDiscovery(fixture("adopt-nat-director.txt"));
  const { files, ids } = renderProgram([{ name: "director", connection: conn, findings }], OPTS);

  it("each resource's import id is its kind's own id of the declared inputs", () => {
    const svc = findings.services[0];
    assert.equal(ids["director-tcp-12.0.0.20-80"], IPVS_SERVICE.id!({ connection: conn, ...svc }));
    assert.equal(ids["director-tcp-12.0.0.20-80"], "root@10.0.0.5:22/tcp 12.0.0.20:80");
    assert.equal(
      ids["director-tcp-12.0.0.20-80-rs-192.168.118.40-80"],
      IPVS_REAL_SERVER.id!({ connection: conn, ...findings.realServers[1] }),
    );
    assert.deepEqual(Object.keys(ids).sort(), [
      "director-lvs-sysctls",
      "director-tcp-12.0.0.20-80",
      "director-tcp-12.0.0.20-80-rs-192.168.118.30-80",
      "director-tcp-12.0.0.20-80-rs-192.168.118.40-80",
      "director-vip-12.0.0.100-ens36-0",
    ]);
    for (const id of Object.values(ids)) assert.ok(files["index.ts"].includes(JSON.stringify(id)), id);
  });

  it("hosts come from the inventory, objects are kept at destroy by default, what is left alone closes the program", () => {
    const index = files["index.ts"];
    assert.match(index, /const director = hosts\.host\("director"\)\.connection;/);
    assert.match(index, /const keepOnDestroy = true;/);
    assert.match(index, /return \{ import: id, retainOnDelete: keepOnDestroy, dependsOn \};/);
    assert.match(
      index,
      /\/\/ {3}director: iptables -t nat -A POSTROUTING .* -j SNAT --to-source 12\.0\.0\.20: a rule pulumi-lvs did not write/,
    );
    assert.match(files["Pulumi.yaml"], /pulumi-lvs:inventory:\n {4}value: "\/srv\/inventory.yaml"/);
    assert.deepEqual(JSON.parse(files["package.json"]).dependencies, { "@pulumi/pulumi": "3.248.0", "pulumi-lvs": "^0.1.0" });
  });
});

describe("adopt: the generated program type-checks against the package's types", () => {
  it("every kind and option the generator writes is accepted (fwmark, flags, persistence, tunnel, NAT and MARK rules, route, file with a secret)", function () {
    this.timeout(120000);
    const ipvs = [
      "-A -f 7 -s sh -b sh-fallback,sh-port -p 300 -M 255.255.255.0",
      "-a -f 7 -r 10.0.1.1:0 -g -w 2 -x 100 -y 10",
      "-A -u 10.0.0.100:53 -s rr -o",
      "-a -u 10.0.0.100:53 -r 10.0.1.1:53 -i -w 1 --tun-type gue --tun-port 6080",
      "__PULUMI_LVS_SEP__",
      "",
    ].join("\n");
    const f = parseDiscovery(
      output({
        ipvs,
        addrs: "1: lo    inet 10.0.0.100/32 scope global lo:0\\       valid_lft forever preferred_lft forever\n",
        routes: "default via 10.0.0.1 dev eth0\n10.9.0.0/16 via 10.0.0.2 dev eth0\n",
        sysctl: "/proc/sys/net/ipv4/ip_forward:1\n",
        nat: '-A POSTROUTING -s 10.0.1.0/24 -o eth1 -m comment --comment "pulumi-lvs:snat" -j SNAT --to-source 10.0.0.100\n',
        keepalived: "vrrp_instance V {\n  auth_pass `x` \\ ${y}\n}\n",
        mangle:
          '-A PREROUTING -d 10.0.0.100/32 -p tcp -m multiport --dports 80,443 -m comment --comment "pulumi-lvs:m" -j MARK --set-xmark 0x7/0xffffffff\n',
        stats: "/etc/keepalived/keepalived.conf 644 root:root\n",
      }),
    );
    assert.deepEqual(
      [f.services.length, f.realServers.length, f.vips.length, f.routes.length, f.natRules.length, f.files.length],
      [2, 2, 1, 2, 2, 1],
      f.unmanaged.join("\n"),
    );
    const { files } = renderProgram([{ name: "lb", connection: conn, findings: f }], OPTS);
    assert.deepEqual(typeErrors(files["index.ts"]), [], files["index.ts"]);
  });
});

/** The generated program's type errors against the package's sources (as `pulumi-lvs` and `pulumi-lvs/components`). */
function typeErrors(index: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-adopt-tsc-"));
  try {
    const file = path.join(dir, "index.ts");
    fs.writeFileSync(file, index);
    const root = path.join(__dirname, "..", "..");
    const program = ts.createProgram([file], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
      typeRoots: [path.join(root, "node_modules/@types")],
      baseUrl: root,
      paths: {
        "pulumi-lvs": ["providers/index.ts"],
        "pulumi-lvs/components": ["stacks/components/index.ts"],
        "@pulumi/pulumi": ["node_modules/@pulumi/pulumi"],
      },
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("adopt: a hand-built DR cluster becomes a DrCluster when DrCluster declares exactly what is live", () => {
  const VIP = "192.168.118.100";
  const at = (h: string): ConnectionArgs => ({ host: h, port: 22, user: "root" });
  const director = (ipvs: string, sysctl = "") =>
    parseDiscovery(
      output({
        ipvs: `${ipvs}\n__PULUMI_LVS_SEP__\n`,
        addrs: `2: ens33    inet ${VIP}/32 scope global ens33:0\\       valid_lft forever preferred_lft forever\n`,
        sysctl:
          "/proc/sys/net/ipv4/ip_forward:0\n/proc/sys/net/ipv4/conf/all/send_redirects:0\n/proc/sys/net/ipv4/conf/default/send_redirects:0\n" +
          `/proc/sys/net/ipv4/conf/ens33/send_redirects:0\n${sysctl}`,
      }),
    );
  const realServer = (announce = "2") =>
    parseDiscovery(
      output({
        addrs: `1: lo    inet ${VIP}/32 scope global lo:0\\       valid_lft forever preferred_lft forever\n`,
        routes: `${VIP} dev lo scope link\n`,
        sysctl: [
          "/proc/sys/net/ipv4/conf/lo/arp_ignore:1",
          `/proc/sys/net/ipv4/conf/lo/arp_announce:${announce}`,
          "/proc/sys/net/ipv4/conf/all/arp_ignore:1",
          "/proc/sys/net/ipv4/conf/all/arp_announce:2",
          "/proc/sys/net/ipv4/vs/conntrack:1",
          "",
        ].join("\n"),
      }),
    );
  const SEED = [
    `-A -t ${VIP}:80 -s wrr -p 60`,
    `-a -t ${VIP}:80 -r 192.168.118.30:80 -g -w 3`,
    `-a -t ${VIP}:80 -r 192.168.118.40:80 -g -w 1`,
  ].join("\n");
  const lab = (ipvs = SEED, announce = "2"): AdoptedHost[] => [
    { name: "director", address: "192.168.118.10", connection: at("192.168.118.10"), findings: director(ipvs) },
    { name: "rs1", address: "192.168.118.30", connection: at("192.168.118.30"), findings: realServer() },
    { name: "rs2", address: "192.168.118.40", connection: at("192.168.118.40"), findings: realServer(announce) },
  ];

  it("the seed's DR director and lo:0 real servers: one cluster; what it declares leaves the hosts' raw findings, the rest stays", () => {
    const { clusters, rest } = findDrClusters(lab());
    assert.deepEqual(clusters, [
      {
        director: "director",
        nic: "ens33",
        vip: VIP,
        vipPrefix: 32,
        port: 80,
        scheduler: "wrr",
        persistence: 60,
        realServers: [
          { host: "rs1", weight: 3 },
          { host: "rs2", weight: 1 },
        ],
      },
    ]);
    const left = rest.map((h) => [
      h.name,
      h.findings.services.length,
      h.findings.realServers.length,
      h.findings.vips.length,
      h.findings.sysctls,
    ]);
    assert.deepEqual(left, [
      ["director", 0, 0, 0, {}],
      ["rs1", 0, 0, 0, { "net.ipv4.vs.conntrack": "1" }],
      ["rs2", 0, 0, 0, { "net.ipv4.vs.conntrack": "1" }],
    ]);
  });

  it("anything DrCluster would declare otherwise keeps the raw resources: a threshold, NAT forwarding, an ARP sysctl, a server no host has", () => {
    const cases: [string, AdoptedHost[]][] = [
      ["threshold", lab(SEED.replace("-w 1", "-w 1 -x 100"))],
      ["masq", lab(SEED.replace("40:80 -g", "40:80 -m"))],
      ["arp_announce 1 on rs2", lab(SEED, "1")],
      ["unknown server", lab(SEED.replace("192.168.118.40", "192.168.118.50"))],
      ["another port", lab(SEED.replace("192.168.118.40:80", "192.168.118.40:8080"))],
    ];
    for (const [what, hosts] of cases) {
      const { clusters, rest } = findDrClusters(hosts);
      assert.deepEqual(clusters, [], what);
      assert.deepEqual(rest, hosts, what);
    }
  });

  it("the program declares DrCluster with adopt and persist false; its children's ids are the kinds' own; it type-checks", function () {
    this.timeout(120000);
    const { files, ids } = renderProgram(lab(), OPTS);
    const index = files["index.ts"];
    assert.match(index, /import \{ DrCluster, hostsFromConfig \} from "pulumi-lvs\/components";/);
    assert.match(index, /import \{ SysctlSet \} from "pulumi-lvs";/, "only the real servers' other sysctl stays raw");
    assert.match(
      index,
      /new DrCluster\("director-dr-192\.168\.118\.100-80", \{ director: hosts\.host\("director"\), nic: "ens33", vip: "192\.168\.118\.100", port: 80, scheduler: "wrr", persistence: 60, realServers: \[\{ host: hosts\.host\("rs1"\), weight: 3 \}, \{ host: hosts\.host\("rs2"\), weight: 1 \}\], persist: false, adopt: true \}, \{ retainOnDelete: keepOnDestroy \}\);/,
    );
    assert.match(
      index,
      /new SysctlSet\("rs1-lvs-sysctls", \{ connection: rs1, name: "90-lvs-adopted", values: \{"net\.ipv4\.vs\.conntrack":"1"\}, persist: false \}/,
    );
    assert.doesNotMatch(index, /const director = /, "a host with nothing left has no block");
    assert.equal(ids["director-dr-192.168.118.100-80-service"], "root@192.168.118.10:22/tcp 192.168.118.100:80");
    assert.equal(ids["director-dr-192.168.118.100-80-rs2"], "root@192.168.118.10:22/192.168.118.40:80 of tcp 192.168.118.100:80");
    assert.equal(ids["director-dr-192.168.118.100-80-rs1-vip"], "root@192.168.118.30:22/192.168.118.100/32@lo:0");
    assert.equal(Object.keys(ids).length, 3 + 3 * 2 + 2, Object.keys(ids).join(", "));
    assert.deepEqual(typeErrors(index), [], index);
  });

  it("the safety net lets a component's create pass (it changes no host)", () => {
    const component = {
      op: "create",
      urn: "urn:pulumi:s::p::pulumi-lvs:stacks:DrCluster::web",
      type: "pulumi-lvs:stacks:DrCluster",
      new: { inputs: {} },
    };
    assert.deepEqual(unsafeSteps([component]), []);
    assert.equal(
      unsafeSteps([{ ...component, new: { inputs: {}, custom: true } }]).length,
      1,
      "a custom resource's create without an id does not",
    );
  });
});

describe("adopt: the safety net", () => {
  const step = (op: string, name: string, inputs: Record<string, unknown> = {}) => ({
    op,
    urn: `urn:pulumi:s::p::pulumi-nodejs:dynamic/pulumi-lvs:IpvsService::${name}`,
    type: "pulumi-nodejs:dynamic/pulumi-lvs:IpvsService",
    new: { inputs, custom: true },
  });

  it("creates that adopt, and same, pass; anything else is named with why", () => {
    const stackStep = { op: "create", urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type: "pulumi:pulumi:Stack" };
    assert.deepEqual(unsafeSteps([stackStep, step("create", "a", { [ADOPT_KEY]: "root@h:22/tcp 1.2.3.4:80" }), step("same", "b")]), []);
    const bad = unsafeSteps([step("create", "c"), step("update", "d"), step("create-replacement", "e"), step("delete", "f")]);
    assert.deepEqual(
      bad.map((b) => [b.op, b.name, b.type]),
      [
        ["create", "c", "IpvsService"],
        ["update", "d", "IpvsService"],
        ["replace", "e", "IpvsService"],
        ["delete", "f", "IpvsService"],
      ],
    );
    assert.match(bad[0].why, /a new object on its host/);
  });
});

describe("adopt: nginx sites and tomcat applications written by hand", () => {
  const b64 = (t: string | Buffer) => Buffer.from(t).toString("base64");
  const file = (listed: string, real: string, text: string | Buffer, md5 = "0".repeat(32), owner = "root:root") =>
    `__FILE__ ${listed} ${real} 644 ${owner} ${md5}\n${b64(text)}\n`;
  const STOCK = "f1f26aef86f90a484f3a2f46ccc46ff6";
  const SITE = "upstream tomcat {\n    server 192.168.118.50:8080 weight=1;\n}\nserver {\n    listen 80 default_server;\n}\n";

  it("the part's dump parses to each file's paths, mode, owner, checksum and exact bytes, and the package's conffile checksums", () => {
    const { files, conffiles } = parseDump(
      file("/etc/nginx/sites-enabled/default", "/etc/nginx/sites-available/default", "no newline at the end", STOCK) +
        `__CONFFILES__\n /etc/nginx/nginx.conf e5398edc0b51497dba606859fb13a86e\n /etc/nginx/sites-available/default ${STOCK}\n`,
    );
    assert.deepEqual(
      files.map((f) => [f.listed, f.real, f.mode, f.owner, f.md5, f.content.toString()]),
      [["/etc/nginx/sites-enabled/default", "/etc/nginx/sites-available/default", "0644", "root:root", STOCK, "no newline at the end"]],
    );
    assert.equal(conffiles.get("/etc/nginx/sites-available/default"), STOCK);
    assert.equal(conffiles.size, 2);
  });

  it("nginx: Debian's unchanged stock site is left to the package; an edited one is adopted whole, checked on a copy of /etc/nginx, reloaded", () => {
    const stock = nginxSites(
      file("/etc/nginx/sites-enabled/default", "/etc/nginx/sites-available/default", "stock", STOCK) +
        `__CONFFILES__\n /etc/nginx/sites-available/default ${STOCK}\n`,
    );
    assert.deepEqual(stock.files, []);
    assert.deepEqual(stock.unmanaged, [
      "nginx site /etc/nginx/sites-enabled/default (/etc/nginx/sites-available/default): Debian's stock file, unchanged; left to the package",
    ]);
    const edited = nginxSites(
      file("/etc/nginx/conf.d/tomcat.conf", "/etc/nginx/conf.d/tomcat.conf", SITE) +
        file("/etc/nginx/sites-enabled/default", "/etc/nginx/sites-available/default", SITE, "1".repeat(32)) +
        `__CONFFILES__\n /etc/nginx/sites-available/default ${STOCK}\n`,
    );
    assert.deepEqual(edited.unmanaged, []);
    assert.deepEqual(
      edited.files.map((f) => [f.name, f.path, f.parts, f.reload]),
      [
        ["nginx-tomcat.conf", "/etc/nginx/conf.d/tomcat.conf", [SITE], "systemctl reload nginx"],
        ["nginx-default", "/etc/nginx/sites-available/default", [SITE], "systemctl reload nginx"],
      ],
    );
    // The new file stands both where it is and where sites-enabled leads to it, in the copy nginx -t reads.
    assert.equal(
      edited.files[1].validate,
      'v=$(mktemp -d) && cp -rL /etc/nginx/. "$v"/ && cp %s "$v"/sites-available/default && cp %s "$v"/sites-enabled/default && ' +
        'grep -rlZ /etc/nginx/ "$v" | xargs -0 -r sed -i "s#/etc/nginx/#$v/#g" && nginx -t -q -c "$v"/nginx.conf; rc=$?; rm -rf "$v"; [ $rc = 0 ]',
    );
    assert.equal(
      nginxValidate("/srv/sites/a.conf", ["/etc/nginx/conf.d/a.conf"]).match(/cp %s/g)?.length,
      1,
      "a file outside /etc/nginx: its link only",
    );
  });

  it("tomcat: server.xml only when it holds a <Context> (restart, XML checked, passwords as secrets); descriptors and docBase text files whole", () => {
    const split = (t: string, name: string) => splitSecrets("tomcat", t, name);
    const plain = tomcatApps(file("/etc/tomcat10/server.xml", "/etc/tomcat10/server.xml", "<Server><Service/></Server>\n"), split);
    assert.deepEqual(plain, { files: [], unmanaged: [] }, "the stock server.xml holds no application");
    const server =
      '<Server>\n  <Connector port="8443" keystorePass="s3cret"/>\n  <Context docBase="/srv/app" path="" reloadable="true"/>\n</Server>\n';
    const found = tomcatApps(
      file("/etc/tomcat10/server.xml", "/etc/tomcat10/server.xml", server, undefined, "root:tomcat") +
        file("/srv/app/index.jsp", "/srv/app/index.jsp", "this is tomcat1\n") +
        file("/srv/app/logo.png", "/srv/app/logo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])),
      split,
    );
    assert.deepEqual(
      found.files.map((f) => [f.name, f.path, f.owner, f.validate, f.reload]),
      [
        ["tomcat-server.xml", "/etc/tomcat10/server.xml", "root:tomcat", XML_VALIDATE, "systemctl restart tomcat10"],
        ["tomcat-index.jsp", "/srv/app/index.jsp", "root:root", undefined, undefined],
      ],
    );
    assert.deepEqual(found.files[0].parts, [
      '<Server>\n  <Connector port="8443" keystorePass="',
      { secret: "tomcat-server.xml-secret-1", value: "s3cret" },
      '"/>\n  <Context docBase="/srv/app" path="" reloadable="true"/>\n</Server>\n',
    ]);
    assert.deepEqual(found.unmanaged, ["tomcat file /srv/app/logo.png: not UTF-8 text; not adopted"]);
  });

  it("two files of one name on a host get distinct resource names; the program type-checks with ManagedFiles without validate or reload", function () {
    this.timeout(120000);
    const split = (t: string, name: string) => splitSecrets("tomcat", t, name);
    const web = tomcatApps(
      file("/srv/a/index.jsp", "/srv/a/index.jsp", "a\n") + file("/srv/b/index.jsp", "/srv/b/index.jsp", "b `${x}`\n"),
      split,
    );
    const findings = { ...parseDiscovery(output({})), files: web.files };
    const { files, ids } = renderProgram([{ name: "tomcat1", connection: conn, findings }], OPTS);
    assert.deepEqual(Object.keys(ids), ["tomcat1-tomcat-index.jsp", "tomcat1-tomcat-index.jsp-2"]);
    assert.deepEqual(typeErrors(files["index.ts"]), [], files["index.ts"]);
  });
});
