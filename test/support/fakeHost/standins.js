#!/usr/bin/env node
// Stand-ins for the host tools the providers call, run inside a fake host's
// namespaces (test/support/fakeHost.ts installs one small wrapper per tool; systemctl is
// fakeHost/systemctl.sh,
// `exec node standins.js <tool> "$@"`, over the real binary's path).
//
// Each tool is a typed in-memory model persisted as JSON under
// /var/lib/fakehost (in the fake host's overlay of /var), printing exactly
// the formats the providers' parsers read. Nothing here touches the real
// machine: the fake host has its own mount, network and pid namespaces, and
// these models never call the kernel.
//
// Plain JavaScript (not TypeScript): each call is a fresh `node` process, and
// compiling TypeScript per call would cost more than the call.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const STATE = "/var/lib/fakehost";

function load(name, init) {
  const f = path.join(STATE, `${name}.json`);
  try {
    return JSON.parse(fs.readFileSync(f, "utf8"));
  } catch {
    return init;
  }
}

function save(name, value) {
  fs.mkdirSync(STATE, { recursive: true });
  const f = path.join(STATE, `${name}.json`);
  fs.writeFileSync(`${f}.tmp`, JSON.stringify(value, null, 1));
  fs.renameSync(`${f}.tmp`, f);
}

function log(tool, args) {
  fs.mkdirSync(STATE, { recursive: true });
  fs.appendFileSync(path.join(STATE, "calls.log"), `${[tool, ...args].join(" ")}\n`);
}

function die(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}
const dieNow = die;

// ---------------------------------------------------------------- ipvsadm

function ipvsKey(args, i) {
  const f = args[i];
  if (f === "-t" || f === "--tcp-service") return { key: { proto: "tcp", addr: args[i + 1] }, next: i + 2 };
  if (f === "-u" || f === "--udp-service") return { key: { proto: "udp", addr: args[i + 1] }, next: i + 2 };
  if (f === "--sctp-service") return { key: { proto: "sctp", addr: args[i + 1] }, next: i + 2 };
  if (f === "-f" || f === "--fwmark-service") {
    if (args[i + 2] === "-6") return { key: { proto: "fwmark", addr: args[i + 1], v6: true }, next: i + 3 };
    return { key: { proto: "fwmark", addr: args[i + 1] }, next: i + 2 };
  }
  return undefined;
}

const sameKey = (a, b) => a.proto === b.proto && a.addr === b.addr && !!a.v6 === !!b.v6;
const FLAG = { tcp: "-t", udp: "-u", sctp: "--sctp-service", fwmark: "-f" };
const LIST = { tcp: "TCP", udp: "UDP", sctp: "SCTP", fwmark: "FWM" };
const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

function keyWords(k) {
  return [FLAG[k.proto], k.addr, ...(k.v6 ? ["-6"] : [])];
}

function ipvsadm(args) {
  const t = load("ipvs", { services: [], servers: [] });
  const a = args.flatMap((w) =>
    /^-[A-Za-z]{2,}$/.test(w) && !w.startsWith("--")
      ? w
          .slice(1)
          .split("")
          .map((c) => `-${c}`)
      : [w],
  );
  const verb = a[0];
  if (verb === "-S" || verb === "--save") return ipvsSave(t);
  if (verb === "-L" || verb === "-l" || verb === "--list") return ipvsList(t, a.includes("--thresholds"));
  if (verb === "-C" || verb === "--clear") return save("ipvs", { services: [], servers: [] });
  if (verb === "-R" || verb === "--restore") {
    // As ipvsadm -R: a failed line prints its message and the rest go on; the exit status is the last line's.
    const input = fs.readFileSync(0, "utf8");
    let code = 0;
    for (const line of input.split("\n")) {
      const w = line.trim().split(/\s+/).filter(Boolean);
      if (!w.length) continue;
      try {
        applyIpvs(t, w, (msg) => {
          throw new LineFailed(msg);
        });
        code = 0;
      } catch (err) {
        if (!(err instanceof LineFailed)) throw err;
        process.stderr.write(`${err.message}\n`);
        code = 1;
      }
    }
    save("ipvs", t);
    process.exit(code);
  }
  applyIpvs(t, a);
  save("ipvs", t);
}

class LineFailed extends Error {}

function applyIpvs(t, a, die = dieNow) {
  const verb = a[0];
  const k = ipvsKey(a, 1);
  if (!k) die("ipvsadm: missing service address");
  const svc = t.services.find((s) => sameKey(s.key, k.key));
  if (verb === "-A" || verb === "-E") {
    if (verb === "-A" && svc) die("Service already exists");
    if (verb === "-E" && !svc) die("No such service");
    const s = { key: k.key, sched: "wlc", flags: "", persistence: undefined, netmask: undefined, ops: false };
    for (let i = k.next; i < a.length; i++) {
      if (a[i] === "-s") s.sched = a[++i];
      else if (a[i] === "-p") s.persistence = /^\d+$/.test(a[i + 1] ?? "") ? Number(a[++i]) : 300;
      else if (a[i] === "-M") s.netmask = a[++i];
      else if (a[i] === "-b") s.flags = a[++i];
      else if (a[i] === "-o") s.ops = true;
      else if (a[i] === "-n") continue;
      else die(`ipvsadm: unknown option ${a[i]}`, 2);
    }
    if (!SCHEDULERS.includes(s.sched)) die("Scheduler not found: ip_vs_" + s.sched + ".ko", 2);
    if (verb === "-A") t.services.push(s);
    else Object.assign(svc, s);
  } else if (verb === "-D") {
    if (!svc) die("No such service");
    t.services = t.services.filter((s) => s !== svc);
    t.servers = t.servers.filter((r) => !sameKey(r.key, k.key));
  } else if (verb === "-a" || verb === "-e" || verb === "-d") {
    if (!svc) die("Service not defined");
    if (a[k.next] !== "-r") die("ipvsadm: missing -r", 2);
    let addr = a[k.next + 1];
    if (!/:\d+$/.test(addr)) addr = `${addr}:${k.key.addr.replace(/^.*:/, "")}`;
    const rs = t.servers.find((r) => sameKey(r.key, k.key) && r.addr === addr);
    if (verb === "-d") {
      if (!rs) die("No such destination");
      t.servers = t.servers.filter((r) => r !== rs);
      return;
    }
    if (verb === "-a" && rs) die("Destination already exists");
    if (verb === "-e" && !rs) die("No such destination");
    const r = { key: k.key, addr, method: "-g", weight: 1, x: 0, y: 0, tun: [], active: 0, inact: 0 };
    if (rs) Object.assign(r, { active: rs.active, inact: rs.inact });
    for (let i = k.next + 2; i < a.length; i++) {
      const w = a[i];
      if (w === "-g" || w === "-m" || w === "-i") r.method = w;
      else if (w === "-w") r.weight = Number(a[++i]);
      else if (w === "-x") r.x = Number(a[++i]);
      else if (w === "-y") r.y = Number(a[++i]);
      else if (w === "--tun-type" || w === "--tun-port") r.tun.push(w, a[++i]);
      else if (w === "--tun-nocsum" || w === "--tun-csum" || w === "--tun-remcsum") r.tun.push(w);
      else die(`ipvsadm: unknown option ${w}`, 2);
    }
    if (verb === "-a") t.servers.push(r);
    else Object.assign(rs, r);
  } else {
    die(`ipvsadm: unsupported command ${verb}`, 2);
  }
}

function ipvsSave(t) {
  const out = [];
  for (const s of t.services) {
    const w = ["-A", ...keyWords(s.key), "-s", s.sched];
    if (s.persistence !== undefined && s.persistence !== null) w.push("-p", String(s.persistence));
    if (s.netmask) w.push("-M", s.netmask);
    if (s.flags) w.push("-b", s.flags);
    if (s.ops) w.push("-o");
    out.push(w.join(" "));
    for (const r of t.servers.filter((x) => sameKey(x.key, s.key))) {
      out.push(["-a", ...keyWords(r.key), "-r", r.addr, r.method, "-w", String(r.weight), ...r.tun].join(" "));
    }
  }
  process.stdout.write(out.map((l) => `${l}\n`).join(""));
}

function ipvsList(t, thresholds) {
  const out = ["IP Virtual Server version 1.2.1 (size=4096)"];
  out.push(
    thresholds ? "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn" : "Prot LocalAddress:Port Scheduler Flags",
  );
  out.push(thresholds ? "  -> RemoteAddress:Port" : "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn");
  for (const s of t.services) {
    out.push(`${LIST[s.key.proto]}  ${s.key.addr}${s.key.v6 ? " IPv6" : ""} ${s.sched}`);
    for (const r of t.servers.filter((x) => sameKey(x.key, s.key))) {
      const cols = thresholds
        ? [r.x, r.y, r.active, r.inact]
        : [{ "-g": "Route", "-m": "Masq", "-i": "Tunnel" }[r.method], r.weight, r.active, r.inact];
      out.push(`  -> ${r.addr.padEnd(28)} ${cols.map(String).join("     ")}`);
    }
  }
  process.stdout.write(out.map((l) => `${l}\n`).join(""));
}

// ---------------------------------------------------------------- ip

const DEFAULT_NET = {
  links: ["lo", "eth0", "ens33", "ens36"],
  addrs: [{ dev: "lo", family: "inet", addr: "127.0.0.1", prefix: 8, label: "lo" }],
  routes: [],
};

function ip(args) {
  const n = load("net", DEFAULT_NET);
  let a = args.filter((w) => w !== "-o" && w !== "-4" && w !== "-6" && w !== "-br");
  const obj = a[0];
  a = a.slice(1);
  if (/^a(ddr(ess)?)?$/.test(obj)) return ipAddr(n, a);
  if (/^r(o(ute)?)?$/.test(obj)) return ipRoute(n, a);
  if (/^l(ink)?$/.test(obj)) {
    const verb = a[0] ?? "show";
    if (verb === "show" || verb === "list") {
      n.links.forEach((l, i) => process.stdout.write(`${i + 1}: ${l}: <BROADCAST,UP,LOWER_UP> mtu 1500 state UP\n`));
      return;
    }
    if (verb === "set") return;
    die(`ip link ${verb}: not supported by the fake host`, 2);
  }
  die(`ip ${obj}: not supported by the fake host`, 2);
}

function option(a, name) {
  const i = a.indexOf(name);
  return i >= 0 ? a[i + 1] : undefined;
}

function ipAddr(n, a) {
  const verb = a[0] ?? "show";
  if (verb === "show" || verb === "list" || verb === "ls") {
    const dev = option(a, "dev") ?? (a[1] && !["dev", "to"].includes(a[1]) ? a[1] : undefined);
    const to = option(a, "to");
    if (dev && !n.links.includes(dev)) die(`Device "${dev}" does not exist.`);
    const rows = n.addrs.filter((x) => (!dev || x.dev === dev) && (!to || x.addr === to.replace(/\/\d+$/, "")));
    for (const x of rows) {
      const i = n.links.indexOf(x.dev) + 1;
      const label = x.family === "inet" ? ` ${x.label ?? x.dev}` : "";
      process.stdout.write(
        `${i}: ${x.dev}    ${x.family} ${x.addr}/${x.prefix} scope global${label}\\       valid_lft forever preferred_lft forever\n`,
      );
    }
    return;
  }
  const cidr = a[1];
  const dev = option(a, "dev");
  if (!cidr || !dev) die("ip addr: need ADDRESS and dev", 255);
  if (!n.links.includes(dev)) die(`Cannot find device "${dev}"`);
  const [addr, p] = cidr.split("/");
  const family = addr.includes(":") ? "inet6" : "inet";
  const prefix = Number(p ?? (family === "inet6" ? 128 : 32));
  const at = n.addrs.findIndex((x) => x.dev === dev && x.addr === addr);
  if (verb === "add" || verb === "replace") {
    if (verb === "add" && at >= 0) die("RTNETLINK answers: File exists", 2);
    const row = { dev, family, addr, prefix, ...(option(a, "label") ? { label: option(a, "label") } : {}) };
    if (at >= 0) n.addrs[at] = row;
    else n.addrs.push(row);
  } else if (verb === "del" || verb === "delete") {
    if (at < 0) die("RTNETLINK answers: Cannot assign requested address", 2);
    n.addrs.splice(at, 1);
  } else die(`ip addr ${verb}: not supported by the fake host`, 2);
  save("net", n);
}

function routeDest(d) {
  if (d === "default" || d === "0.0.0.0/0") return "default";
  return d.replace(/\/32$/, "");
}

function ipRoute(n, a) {
  const verb = ["show", "list", "add", "replace", "del", "delete", "get"].includes(a[0]) ? a[0] : "show";
  const rest = verb === a[0] ? a.slice(1) : a;
  if (verb === "show" || verb === "list") {
    const dest = rest[0] ? routeDest(rest[0]) : undefined;
    for (const r of n.routes.filter((x) => !dest || x.dest === dest)) process.stdout.write(`${[r.dest, ...r.words].join(" ")}\n`);
    return;
  }
  const dest = routeDest(rest[0] ?? "");
  if (!dest) die("ip route: need a destination", 255);
  const words = rest.slice(1);
  const dev = option(words, "dev");
  if (dev && !n.links.includes(dev)) die(`Cannot find device "${dev}"`);
  const metric = (w) => Number(option(w, "metric") ?? 0);
  const at = n.routes.findIndex((x) => x.dest === dest && metric(x.words) === metric(words));
  if (verb === "add" || verb === "replace") {
    if (verb === "add" && at >= 0) die("RTNETLINK answers: File exists", 2);
    const row = { dest, words };
    if (at >= 0) n.routes[at] = row;
    else n.routes.push(row);
  } else if (verb === "del" || verb === "delete") {
    if (at < 0) die("RTNETLINK answers: No such process", 2);
    n.routes.splice(at, 1);
  } else die(`ip route ${verb}: not supported by the fake host`, 2);
  save("net", n);
}

// ---------------------------------------------------------------- iptables

/** The tables and their built-in chains, as a fresh kernel has them (a state saved before mangle existed gets it). */
const IPTABLES_TABLES = {
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

function loadIptables() {
  const r = load("iptables", {});
  for (const [table, chains] of Object.entries(IPTABLES_TABLES)) {
    r[table] ??= {};
    for (const c of chains) r[table][c] ??= [];
  }
  return r;
}

function iptables(args) {
  const r = loadIptables();
  let a = args.filter((w) => w !== "-w" && w !== "--wait");
  let table = "filter";
  const ti = a.indexOf("-t");
  if (ti >= 0) {
    table = a[ti + 1];
    a = [...a.slice(0, ti), ...a.slice(ti + 2)];
  }
  const chains = r[table];
  if (!chains) die(`iptables: can't initialize iptables table '${table}': Table does not exist`, 3);
  const op = a[0];
  if (op === "-S" || op === "--list-rules") {
    const only = a[1];
    for (const c of Object.keys(chains)) if (!only) process.stdout.write(`-P ${c} ACCEPT\n`);
    for (const [c, rules] of Object.entries(chains)) if (!only || only === c) for (const x of rules) process.stdout.write(`-A ${c} ${x}\n`);
    return;
  }
  const chain = a[1];
  if (!chains[chain]) die(`iptables: No chain/target/match by that name.`, 1);
  const rule = a.slice(2).join(" ");
  const at = chains[chain].indexOf(rule);
  if (op === "-A") chains[chain].push(rule);
  else if (op === "-I") chains[chain].unshift(rule);
  else if (op === "-C") process.exit(at >= 0 ? 0 : 1);
  else if (op === "-D") {
    if (at < 0) die("iptables: Bad rule (does a matching rule exist in that chain?).", 1);
    chains[chain].splice(at, 1);
  } else die(`iptables ${op}: not supported by the fake host`, 2);
  save("iptables", r);
}

function iptablesSave() {
  const r = loadIptables();
  for (const [table, chains] of Object.entries(r)) {
    process.stdout.write(`*${table}\n`);
    for (const c of Object.keys(chains)) process.stdout.write(`:${c} ACCEPT [0:0]\n`);
    for (const [c, rules] of Object.entries(chains)) for (const x of rules) process.stdout.write(`-A ${c} ${x}\n`);
    process.stdout.write("COMMIT\n");
  }
}

// ---------------------------------------------------------------- daemons' config tests

/** A config (or a file it names) holding this marker fails the daemon's own check. */
const INVALID = "FAKEHOST_INVALID";

function configTest(tool, args) {
  const files = [];
  for (let i = 0; i < args.length; i++)
    if (["-f", "-c"].includes(args[i]) && args[i + 1] && !args[i + 1].startsWith("-")) files.push(args[i + 1]);
  const defaults = { nginx: "/etc/nginx/nginx.conf", haproxy: "/etc/haproxy/haproxy.cfg", keepalived: "/etc/keepalived/keepalived.conf" };
  if (!files.length) files.push(defaults[tool]);
  const seen = new Set();
  const check = (f) => {
    if (seen.has(f) || !fs.existsSync(f)) return;
    seen.add(f);
    if (fs.statSync(f).isDirectory()) {
      for (const n of fs.readdirSync(f).sort()) check(path.join(f, n));
      return;
    }
    const text = fs.readFileSync(f, "utf8");
    if (text.includes(INVALID)) die(`${tool}: configuration file ${f} test failed (${INVALID})`, 1);
    for (const m of text.matchAll(/^\s*(?:include|conf-file|\(include)\s+"?([^";\s]+)"?/gm)) {
      const dir = path.dirname(f);
      const pattern = path.isAbsolute(m[1]) ? m[1] : path.join(dir, m[1]);
      for (const g of glob(pattern)) check(g);
    }
  };
  files.forEach(check);
  if (tool === "nginx") process.stderr.write(`nginx: configuration file ${files[0]} test is successful\n`);
  if (tool === "haproxy" && !args.includes("-q")) process.stdout.write("Configuration file is valid\n");
}

function glob(pattern) {
  if (!/[*?]/.test(pattern)) return [pattern];
  const dir = path.dirname(pattern);
  const re = new RegExp(`^${path.basename(pattern).replace(/\./g, "\\.").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => re.test(n))
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function daemon(tool, args) {
  if (args.includes("-t") || args.includes("-c") || args.includes("-T")) return configTest(tool, args);
  if (args.includes("-v") || args.includes("-V") || args.includes("--version")) {
    process.stdout.write(`${tool} version 0.0-fakehost\n`);
    return;
  }
  die(`${tool}: the fake host runs no daemons (args: ${args.join(" ")})`, 2);
}

// ---------------------------------------------------------------- packages

function packages() {
  return load("packages", { installed: {}, available: {} });
}

function dpkgQuery(args) {
  const p = packages();
  const inline = args.find((w) => w.startsWith("-f=") || w.startsWith("--showformat="));
  const fmt = option(args, "-f") ?? inline?.slice(inline.indexOf("=") + 1) ?? "${Package}\t${Version}\n";
  const names = args.filter((w, i) => !w.startsWith("-") && args[i - 1] !== "-f");
  let rc = 0;
  for (const n of names) {
    const v = p.installed[n];
    if (!v) {
      process.stderr.write(`dpkg-query: no packages found matching ${n}\n`);
      rc = 1;
      continue;
    }
    const out = fmt
      .replace(/\$\{Package\}/g, n)
      .replace(/\$\{Version\}/g, v)
      .replace(/\$\{Status\}/g, "install ok installed")
      .replace(/\$\{db:Status-Abbrev\}/g, "ii ")
      .replace(/\$\{db:Status-Status\}/g, "installed")
      .replace(/\\n/g, "\n")
      .replace(/\\t/g, "\t");
    process.stdout.write(out);
  }
  process.exit(rc);
}

function aptGet(args) {
  const p = packages();
  const verb = args.find((w) => !w.startsWith("-") && !w.includes("="));
  const names = args.filter((w) => !w.startsWith("-") && w !== verb);
  if (verb === "update") return;
  if (verb === "install") {
    for (const w of names) {
      const [n, v] = w.split("=");
      const avail = p.available[n];
      if (!avail) die(`E: Unable to locate package ${n}`, 100);
      const versions = Array.isArray(avail) ? avail : [avail];
      if (v && !versions.includes(v)) die(`E: Version '${v}' for '${n}' was not found`, 100);
      p.installed[n] = v ?? versions[versions.length - 1];
    }
  } else if (verb === "remove" || verb === "purge" || verb === "autoremove") {
    for (const n of names) delete p.installed[n.split("=")[0]];
  } else die(`apt-get ${verb}: not supported by the fake host`, 100);
  save("packages", p);
}

// ---------------------------------------------------------------- curl

function curl(args) {
  const url = args.find((w) => /^https?:\/\//.test(w)) ?? "";
  const answers = load("http", {});
  const code = answers[url] ?? answers["*"] ?? 200;
  const fmt = option(args, "-w");
  if (fmt) process.stdout.write(fmt.replace("%{http_code}", String(code)));
  else process.stdout.write(`fake answer from ${url}\n`);
  if (args.includes("-f") && code >= 400) process.exit(22);
}

// ---------------------------------------------------------------- dispatch

const [tool, ...args] = process.argv.slice(2);
log(tool, args);
switch (tool) {
  case "ipvsadm":
    ipvsadm(args);
    break;
  case "ipvsadm-save":
    ipvsadm(["-S", ...args]);
    break;
  case "ipvsadm-restore":
    ipvsadm(["-R", ...args]);
    break;
  case "ip":
    ip(args);
    break;
  case "iptables":
    iptables(args);
    break;
  case "iptables-save":
    iptablesSave();
    break;
  case "keepalived":
  case "haproxy":
  case "nginx":
    daemon(tool, args);
    break;
  case "dpkg-query":
    dpkgQuery(args);
    break;
  case "apt-get":
    aptGet(args);
    break;
  case "curl":
    curl(args);
    break;
  default:
    die(`fake host: no stand-in for ${tool}`, 127);
}
