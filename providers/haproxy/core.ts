// HaproxyListener's pure core: input checks, the managed main file
// (/etc/haproxy/haproxy.cfg: global + defaults) and one include file per
// listener (/etc/haproxy/conf.d/<name>.cfg). Target: HAProxy 2.6 (Debian
// bookworm), run by systemd in master-worker mode (-Ws).
//
// Every value that reaches a rendered file is checked first to be a single
// word of a safe alphabet (names, addresses, time values, URIs) or a finite
// integer in range, so no input can add a line, a section, a comment or a
// quoted argument to the file.
import * as net from "node:net";
import { hostPort } from "../common/net";
import { Checker, CheckFailure, checkConnection, isUnknown, known, show } from "../common/check";

export interface HaproxyServer {
  name: string;
  address: string;
  port: number;
  /** 0..256, default 1 (0: no new traffic). */
  weight?: number;
  /** Health check; default true. */
  check?: boolean;
  /** Check interval in ms. */
  inter?: number;
  fall?: number;
  rise?: number;
  backup?: boolean;
  maxconn?: number;
}

/** HAProxy time values: ^\d+(us|ms|s|m|h|d)?$ (no unit: milliseconds). */
export interface HaproxyTimeouts {
  connect?: string;
  client?: string;
  server?: string;
  queue?: string;
  httpRequest?: string;
  httpKeepAlive?: string;
  check?: string;
}

export interface HaproxyListenerSpec {
  /** Section name and file name /etc/haproxy/conf.d/<name>.cfg. */
  name: string;
  /** Default "listen"; "frontend-backend" renders `frontend <name>` + `backend <name>_servers`. */
  style?: "listen" | "frontend-backend";
  /** Default "http". */
  mode?: "tcp" | "http";
  /** At least one; address default "*". */
  bind: { address?: string; port: number }[];
  /** One of HAPROXY_BALANCE; default roundrobin. */
  balance?: string;
  /** At least one, unique names. */
  servers: HaproxyServer[];
  /** option httpchk METHOD URI (http mode only). */
  httpCheck?: { method?: "GET" | "HEAD" | "OPTIONS"; uri: string };
  timeouts?: HaproxyTimeouts;
  maxconn?: number;
  retries?: number;
  redispatch?: boolean;
  /** option forwardfor (http mode only). */
  forwardFor?: boolean;
}

export const HAPROXY_BALANCE: readonly string[] = ["roundrobin", "static-rr", "leastconn", "first", "source", "uri", "random"];

const STYLES = ["listen", "frontend-backend"] as const;
const MODES = ["tcp", "http"] as const;
const METHODS = ["GET", "HEAD", "OPTIONS"] as const;

/** Timeout keys in a fixed order, with the HAProxy keyword and the section that takes it in the frontend/backend style. */
const TIMEOUTS: readonly { key: keyof HaproxyTimeouts; keyword: string; side: "frontend" | "backend" }[] = [
  { key: "httpRequest", keyword: "http-request", side: "frontend" },
  { key: "httpKeepAlive", keyword: "http-keep-alive", side: "frontend" },
  { key: "client", keyword: "client", side: "frontend" },
  { key: "queue", keyword: "queue", side: "backend" },
  { key: "connect", keyword: "connect", side: "backend" },
  { key: "server", keyword: "server", side: "backend" },
  { key: "check", keyword: "check", side: "backend" },
];

/** Section names, server names and file names: a word that cannot break a line or a path. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_DESCRIPTION = "a name of 1..64 letters, digits, '_', '-', '.' starting with a letter or digit";
/** Characters an address may have after net.isIP (refuses IPv6 zone ids such as fe80::1%eth0). */
const ADDRESS_CHARS = /^[0-9A-Fa-f:.]+$/;
const TIME = /^(\d{1,10})(us|ms|s|m|h|d)?$/;
const TIME_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** HAProxy refuses time values of 2^31 ms or more. */
const TIME_MAX_MS = 2_147_483_647;
/** An absolute path with an optional query: RFC 3986 path and query characters, less quotes and '$'. */
const URI = /^\/[A-Za-z0-9\-._~!&()*+,;=:@%/?]{0,1023}$/;

const PORT_MAX = 65535;
const MAXCONN_MAX = 1_000_000;
const WEIGHT_MAX = 256;
const INTER_MAX_MS = 86_400_000;
const FALL_RISE_MAX = 1000;
const RETRIES_MAX = 100;

function address(c: Checker, property: string, v: unknown, allowStar: boolean): void {
  if (!known(v)) return;
  if (allowStar && v === "*") return;
  if (typeof v === "string" && ADDRESS_CHARS.test(v) && net.isIP(v) !== 0) return;
  c.fail(
    property,
    `${property} must be an IPv4 or IPv6 address${allowStar ? ' or "*"' : ""} (no zone id, host name or port); got ${show(v)}`,
  );
}

/** The value of a HAProxy time string in ms, or undefined when it is not one. */
function timeMs(v: string): number | undefined {
  const m = TIME.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * TIME_MS[m[2] ?? "ms"];
}

function time(c: Checker, property: string, v: unknown): void {
  if (!known(v)) return;
  const ms = typeof v === "string" ? timeMs(v) : undefined;
  if (ms !== undefined && ms > 0 && ms <= TIME_MAX_MS) return;
  c.fail(
    property,
    `${property} must be a HAProxy time value above 0 and below 24.8 days: digits with an optional unit us, ms, s, m, h or d (e.g. "10s", "1m", "500ms"); got ${show(v)}`,
  );
}

/** Checks resource inputs ({ connection, ...spec }); calls checkConnection(c, inputs.connection) from ../common/check. */
export function checkHaproxyListener(inputs: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);

  if (c.required("name", inputs.name))
    c.word("name", inputs.name, NAME, `${NAME_DESCRIPTION} (it becomes the section name and /etc/haproxy/conf.d/<name>.cfg)`);
  c.oneOf("style", inputs.style, STYLES);
  c.oneOf("mode", inputs.mode, MODES);
  c.oneOf("balance", inputs.balance, HAPROXY_BALANCE);
  c.int("maxconn", inputs.maxconn, 1, MAXCONN_MAX);
  c.int("retries", inputs.retries, 0, RETRIES_MAX);
  c.bool("redispatch", inputs.redispatch);
  c.bool("forwardFor", inputs.forwardFor);

  // The mode decides which HTTP-only options are allowed; an unknown mode defers those rules.
  const mode = isUnknown(inputs.mode) ? undefined : (inputs.mode ?? "http");
  if (mode === "tcp" && inputs.forwardFor === true) {
    c.fail("forwardFor", 'forwardFor (option forwardfor) needs mode "http"; got mode "tcp"');
  }
  if (mode === "tcp" && inputs.balance === "uri") {
    c.fail(
      "balance",
      'balance "uri" hashes the HTTP request and needs mode "http" (HAProxy would fall back to roundrobin); got mode "tcp"',
    );
  }

  const seenBinds = new Map<string, number>();
  if (c.required("bind", inputs.bind))
    c.records("bind", inputs.bind, 1, "{ address?, port } (at least one address:port to listen on)", "{ address?, port }", (b, p, i) => {
      address(c, `${p}.address`, b.address, true);
      if (c.required(`${p}.port`, b.port)) c.int(`${p}.port`, b.port, 1, PORT_MAX);
      if (isUnknown(b.address) || typeof b.port !== "number") return;
      const a = b.address === undefined || b.address === null || b.address === "0.0.0.0" ? "*" : String(b.address);
      const key = `${a}:${String(b.port)}`;
      const first = seenBinds.get(key);
      if (first !== undefined)
        c.fail(p, `${p} must differ from bind[${first}]: both listen on ${a.includes(":") ? `[${a}]` : a}:${String(b.port)}`);
      else seenBinds.set(key, i);
    });

  const seenServers = new Map<string, number>();
  const what = "{ name, address, port, weight?, check?, inter?, fall?, rise?, backup?, maxconn? }";
  if (c.required("servers", inputs.servers))
    c.records("servers", inputs.servers, 1, what, "{ name, address, port, ... }", (s, p, i) => {
      if (c.required(`${p}.name`, s.name)) c.word(`${p}.name`, s.name, NAME, NAME_DESCRIPTION);
      if (c.required(`${p}.address`, s.address)) address(c, `${p}.address`, s.address, false);
      if (c.required(`${p}.port`, s.port)) c.int(`${p}.port`, s.port, 1, PORT_MAX);
      c.int(`${p}.weight`, s.weight, 0, WEIGHT_MAX);
      c.bool(`${p}.check`, s.check);
      c.int(`${p}.inter`, s.inter, 1, INTER_MAX_MS);
      c.int(`${p}.fall`, s.fall, 1, FALL_RISE_MAX);
      c.int(`${p}.rise`, s.rise, 1, FALL_RISE_MAX);
      c.bool(`${p}.backup`, s.backup);
      c.int(`${p}.maxconn`, s.maxconn, 1, MAXCONN_MAX);
      if (typeof s.name === "string" && !isUnknown(s.name)) {
        const first = seenServers.get(s.name);
        if (first !== undefined) c.fail(`${p}.name`, `${p}.name must be unique: ${JSON.stringify(s.name)} is also servers[${first}].name`);
        else seenServers.set(s.name, i);
      }
    });

  const hc = c.record("httpCheck", inputs.httpCheck, '{ method?: "GET" | "HEAD" | "OPTIONS", uri: "/..." }');
  if (hc) {
    c.oneOf("httpCheck.method", hc.method, METHODS);
    if (c.required("httpCheck.uri", hc.uri)) {
      c.word(
        "httpCheck.uri",
        hc.uri,
        URI,
        "a path starting with '/' (at most 1024 URI characters; no spaces, quotes, '#', '\\', '$' or newlines)",
      );
    }
    if (mode === "tcp") c.fail("httpCheck", 'httpCheck (option httpchk) needs mode "http"; got mode "tcp"');
  }

  const t = c.record("timeouts", inputs.timeouts, `an object with any of ${TIMEOUTS.map((x) => x.key).join(", ")}`);
  if (t) {
    const allowed = TIMEOUTS.map((x) => x.key as string);
    for (const [k, v] of Object.entries(t)) {
      if (!allowed.includes(k)) {
        c.fail(`timeouts.${k}`, `timeouts.${k} is not a timeout this resource sets; allowed: ${allowed.join(", ")}`);
        continue;
      }
      time(c, `timeouts.${k}`, v);
    }
  }

  return c.failures;
}

function serverLine(s: HaproxyServer): string {
  const words = ["server", s.name, hostPort(s.address, s.port)];
  if (s.check ?? true) words.push("check");
  if (s.inter !== undefined) words.push("inter", String(s.inter));
  if (s.fall !== undefined) words.push("fall", String(s.fall));
  if (s.rise !== undefined) words.push("rise", String(s.rise));
  words.push("weight", String(s.weight ?? 1));
  if (s.maxconn !== undefined) words.push("maxconn", String(s.maxconn));
  if (s.backup) words.push("backup");
  return words.join(" ");
}

const INDENT = "    ";

function section(header: string, body: string[]): string[] {
  return [header, ...body.map((l) => INDENT + l)];
}

/** The include file for one listener (/etc/haproxy/conf.d/<name>.cfg). Deterministic. */
export function renderHaproxyListener(spec: HaproxyListenerSpec): string {
  const mode = spec.mode ?? "http";
  const style = spec.style ?? "listen";
  const timeouts = spec.timeouts ?? {};

  // What a client-facing section says (frontend, or the listen section).
  const front: string[] = spec.bind.map((b) => `bind ${hostPort(b.address ?? "*", b.port)}`);
  const modeLines = [`mode ${mode}`];
  // The defaults say `option httplog`; a tcp section replaces it (HAProxy would warn and fall back otherwise).
  if (mode === "tcp") modeLines.push("option tcplog");
  const frontOptions: string[] = [];
  if (spec.maxconn !== undefined) frontOptions.push(`maxconn ${spec.maxconn}`);
  // The defaults do not set forwardfor, and HAProxy 2.6 refuses `no option forwardfor`: false renders nothing.
  if (spec.forwardFor) frontOptions.push("option forwardfor");

  // What a server-facing section says (backend, or the listen section).
  const backOptions: string[] = [`balance ${spec.balance ?? "roundrobin"}`];
  if (spec.retries !== undefined) backOptions.push(`retries ${spec.retries}`);
  if (spec.redispatch !== undefined) backOptions.push(`${spec.redispatch ? "" : "no "}option redispatch`);
  if (spec.httpCheck) backOptions.push(`option httpchk ${spec.httpCheck.method ?? "GET"} ${spec.httpCheck.uri}`);

  const timeoutLines = (side?: "frontend" | "backend"): string[] =>
    TIMEOUTS.filter((t) => (side === undefined || t.side === side) && timeouts[t.key] !== undefined).map(
      (t) => `timeout ${t.keyword} ${timeouts[t.key] as string}`,
    );
  const serverLines = spec.servers.map(serverLine);

  const header = `# Managed by pulumi-lvs (HaproxyListener ${spec.name}). Changes here are overwritten.`;
  let lines: string[];
  if (style === "listen") {
    lines = [
      header,
      ...section(`listen ${spec.name}`, [...front, ...modeLines, ...frontOptions, ...backOptions, ...timeoutLines(), ...serverLines]),
    ];
  } else {
    const backend = `${spec.name}_servers`;
    lines = [
      header,
      ...section(`frontend ${spec.name}`, [
        ...front,
        ...modeLines,
        ...frontOptions,
        ...timeoutLines("frontend"),
        `default_backend ${backend}`,
      ]),
      "",
      ...section(`backend ${backend}`, [`mode ${mode}`, ...backOptions, ...timeoutLines("backend"), ...serverLines]),
    ];
  }
  return lines.join("\n") + "\n";
}

/** The managed main file /etc/haproxy/haproxy.cfg: global and defaults sections only (listeners live in conf.d). */
export function renderHaproxyMain(): string {
  return [
    "# Managed by pulumi-lvs (HAProxy main file). Changes here are overwritten.",
    "# Listeners live in /etc/haproxy/conf.d/<name>.cfg, one file each.",
    ...section("global", [
      "log /dev/log local0",
      "log /dev/log local1 notice",
      "chroot /var/lib/haproxy",
      // expose-fd listeners lets a reload hand the listening sockets to the new worker (seamless reload).
      "stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners",
      "stats timeout 30s",
      "user haproxy",
      "group haproxy",
      "daemon",
    ]),
    "",
    ...section("defaults", [
      "log global",
      "mode http",
      "option httplog",
      "option dontlognull",
      "retries 3",
      "option redispatch",
      "maxconn 3000",
      "timeout http-request 10s",
      "timeout queue 1m",
      "timeout connect 10s",
      "timeout client 1m",
      "timeout server 1m",
      "timeout http-keep-alive 10s",
      "timeout check 10s",
    ]),
    "",
  ].join("\n");
}
