// NginxSite's pure core: input checks and the rendered site file
// /etc/nginx/conf.d/<name>.conf (upstream blocks, then one server block).
// Target: nginx 1.22 (Debian bookworm).
//
// Every value reaches the file as one unquoted nginx token, so each is checked
// to be a word of a safe alphabet first: no whitespace, ';', '{', '}', quotes,
// '#' or a trailing '\' (which would escape the character after it). No input
// can therefore end a directive, open or close a block, or start a comment.
import * as net from "node:net";
import { Checker, CheckFailure, checkConnection, isUnknown, known, show } from "../common/check";
import { hostPort } from "../common/net";
import { hostPath } from "../common/paths";

export interface NginxUpstreamServer {
  address: string;
  port: number;
  /** 1..1000, default 1. */
  weight?: number;
  maxFails?: number;
  /** ^\d+(s|m|h)?$ (no unit: seconds). nginx takes whole seconds here: "500ms" is refused by nginx -t, so by check too. */
  failTimeout?: string;
  backup?: boolean;
}

export interface NginxUpstream {
  name: string;
  /** Default round-robin (no directive). */
  method?: "round-robin" | "least_conn" | "ip_hash";
  servers: NginxUpstreamServer[];
}

export interface NginxLocation {
  /** "/", "= /x", "~ \\.jsp$", "~* ...", "^~ /static/", "@name": modifier (optional) + path or regex. */
  match: string;
  /** "http://<upstream name or address[:port]>[/path]"; a name must be one of the site's upstreams. */
  proxyPass?: string;
  /** Default true when proxyPass: Host $host, X-Real-IP $remote_addr, X-Forwarded-For $proxy_add_x_forwarded_for. */
  proxyHeaders?: boolean;
  /** Absolute path. */
  root?: string;
  index?: string[];
  /** e.g. ["$uri", "$uri/", "=404"]. */
  tryFiles?: string[];
}

export interface NginxSiteSpec {
  /** File name /etc/nginx/conf.d/<name>.conf. */
  name: string;
  /** Default 80. */
  listen?: number;
  /** listen <port> default_server. */
  defaultServer?: boolean;
  /** Default ["_"]. */
  serverName?: string[];
  /** Default /var/www/html. */
  root?: string;
  /** Default ["index.html", "index.htm"]. */
  index?: string[];
  upstreams?: NginxUpstream[];
  /** At least one. */
  locations: NginxLocation[];
}

export const NGINX_METHODS = ["round-robin", "least_conn", "ip_hash"] as const;

/** The seed's proxy headers (the seed spells the first one HOST; header names are case-insensitive). */
export const NGINX_PROXY_HEADERS: readonly (readonly [string, string])[] = [
  ["Host", "$host"],
  ["X-Real-IP", "$remote_addr"],
  ["X-Forwarded-For", "$proxy_add_x_forwarded_for"],
];

export const NGINX_DEFAULTS = { listen: 80, serverName: ["_"], root: "/var/www/html", index: ["index.html", "index.htm"] } as const;

export function nginxSitePath(name: string): string {
  return hostPath("/etc/nginx/conf.d", `${name}.conf`);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UPSTREAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST = `${LABEL}(?:\\.${LABEL})*`;
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST}$`);
const SERVER_NAME = new RegExp(`^(?:_|\\*\\.${HOST}|\\.${HOST}|${HOST}\\.\\*|${HOST})$`);
const ABS_PATH = /^\/(?:[A-Za-z0-9_.@+~-]+\/?)*$/;
const INDEX_FILE = /^\/?[A-Za-z0-9_.@+~-]+(?:\/[A-Za-z0-9_.@+~-]+)*$/;
const FAIL_TIMEOUT = /^\d{1,9}(s|m|h)?$/;
const NAMED_LOCATION = /^@[A-Za-z0-9_-]{1,64}$/;
const MODIFIED = /^(=|~\*|~|\^~) +(.*)$/;
/** Characters that end or open an nginx token, start a comment or quote: never allowed. */
const UNSAFE = /[^\x21-\x7e]|[{};"'#]/;
/** A '$' must start a variable name (nginx refuses "$" followed by anything else). */
const BAD_VARIABLE = /\$(?![A-Za-z_])/;
const URI_CHARS = /^[A-Za-z0-9_.~!$&()*+,=:@%/?-]*$/;
const TRY_FILE = /^[/$][A-Za-z0-9_.~!$&()*+,=:@%/?-]*$/;
const TRY_FALLBACK = /^(?:=[1-5][0-9]{2}|@[A-Za-z0-9_-]{1,64}|\/[A-Za-z0-9_.~!$&()*+,=:@%/?-]*)$/;

function hasDotDot(p: string): boolean {
  return p.split("/").some((s) => s === "..");
}

function absPath(c: Checker, property: string, v: unknown): void {
  if (!known(v)) return;
  if (typeof v !== "string" || !ABS_PATH.test(v) || hasDotDot(v)) {
    c.fail(
      property,
      `${property} must be an absolute path of letters, digits, '_', '.', '-', '@', '+', '~' and '/' (no '..', spaces or quotes); got ${show(v)}`,
    );
  }
}

function indexList(c: Checker, property: string, v: unknown): void {
  const files = c.list(property, v, 1, "file names");
  files?.forEach((f, i) => {
    const p = `${property}[${i}]`;
    if (!known(f)) return;
    if (typeof f !== "string" || !INDEX_FILE.test(f) || hasDotDot(f)) {
      c.fail(
        p,
        `${p} must be a file name like index.html (letters, digits, '_', '.', '-', '/'; no '..', spaces or quotes); got ${show(f)}`,
      );
    }
  });
}

function tryFilesList(c: Checker, property: string, v: unknown): void {
  const items = c.list(property, v, 2, "entries (files to try, then a fallback URI, @name or =code)");
  if (!items) return;
  items.forEach((t, i) => {
    const p = `${property}[${i}]`;
    if (!known(t)) return;
    const last = i === items.length - 1;
    const ok = typeof t === "string" && !BAD_VARIABLE.test(t) && (TRY_FILE.test(t) || (last && TRY_FALLBACK.test(t)));
    if (!ok) {
      c.fail(
        p,
        last
          ? `${p} (the fallback) must be a URI starting with '/' or '$', @name or =code (e.g. =404), without spaces, quotes, ';', '{', '}' or '#'; got ${show(t)}`
          : `${p} must be a path starting with '/' or a variable like $uri (letters, digits and URI punctuation; no spaces, quotes, ';', '{', '}' or '#'); got ${show(t)}`,
      );
    }
  });
}

type Modifier = "" | "=" | "~" | "~*" | "^~" | "@";

interface ParsedMatch {
  modifier: Modifier;
  pattern: string;
}

/** Splits a location match into modifier and path/regex; a string is the reason it is refused. */
function parseMatch(s: string): ParsedMatch | string {
  if (s.startsWith("@")) {
    return NAMED_LOCATION.test(s)
      ? { modifier: "@", pattern: s.slice(1) }
      : "a named location must be @ followed by letters, digits, '_' or '-'";
  }
  const m = MODIFIED.exec(s);
  const modifier = (m ? m[1] : "") as Modifier;
  const pattern = m ? m[2] : s;
  if (modifier === "~" || modifier === "~*") {
    if (pattern === "" || UNSAFE.test(pattern)) return "a regex must be printable characters without spaces, '{', '}', ';', quotes or '#'";
    if (/(^|[^\\])(\\\\)*\\$/.test(pattern)) return "a regex must not end with a lone '\\'";
    const broken = regexError(pattern);
    if (broken !== undefined) return `it is not a valid regular expression (${broken})`;
    return { modifier, pattern };
  }
  if (!pattern.startsWith("/")) {
    return "it must be a path starting with '/', or a modifier (=, ~, ~*, ^~), a space and a path or regex, or @name";
  }
  if (UNSAFE.test(pattern) || pattern.includes("\\"))
    return "a path must be printable characters without spaces, '{', '}', ';', quotes, '#' or '\\'";
  return { modifier, pattern };
}

/** PCRE syntax that JavaScript's RegExp lacks: inline options, (?P<..>), atomic groups, possessive quantifiers, (*VERB). */
const PCRE_ONLY = /\(\?[A-Za-z^|>#-]|\(\?P|[+*?]\+|\(\*/;

/**
 * Why a location regex would not compile, as far as JavaScript's RegExp can
 * tell (unbalanced brackets or parentheses, a quantifier with nothing to
 * repeat); undefined when it compiles, or uses PCRE-only syntax that is left to nginx -t.
 */
function regexError(pattern: string): string | undefined {
  if (PCRE_ONLY.test(pattern)) return undefined;
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    // "Invalid regular expression: /<pattern>/: <reason>"; the pattern has no spaces.
    return (e instanceof Error ? e.message : String(e)).split(": ").pop();
  }
}

interface ParsedProxyPass {
  host: string;
  port?: number;
  path?: string;
  /** The upstream it names, when the host is not an address. */
  upstream?: string;
}

/** Splits a proxy_pass URL; a string is the reason it is refused. */
function parseProxyPass(s: string): ParsedProxyPass | string {
  const m = /^https?:\/\/([^/]*)(\/.*)?$/.exec(s);
  if (!m) return "it must look like http://<upstream name or address[:port]>[/path]";
  const path = m[2];
  if (path !== undefined && (!URI_CHARS.test(path) || BAD_VARIABLE.test(path))) {
    return "its path must be URI characters only (no spaces, quotes, ';', '{', '}', '#' or '\\')";
  }
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::([0-9]{1,5}))?$/.exec(m[1]);
  const other = /^([^:[\]]+)(?::([0-9]{1,5}))?$/.exec(m[1]);
  const hp = v6 ?? other;
  if (!hp) return "its host must be an upstream name, an IPv4 address or a bracketed IPv6 address, with an optional :port";
  const port = hp[2] === undefined ? undefined : Number(hp[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return "its port must be 1..65535";
  const out: ParsedProxyPass = { host: hp[1], ...(port !== undefined ? { port } : {}), ...(path !== undefined ? { path } : {}) };
  if (v6) return net.isIPv6(hp[1]) ? out : "its bracketed host must be an IPv6 address";
  if (net.isIPv4(hp[1])) return out;
  if (/^[0-9.]+$/.test(hp[1])) return "its host is neither a valid IPv4 address nor an upstream name";
  if (!UPSTREAM_NAME.test(hp[1])) return "its host must be an upstream name, an IPv4 address or a bracketed IPv6 address";
  if (port !== undefined) return "an upstream name takes no port (the servers in the upstream have theirs)";
  return { ...out, upstream: hp[1] };
}

/** The key nginx uses to find duplicate locations (a prefix and ^~ on one path collide). */
function matchKey(m: ParsedMatch): string {
  return `${m.modifier === "^~" ? "" : m.modifier} ${m.pattern}`;
}

function checkServer(c: Checker, p: string, v: unknown, ipHash: boolean, seen: Map<string, string>): void {
  const s = c.record(p, v, "an upstream server { address, port, weight?, maxFails?, failTimeout?, backup? }");
  if (!s) return;
  let address: string | undefined;
  if (c.required(`${p}.address`, s.address) && known(s.address)) {
    const a = s.address;
    const ok = typeof a === "string" && (net.isIP(a) !== 0 || (HOSTNAME.test(a) && !/^[0-9.]+$/.test(a)));
    if (ok) address = (a as string).toLowerCase();
    else c.fail(`${p}.address`, `${p}.address must be an IPv4 or IPv6 address or a host name; got ${show(a)}`);
  }
  let port: number | undefined;
  if (c.required(`${p}.port`, s.port) && c.int(`${p}.port`, s.port, 1, 65535)) port = s.port as number;
  c.int(`${p}.weight`, s.weight, 1, 1000);
  c.int(`${p}.maxFails`, s.maxFails, 0, 1000);
  c.word(
    `${p}.failTimeout`,
    s.failTimeout,
    FAIL_TIMEOUT,
    "a time in whole seconds like 10, 10s, 1m or 1h (digits and an optional unit s, m, h; nginx refuses ms here)",
  );
  c.bool(`${p}.backup`, s.backup);
  if (s.backup === true && ipHash)
    c.fail(`${p}.backup`, `${p}.backup cannot be used with method ip_hash (nginx refuses backup servers with ip_hash)`);
  if (address !== undefined && port !== undefined) {
    const key = `${net.isIPv6(address) ? `[${address}]` : address}:${port}`;
    const first = seen.get(key);
    if (first !== undefined)
      c.fail(`${p}.address`, `${p}: server ${key} is already listed as ${first}; address and port must be unique in an upstream`);
    else seen.set(key, p);
  }
}

function checkSite(c: Checker, i: Record<string, unknown>): void {
  if (c.required("name", i.name)) {
    c.word(
      "name",
      i.name,
      NAME,
      "a file name of 1..64 letters, digits, '_', '-', '.' starting with a letter or digit (it becomes /etc/nginx/conf.d/<name>.conf)",
    );
  }
  c.int("listen", i.listen, 1, 65535);
  c.bool("defaultServer", i.defaultServer);
  const names = c.list("serverName", i.serverName, 1, "server names");
  names?.forEach((n, k) =>
    c.word(`serverName[${k}]`, n, SERVER_NAME, "a host name like www.example.com, *.example.com, .example.com, www.example.* or _"),
  );
  absPath(c, "root", i.root);
  indexList(c, "index", i.index);

  // Upstreams: names unique; servers unique within each.
  /** Declared upstream names; undefined when some are not known yet (references are not checked then). */
  let declared: Set<string> | undefined = new Set<string>();
  const upstreamsKnown = c.records("upstreams", i.upstreams, 0, "upstreams", "an upstream { name, method?, servers }", (up, p) => {
    if (isUnknown(up.name)) declared = undefined;
    if (
      c.required(`${p}.name`, up.name) &&
      c.word(`${p}.name`, up.name, UPSTREAM_NAME, "1..64 letters, digits, '_', '-', '.' starting with a letter or '_'")
    ) {
      const n = up.name as string;
      if (declared?.has(n)) c.fail(`${p}.name`, `${p}.name ${show(n)} is already used by another upstream; upstream names must be unique`);
      declared?.add(n);
    }
    c.oneOf(`${p}.method`, up.method, NGINX_METHODS);
    if (c.required(`${p}.servers`, up.servers)) {
      const seen = new Map<string, string>();
      c.list(`${p}.servers`, up.servers, 1, "servers")?.forEach((s, j) =>
        checkServer(c, `${p}.servers[${j}]`, s, up.method === "ip_hash", seen),
      );
    }
  });
  const upstreamNames = upstreamsKnown ? (declared as Set<string> | undefined) : undefined;

  // Locations.
  if (!c.required("locations", i.locations)) return;
  const keys = new Map<string, string>();
  const named = new Set<string>();
  let namedKnown = true;
  const fallbacks: [string, string][] = [];
  const shape = "a location { match, proxyPass?, proxyHeaders?, root?, index?, tryFiles? }";
  const locationsKnown = c.records("locations", i.locations, 1, "locations", shape, (loc, p) => {
    let match: ParsedMatch | undefined;
    if (isUnknown(loc.match)) namedKnown = false;
    if (c.required(`${p}.match`, loc.match) && known(loc.match)) {
      const parsed = typeof loc.match === "string" ? parseMatch(loc.match) : "it must be a string";
      if (typeof parsed === "string") {
        c.fail(`${p}.match`, `${p}.match: ${parsed}; got ${show(loc.match)}`);
      } else {
        match = parsed;
        if (parsed.modifier === "@") named.add(parsed.pattern);
        const key = matchKey(parsed);
        const first = keys.get(key);
        if (first !== undefined)
          c.fail(`${p}.match`, `${p}.match ${show(loc.match)} duplicates ${first}.match; nginx refuses duplicate locations`);
        else keys.set(key, p);
      }
    }
    if (known(loc.proxyPass)) {
      const pp = typeof loc.proxyPass === "string" ? parseProxyPass(loc.proxyPass) : "it must be a string";
      if (typeof pp === "string") {
        c.fail(`${p}.proxyPass`, `${p}.proxyPass: ${pp}; got ${show(loc.proxyPass)}`);
      } else {
        if (pp.upstream !== undefined && upstreamNames !== undefined && !upstreamNames.has(pp.upstream)) {
          const list = [...upstreamNames].join(", ");
          c.fail(
            `${p}.proxyPass`,
            `${p}.proxyPass names upstream ${show(pp.upstream)}, which is not declared in upstreams (declared: ${list || "none"}); got ${show(loc.proxyPass)}`,
          );
        }
        if (pp.path !== undefined && match && (match.modifier === "~" || match.modifier === "~*" || match.modifier === "@")) {
          c.fail(
            `${p}.proxyPass`,
            `${p}.proxyPass cannot have a path in a regex or named location (nginx refuses it); use http://<host> without a path; got ${show(loc.proxyPass)}`,
          );
        }
      }
    }
    c.bool(`${p}.proxyHeaders`, loc.proxyHeaders);
    if (loc.proxyHeaders === true && !known(loc.proxyPass) && !isUnknown(loc.proxyPass)) {
      c.fail(`${p}.proxyHeaders`, `${p}.proxyHeaders applies only to a location with proxyPass`);
    }
    absPath(c, `${p}.root`, loc.root);
    indexList(c, `${p}.index`, loc.index);
    tryFilesList(c, `${p}.tryFiles`, loc.tryFiles);
    if (Array.isArray(loc.tryFiles) && loc.tryFiles.length >= 2) {
      const last = loc.tryFiles[loc.tryFiles.length - 1];
      if (typeof last === "string" && NAMED_LOCATION.test(last))
        fallbacks.push([`${p}.tryFiles[${loc.tryFiles.length - 1}]`, last.slice(1)]);
    }
  });
  if (namedKnown && locationsKnown) {
    for (const [p, name] of fallbacks) {
      if (!named.has(name)) c.fail(p, `${p} falls back to @${name}, but no location has match "@${name}"`);
    }
  }
}

export function checkNginxSite(inputs: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  checkSite(c, inputs);
  return c.failures;
}

function renderMatch(match: string): string {
  const m = parseMatch(match);
  if (typeof m === "string") throw new Error(`invalid location match ${JSON.stringify(match)}: ${m}`);
  if (m.modifier === "@") return `@${m.pattern}`;
  return m.modifier === "" ? m.pattern : `${m.modifier} ${m.pattern}`;
}

/** The site file: a managed-by comment, the upstream blocks, then one server block. Throws on input checkNginxSite refuses. */
export function renderNginxSite(spec: NginxSiteSpec): string {
  const c = new Checker();
  checkSite(c, spec as unknown as Record<string, unknown>);
  if (c.failures.length > 0) throw new Error(`invalid NginxSite: ${c.failures.map((f) => f.reason).join("; ")}`);

  const out: string[] = [`# Managed by pulumi-lvs (NginxSite ${spec.name}). Changes here are overwritten.`];
  for (const u of spec.upstreams ?? []) {
    out.push(`upstream ${u.name} {`);
    if (u.method !== undefined && u.method !== "round-robin") out.push(`    ${u.method};`);
    for (const s of u.servers) {
      const params = [`weight=${s.weight ?? 1}`];
      if (s.maxFails !== undefined) params.push(`max_fails=${s.maxFails}`);
      if (s.failTimeout !== undefined) params.push(`fail_timeout=${s.failTimeout}`);
      if (s.backup === true) params.push("backup");
      out.push(`    server ${hostPort(s.address, s.port)} ${params.join(" ")};`);
    }
    out.push("}", "");
  }
  out.push("server {");
  out.push(`    listen ${spec.listen ?? NGINX_DEFAULTS.listen}${spec.defaultServer === true ? " default_server" : ""};`);
  out.push(`    server_name ${(spec.serverName ?? NGINX_DEFAULTS.serverName).join(" ")};`);
  out.push(`    root ${spec.root ?? NGINX_DEFAULTS.root};`);
  out.push(`    index ${(spec.index ?? NGINX_DEFAULTS.index).join(" ")};`);
  for (const l of spec.locations) {
    out.push("", `    location ${renderMatch(l.match)} {`);
    if (l.root !== undefined) out.push(`        root ${l.root};`);
    if (l.index !== undefined) out.push(`        index ${l.index.join(" ")};`);
    if (l.tryFiles !== undefined) out.push(`        try_files ${l.tryFiles.join(" ")};`);
    if (l.proxyPass !== undefined) {
      out.push(`        proxy_pass ${l.proxyPass};`);
      if (l.proxyHeaders !== false) for (const [h, v] of NGINX_PROXY_HEADERS) out.push(`        proxy_set_header ${h} ${v};`);
    }
    out.push("    }");
  }
  out.push("}", "");
  return out.join("\n");
}
