// The catalogue of invalid inputs: one entry per mistake, across every
// resource (and, in test/engine/badInput.test.ts, the components). Each names
// the field the refusal must name and a fragment of what is allowed.
import { KIND_NAMES, KindClass, KindName, KINDS } from "../../providers/registry";

export interface BadInput {
  kind: string;
  what: string;
  args: Record<string, unknown>;
  field: string;
  allowed: RegExp;
}

const svcKey = { protocol: "tcp", address: "192.168.118.100", port: 80 };
const vrrp = {
  name: "VI_1",
  state: "MASTER",
  interface: "ens33",
  virtualRouterId: 51,
  priority: 120,
  virtualIpaddress: [{ address: "192.168.118.100" }],
};
const vs = { address: "192.168.118.100", port: 80, lbAlgo: "rr", lbKind: "DR", realServers: [{ address: "192.168.118.30", port: 80 }] };
const listener = { name: "web", bind: [{ port: 80 }], servers: [{ name: "rs1", address: "192.168.118.30", port: 80 }] };
const site = { name: "web", locations: [{ match: "/" }] };
const app = { name: "test", path: "", docBase: "/srv/app", files: { "index.jsp": "x" } };
const file = { path: "/etc/x.conf", content: "x\n" };
const nat = { name: "snat", chain: "POSTROUTING", target: "SNAT", source: "192.168.118.0/24", outInterface: "ens36", to: "12.0.0.20" };
const route = { destination: "default", via: "192.168.118.20" };
const mark = {
  name: "fwmark",
  chain: "PREROUTING",
  target: "MARK",
  destination: "192.168.118.100",
  protocol: "tcp",
  ports: [80, 8080],
  mark: 1,
};

/** One valid input per kind (without its connection): the base each bad input changes, and test/unit/fields.test.ts's. */
export const VALID_ARGS: Record<KindName, Record<string, unknown>> = {
  IpvsService: { address: "192.168.118.100", port: 80 },
  IpvsRealServer: { service: svcKey, address: "192.168.118.30", port: 80, method: "route" },
  VipAlias: { address: "192.168.118.100", interface: "ens33" },
  SysctlSet: { name: "90-lvs", values: { "net.ipv4.ip_forward": "1" } },
  NatRule: nat,
  Route: route,
  KeepalivedInstance: { name: "vi1", vrrp },
  HaproxyListener: listener,
  NginxSite: site,
  TomcatApp: app,
  ManagedFile: file,
  Package: { names: ["nginx"] },
  SystemdService: { unit: "nginx" },
  GeneratedSecret: { length: 16 },
  KernelModule: { name: "ipip" },
};

const patch = (base: Record<string, unknown>, p: Record<string, unknown>) => ({ ...structuredClone(base), ...p });

export const BAD_INPUTS: BadInput[] = [
  // IpvsService
  {
    kind: "IpvsService",
    what: "address out of range",
    args: { address: "12.0.0.300", port: 80 },
    field: "address",
    allowed: /IPv4 or IPv6 address/,
  },
  { kind: "IpvsService", what: "port 70000", args: { address: "12.0.0.20", port: 70000 }, field: "port", allowed: /0\.\.65535/ },
  {
    kind: "IpvsService",
    what: "unknown scheduler",
    args: { address: "12.0.0.20", port: 80, scheduler: "fastest" },
    field: "scheduler",
    allowed: /rr, wrr, lc, wlc/,
  },
  {
    kind: "IpvsService",
    what: "negative persistence",
    args: { address: "12.0.0.20", port: 80, persistence: -5 },
    field: "persistence",
    allowed: /integer/,
  },
  {
    kind: "IpvsService",
    what: "unknown protocol",
    args: { protocol: "icmp", address: "12.0.0.20", port: 80 },
    field: "protocol",
    allowed: /tcp, udp, sctp, fwmark/,
  },
  {
    kind: "IpvsService",
    what: "one-packet on tcp",
    args: { address: "12.0.0.20", port: 80, onePacket: true },
    field: "onePacket",
    allowed: /only for udp/,
  },
  {
    kind: "IpvsService",
    what: "netmask without persistence",
    args: { address: "12.0.0.20", port: 80, netmask: "255.255.255.0" },
    field: "netmask",
    allowed: /set persistence/,
  },
  {
    kind: "IpvsService",
    what: "sh flag with rr",
    args: { address: "12.0.0.20", port: 80, scheduler: "rr", schedFlags: ["sh-port"] },
    field: "schedFlags",
    allowed: /needs scheduler sh/,
  },
  // IpvsRealServer
  {
    kind: "IpvsRealServer",
    what: "host name as address",
    args: { service: svcKey, address: "rs1" },
    field: "address",
    allowed: /IPv4 or IPv6 address/,
  },
  {
    kind: "IpvsRealServer",
    what: "weight 70000",
    args: { service: svcKey, address: "192.168.118.30", weight: 70000 },
    field: "weight",
    allowed: /0\.\.65535/,
  },
  {
    kind: "IpvsRealServer",
    what: "negative weight",
    args: { service: svcKey, address: "192.168.118.30", weight: -1 },
    field: "weight",
    allowed: /0\.\.65535/,
  },
  {
    kind: "IpvsRealServer",
    what: "unknown method",
    args: { service: svcKey, address: "192.168.118.30", method: "nat" },
    field: "method",
    allowed: /masq, route, tunnel/,
  },
  {
    kind: "IpvsRealServer",
    what: "DR with another port",
    args: { service: svcKey, address: "192.168.118.30", port: 8080, method: "route" },
    field: "port",
    allowed: /must equal the service port/,
  },
  {
    kind: "IpvsRealServer",
    what: "thresholds inverted",
    args: { service: svcKey, address: "192.168.118.30", upperThreshold: 10, lowerThreshold: 20 },
    field: "lowerThreshold",
    allowed: /must not exceed upperThreshold/,
  },
  {
    kind: "IpvsRealServer",
    what: "tunnel type without tunnel",
    args: { service: svcKey, address: "192.168.118.30", method: "route", tunType: "gue", tunPort: 6080 },
    field: "tunType",
    allowed: /only to method tunnel/,
  },
  {
    kind: "IpvsRealServer",
    what: "gue without its port",
    args: { service: svcKey, address: "192.168.118.30", method: "tunnel", tunType: "gue" },
    field: "tunPort",
    allowed: /required for tunType gue/,
  },
  {
    kind: "IpvsRealServer",
    what: "a port on a gre tunnel",
    args: { service: svcKey, address: "192.168.118.30", method: "tunnel", tunType: "gre", tunPort: 6080 },
    field: "tunPort",
    allowed: /only to tunType gue/,
  },
  // VipAlias
  {
    kind: "VipAlias",
    what: "address out of range",
    args: { address: "192.168.118.300", interface: "ens33" },
    field: "address",
    allowed: /IPv4 or IPv6 address/,
  },
  {
    kind: "VipAlias",
    what: "prefix 33",
    args: { address: "192.168.118.100", prefix: 33, interface: "ens33" },
    field: "prefix",
    allowed: /1\.\.32/,
  },
  {
    kind: "VipAlias",
    what: "interface with a space",
    args: { address: "192.168.118.100", interface: "ens 33" },
    field: "interface",
    allowed: /interface name/,
  },
  {
    kind: "VipAlias",
    what: "label of another interface",
    args: { address: "192.168.118.100", interface: "ens33", label: "eth0:0" },
    field: "label",
    allowed: /"ens33:<suffix>"/,
  },
  {
    kind: "VipAlias",
    what: "gratuitous ARP on lo",
    args: { address: "192.168.118.100", interface: "lo", gratuitousArp: true },
    field: "gratuitousArp",
    allowed: /lo/,
  },
  // SysctlSet
  {
    kind: "SysctlSet",
    what: "file name with a path",
    args: { name: "../x", values: { "net.ipv4.ip_forward": "1" } },
    field: "name",
    allowed: /letters, digits/,
  },
  { kind: "SysctlSet", what: "no values", args: { name: "x", values: {} }, field: "values", allowed: /non-empty map/ },
  {
    kind: "SysctlSet",
    what: "key with shell syntax",
    args: { name: "x", values: { "net.ipv4.ip_forward; reboot": "1" } },
    field: 'values["net.ipv4.ip_forward; reboot"]',
    allowed: /look like net\.ipv4\.ip_forward/,
  },
  {
    kind: "SysctlSet",
    what: "key given as a path with '..'",
    args: { name: "x", values: { "/proc/sys/net/../../etc/shadow": "1" } },
    field: 'values["/proc/sys/net/../../etc/shadow"]',
    allowed: /under \/proc\/sys/,
  },
  {
    kind: "SysctlSet",
    what: "value with a newline",
    args: { name: "x", values: { "net.ipv4.ip_forward": "1\nkernel.panic=1" } },
    field: 'values["net.ipv4.ip_forward"]',
    allowed: /no quotes, newlines or shell syntax/,
  },
  // KeepalivedInstance
  {
    kind: "KeepalivedInstance",
    what: "VRID 256",
    args: { name: "lvs", vrrp: { ...vrrp, virtualRouterId: 256 } },
    field: "vrrp.virtualRouterId",
    allowed: /1\.\.255/,
  },
  {
    kind: "KeepalivedInstance",
    what: "priority 0",
    args: { name: "lvs", vrrp: { ...vrrp, priority: 0 } },
    field: "vrrp.priority",
    allowed: /1\.\.254/,
  },
  {
    kind: "KeepalivedInstance",
    what: "priority 255",
    args: { name: "lvs", vrrp: { ...vrrp, priority: 255 } },
    field: "vrrp.priority",
    allowed: /1\.\.254/,
  },
  {
    kind: "KeepalivedInstance",
    what: "auth_pass of 9 characters",
    args: { name: "lvs", vrrp: { ...vrrp, authentication: { type: "PASS", pass: "123456789" } } },
    field: "vrrp.authentication.pass",
    allowed: /1\.\.8/,
  },
  {
    kind: "KeepalivedInstance",
    what: "unknown state",
    args: { name: "lvs", vrrp: { ...vrrp, state: "LEADER" } },
    field: "vrrp.state",
    allowed: /MASTER, BACKUP/,
  },
  {
    kind: "KeepalivedInstance",
    what: "newline in the interface",
    args: { name: "lvs", vrrp: { ...vrrp, interface: "ens33\n}" } },
    field: "vrrp.interface",
    allowed: /interface name/,
  },
  {
    kind: "KeepalivedInstance",
    what: "nopreempt on MASTER",
    args: { name: "lvs", vrrp: { ...vrrp, nopreempt: true } },
    field: "vrrp.nopreempt",
    allowed: /BACKUP/,
  },
  {
    kind: "KeepalivedInstance",
    what: "undeclared track script",
    args: { name: "lvs", vrrp: { ...vrrp, trackScript: ["check_nginx"] } },
    field: "vrrp.trackScript[0]",
    allowed: /scripts/,
  },
  {
    kind: "KeepalivedInstance",
    what: "unknown lb_algo",
    args: { name: "lvs", virtualServers: [{ ...vs, lbAlgo: "fastest" }] },
    field: "virtualServers[0].lbAlgo",
    allowed: /rr, wrr/,
  },
  {
    kind: "KeepalivedInstance",
    what: "quote in a script",
    args: { name: "lvs", scripts: [{ name: "chk", script: '/bin/true" }\nvrrp_instance X {' }] },
    field: "scripts[0].script",
    allowed: /printable/,
  },
  // HaproxyListener
  {
    kind: "HaproxyListener",
    what: "unknown balance",
    args: { ...listener, balance: "fastest" },
    field: "balance",
    allowed: /roundrobin, static-rr/,
  },
  {
    kind: "HaproxyListener",
    what: "bind port 0",
    args: { ...listener, bind: [{ port: 0 }] },
    field: "bind[0].port",
    allowed: /1\.\.65535/,
  },
  {
    kind: "HaproxyListener",
    what: "server host name",
    args: { ...listener, servers: [{ name: "rs1", address: "rs1.example", port: 80 }] },
    field: "servers[0].address",
    allowed: /IPv4 or IPv6/,
  },
  {
    kind: "HaproxyListener",
    what: "weight 300",
    args: { ...listener, servers: [{ name: "rs1", address: "192.168.118.30", port: 80, weight: 300 }] },
    field: "servers[0].weight",
    allowed: /0\.\.256/,
  },
  {
    kind: "HaproxyListener",
    what: "timeout with a space",
    args: { ...listener, timeouts: { client: "10 s" } },
    field: "timeouts.client",
    allowed: /us, ms, s, m, h|unit/,
  },
  {
    kind: "HaproxyListener",
    what: "httpchk in tcp mode",
    args: { ...listener, mode: "tcp", httpCheck: { uri: "/" } },
    field: "httpCheck",
    allowed: /needs mode "http"/,
  },
  {
    kind: "HaproxyListener",
    what: "duplicate server names",
    args: { ...listener, servers: [listener.servers[0], { ...listener.servers[0], address: "192.168.118.40" }] },
    field: "servers[1].name",
    allowed: /unique|duplicate/,
  },
  {
    kind: "HaproxyListener",
    what: "name with shell syntax",
    args: { ...listener, name: "web;reboot" },
    field: "name",
    allowed: /letters, digits/,
  },
  // NginxSite
  {
    kind: "NginxSite",
    what: "upstream weight 0",
    args: { ...site, upstreams: [{ name: "tomcat", servers: [{ address: "192.168.118.50", port: 8080, weight: 0 }] }] },
    field: "upstreams[0].servers[0].weight",
    allowed: /1\.\.1000/,
  },
  {
    kind: "NginxSite",
    what: "location with a ;",
    args: { ...site, locations: [{ match: "/; include /etc/shadow" }] },
    field: "locations[0].match",
    allowed: /./,
  },
  {
    kind: "NginxSite",
    what: "proxy_pass to an undeclared upstream",
    args: { ...site, locations: [{ match: "/", proxyPass: "http://tomcat" }] },
    field: "locations[0].proxyPass",
    allowed: /upstream/,
  },
  { kind: "NginxSite", what: "listen 70000", args: { ...site, listen: 70000 }, field: "listen", allowed: /1\.\.65535/ },
  { kind: "NginxSite", what: "relative root", args: { ...site, root: "var/www" }, field: "root", allowed: /absolute/ },
  { kind: "NginxSite", what: "server name with a space", args: { ...site, serverName: ["a b"] }, field: "serverName[0]", allowed: /./ },
  // TomcatApp
  { kind: "TomcatApp", what: "path with a space", args: patch(app, { path: "/a b" }), field: "path", allowed: /\/shop|segments|letters/ },
  {
    kind: "TomcatApp",
    what: "readiness probe of an unknown type",
    args: patch(app, { readiness: { probe: { type: "ping" } } }),
    field: "readiness.probe.type",
    allowed: /http, tcp, command, none/,
  },
  {
    kind: "TomcatApp",
    what: "readiness URL with shell syntax",
    args: patch(app, { readiness: { probe: { type: "http", url: "http://x/$(reboot)" } } }),
    field: "readiness.probe.url",
    allowed: /URL without spaces or quotes/,
  },
  { kind: "TomcatApp", what: "docBase /", args: patch(app, { docBase: "/" }), field: "docBase", allowed: /absolute/ },
  {
    kind: "TomcatApp",
    what: "file outside docBase",
    args: patch(app, { files: { "../x.jsp": "x" } }),
    field: 'files["../x.jsp"]',
    allowed: /relative/,
  },
  { kind: "TomcatApp", what: "name with a slash", args: patch(app, { name: "a/b" }), field: "name", allowed: /letters, digits/ },
  // ManagedFile
  { kind: "ManagedFile", what: "relative path", args: patch(file, { path: "etc/x" }), field: "path", allowed: /absolute path/ },
  { kind: "ManagedFile", what: "mode 999", args: patch(file, { mode: "999" }), field: "mode", allowed: /octal mode/ },
  {
    kind: "ManagedFile",
    what: "owner with shell syntax",
    args: patch(file, { owner: "root;id" }),
    field: "owner",
    allowed: /user or user:group/,
  },
  { kind: "ManagedFile", what: "validate without %s", args: patch(file, { validate: "nginx -t" }), field: "validate", allowed: /%s/ },
  // NatRule
  { kind: "NatRule", what: "prefix 33", args: patch(nat, { source: "192.168.118.0/33" }), field: "source", allowed: /CIDR|address/ },
  { kind: "NatRule", what: "unknown target", args: patch(nat, { target: "ACCEPT" }), field: "target", allowed: /SNAT, MASQUERADE, DNAT/ },
  { kind: "NatRule", what: "to with MASQUERADE", args: patch(nat, { target: "MASQUERADE" }), field: "to", allowed: /MASQUERADE/ },
  {
    kind: "NatRule",
    what: "out interface on PREROUTING",
    args: patch(nat, { chain: "PREROUTING", target: "DNAT", outInterface: "ens36", to: "192.168.118.30" }),
    field: "outInterface",
    allowed: /POSTROUTING/,
  },
  {
    kind: "NatRule",
    what: "MARK without mark",
    args: patch(mark, { mark: undefined }),
    field: "mark",
    allowed: /required for MARK.*1\.\.4294967295/,
  },
  { kind: "NatRule", what: "mark 0", args: patch(mark, { mark: 0 }), field: "mark", allowed: /1\.\.4294967295/ },
  { kind: "NatRule", what: "mark with SNAT", args: patch(nat, { mark: 1 }), field: "mark", allowed: /target MARK only/ },
  { kind: "NatRule", what: "MARK in POSTROUTING", args: patch(mark, { chain: "POSTROUTING" }), field: "target", allowed: /PREROUTING/ },
  { kind: "NatRule", what: "to with MARK", args: patch(mark, { to: "192.168.118.30" }), field: "to", allowed: /refused for MARK/ },
  {
    kind: "NatRule",
    what: "16 ports",
    args: patch(mark, { ports: Array.from({ length: 16 }, (_, i) => 8000 + i) }),
    field: "ports",
    allowed: /at most 15/,
  },
  { kind: "NatRule", what: "port 0 in ports", args: patch(mark, { ports: [80, 0] }), field: "ports[1]", allowed: /1\.\.65535/ },
  { kind: "NatRule", what: "a port twice in ports", args: patch(mark, { ports: [80, 80] }), field: "ports[1]", allowed: /once/ },
  { kind: "NatRule", what: "ports with port", args: patch(mark, { port: 80 }), field: "ports", allowed: /exclusive/ },
  {
    kind: "NatRule",
    what: "ports without protocol",
    args: patch(mark, { protocol: undefined }),
    field: "ports",
    allowed: /needs protocol: tcp or udp/,
  },
  // Route
  { kind: "Route", what: "0.0.0.0/0", args: patch(route, { destination: "0.0.0.0/0" }), field: "destination", allowed: /default/ },
  { kind: "Route", what: "gateway by name", args: patch(route, { via: "gw" }), field: "via", allowed: /IPv4/ },
  { kind: "Route", what: "interface with a space", args: patch(route, { dev: "eth 0" }), field: "dev", allowed: /interface/ },
  // KernelModule
  { kind: "KernelModule", what: "name with shell syntax", args: { name: "ipip;reboot" }, field: "name", allowed: /kernel module name/ },
  { kind: "KernelModule", what: "a path as name", args: { name: "../ipip" }, field: "name", allowed: /kernel module name/ },
  { kind: "KernelModule", what: "persist as a string", args: { name: "ipip", persist: "yes" }, field: "persist", allowed: /true or false/ },
  // Package, SystemdService, GeneratedSecret
  { kind: "Package", what: "no names", args: { names: [] }, field: "names", allowed: /non-empty list/ },
  { kind: "Package", what: "name with shell syntax", args: { names: ["nginx;reboot"] }, field: "names[0]", allowed: /package name/ },
  { kind: "SystemdService", what: "unit with a space", args: { unit: "nginx service" }, field: "unit", allowed: /systemd unit name/ },
  {
    kind: "SystemdService",
    what: "running as a string",
    args: { unit: "nginx", running: "yes" },
    field: "running",
    allowed: /true or false/,
  },
  { kind: "GeneratedSecret", what: "length 0", args: { length: 0 }, field: "length", allowed: /1\.\.256/ },
  { kind: "GeneratedSecret", what: "one character", args: { length: 8, characters: "a" }, field: "characters", allowed: /at least 2/ },
  // The connection every host resource takes
  {
    kind: "IpvsService",
    what: "host with a space",
    args: { address: "12.0.0.20", port: 80, connection: { host: "a b" } },
    field: "connection.host",
    allowed: /host name or address/,
  },
  {
    kind: "IpvsService",
    what: "ssh port 0",
    args: { address: "12.0.0.20", port: 80, connection: { host: "127.0.0.1", port: 0 } },
    field: "connection.port",
    allowed: /1\.\.65535/,
  },
  {
    kind: "IpvsService",
    what: "malformed host key pin",
    args: { address: "12.0.0.20", port: 80, connection: { host: "127.0.0.1", hostKeySha256: "abc" } },
    field: "connection.hostKeySha256",
    allowed: /SHA256:/,
  },
  {
    kind: "IpvsService",
    what: "privateKey and privateKeyPath together",
    // argsOf adds CLOSED_PORT's privateKey
    args: { address: "12.0.0.20", port: 80, connection: { host: "127.0.0.1", privateKeyPath: "~/.ssh/id_ed25519" } },
    field: "connection.privateKeyPath",
    allowed: /privateKey and connection\.privateKeyPath are both given/,
  },
];

/** A connection to a closed port: any attempt to reach a host would fail with a connection error instead. */
export const CLOSED_PORT = { host: "127.0.0.1", port: 1, privateKey: "not a key", hostKeySha256: `SHA256:${"A".repeat(43)}` };

/** The resource classes by kind, from the registry. */
export const RESOURCES: Record<string, KindClass> = Object.fromEntries(KIND_NAMES.map((k) => [k, KINDS[k].cls]));

/** The resource's args with the closed-port connection (unless the case sets its own); no connection for GeneratedSecret. */
export function argsOf(b: BadInput): Record<string, unknown> {
  if (b.kind === "GeneratedSecret") return b.args;
  return { ...b.args, connection: { ...CLOSED_PORT, ...((b.args.connection as object) ?? {}) } };
}
