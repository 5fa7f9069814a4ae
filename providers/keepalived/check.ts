// KeepalivedInstance's input check. No input may change the structure of the
// rendered file (render.ts): every free-text field is checked against a strict
// pattern before it is rendered, commands are rendered quoted, and numbers are
// checked to be finite and in range.
import * as net from "node:net";
import { Checker, CheckFailure, checkConnection, isUnknown, known, show } from "../common/check";
import { LB_ALGOS } from "./spec";

const STATES = ["MASTER", "BACKUP"] as const;
const AUTH_TYPES = ["PASS", "AH"] as const;
const LB_KINDS = ["NAT", "DR", "TUN"] as const;
const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
const CHECK_TYPES = ["TCP_CHECK", "HTTP_GET"] as const;

// Patterns for free text. None admits whitespace, quotes, braces, '#', '!',
// '$' or a backslash, so no value can open or close a block, start a comment,
// hit keepalived's $PARAM substitution or span lines.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;
const IFACE = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const EMAIL = /^(?=.{3,254}$)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const URL_PATH = /^\/[A-Za-z0-9._~%&=+,;:@*()/?-]{0,1023}$/;
const DIGEST = /^[0-9a-fA-F]{32}$/;
/** Printable ASCII except '"', '\', '{', '}', '#', '!', '$'; no leading or trailing space. */
const COMMAND = /^(?=.{1,512}$)[^\s"\\{}#!$](?:[ %&'()*+,\-./0-9:;<=>?@A-Z[\]^_`a-z|~]*[^\s"\\{}#!$])?$/;
const COMMAND_CHARS = /^[ %&'()*+,\-./0-9:;<=>?@A-Z[\]^_`a-z|~]*$/;
/** auth_pass: one printable word keepalived reads back unchanged. */
const AUTH_PASS = /^[A-Za-z0-9%&()*+,\-./:;<=>?@[\]^_`|~]{1,8}$/;
const DECIMAL = /^\d+(\.\d{1,6})?$/;

const COMMAND_DESC =
  "a command of printable ASCII characters without '\"', '\\', '{', '}', '#', '!', '$', newlines or leading/trailing spaces, with balanced single quotes (at most 512 characters)";

type Obj = Record<string, unknown>;

/** A non-negative number keepalived reads as a decimal (at most 6 decimal places, no exponent). */
function decimal(c: Checker, property: string, v: unknown, min: number, max: number, unit: string): boolean {
  if (!known(v)) return false;
  if (typeof v === "number" && Number.isFinite(v) && v >= min && v <= max && DECIMAL.test(String(v))) return true;
  c.fail(property, `${property} must be a number of ${unit} ${min}..${max} with at most 6 decimal places; got ${show(v)}`);
  return false;
}

function commandLine(c: Checker, property: string, v: unknown): boolean {
  if (!known(v)) return false;
  const ok = typeof v === "string" && COMMAND.test(v) && COMMAND_CHARS.test(v) && (v.match(/'/g) ?? []).length % 2 === 0;
  if (!ok) c.fail(property, `${property} must be ${COMMAND_DESC}; got ${show(v)}`);
  return ok;
}

/** Address family (4 or 6) of a known, valid address string; 0 otherwise. */
function family(v: unknown): 0 | 4 | 6 {
  if (typeof v !== "string" || isUnknown(v)) return 0;
  const f = net.isIP(v);
  return f === 4 || f === 6 ? f : 0;
}

function knownString(v: unknown): v is string {
  return typeof v === "string" && !isUnknown(v);
}

function checkGlobalDefs(c: Checker, v: unknown): Obj | undefined {
  const g = c.record("globalDefs", v, "an object { routerId?, notificationEmail?, smtpServer?, vrrpStrict?, ... }");
  if (!g) return undefined;
  c.word("globalDefs.routerId", g.routerId, WORD, "a router id of 1..64 letters, digits, '_', '.', ':', '-'");
  const emails = c.list("globalDefs.notificationEmail", g.notificationEmail, 1, "e-mail addresses");
  emails?.forEach((e, i) => c.word(`globalDefs.notificationEmail[${i}]`, e, EMAIL, "an e-mail address like ops@example.com"));
  c.word("globalDefs.notificationEmailFrom", g.notificationEmailFrom, EMAIL, "an e-mail address like keepalived@example.com");
  if (known(g.smtpServer) && !(typeof g.smtpServer === "string" && (net.isIP(g.smtpServer) !== 0 || HOST.test(g.smtpServer)))) {
    c.fail("globalDefs.smtpServer", `globalDefs.smtpServer must be an IPv4 or IPv6 address or a host name; got ${show(g.smtpServer)}`);
  }
  c.int("globalDefs.smtpConnectTimeout", g.smtpConnectTimeout, 1, 3600);
  for (const k of ["vrrpSkipCheckAdvAddr", "vrrpStrict", "vrrpIptables", "enableScriptSecurity"]) c.bool(`globalDefs.${k}`, g[k]);
  decimal(c, "globalDefs.vrrpGarpInterval", g.vrrpGarpInterval, 0, 4294, "seconds");
  decimal(c, "globalDefs.vrrpGnaInterval", g.vrrpGnaInterval, 0, 4294, "seconds");
  c.word("globalDefs.scriptUser", g.scriptUser, USER, "a user name of letters, digits, '_', '.', '-'");
  return g;
}

/** Checks the scripts; returns their names, or undefined when some name is not known yet. */
function checkScripts(c: Checker, v: unknown): Set<string> | undefined {
  if (known(v) && !Array.isArray(v)) {
    c.list("scripts", v, 0, "vrrp scripts");
    return undefined;
  }
  const names = new Set<string>();
  let namesKnown = true;
  const shape = "an object { name, script, interval?, timeout?, weight?, fall?, rise?, user? }";
  const allKnown = c.records("scripts", v, 0, "vrrp scripts", shape, (s, p) => {
    if (
      c.required(`${p}.name`, s.name) &&
      c.word(`${p}.name`, s.name, WORD, "a script name of 1..64 letters, digits, '_', '.', ':', '-'")
    ) {
      const name = s.name as string;
      if (names.has(name)) c.fail(`${p}.name`, `${p}.name ${JSON.stringify(name)} is declared twice; script names must be unique`);
      names.add(name);
    } else if (isUnknown(s.name)) namesKnown = false;
    if (c.required(`${p}.script`, s.script)) commandLine(c, `${p}.script`, s.script);
    c.int(`${p}.interval`, s.interval, 1, 4294);
    c.int(`${p}.timeout`, s.timeout, 1, 4294);
    c.int(`${p}.weight`, s.weight, -253, 253);
    c.int(`${p}.fall`, s.fall, 1, 2147483647);
    c.int(`${p}.rise`, s.rise, 1, 2147483647);
    c.word(`${p}.user`, s.user, USER, "a user name of letters, digits, '_', '.', '-'");
  });
  return allKnown && namesKnown ? names : undefined;
}

function checkVrrp(c: Checker, v: unknown, g: Obj | undefined, scriptNames: Set<string> | undefined): void {
  const r = c.record("vrrp", v, "an object { name, state, interface, virtualRouterId, priority, virtualIpaddress, ... }");
  if (!r) return;
  if (c.required("vrrp.name", r.name))
    c.word("vrrp.name", r.name, WORD, "an instance name of 1..64 letters, digits, '_', '.', ':', '-' (like VI_1)");
  if (c.required("vrrp.state", r.state)) c.oneOf("vrrp.state", r.state, STATES);
  if (c.required("vrrp.interface", r.interface))
    c.word("vrrp.interface", r.interface, IFACE, "an interface name of 1..15 letters, digits, '_', '-', '.'");
  if (c.required("vrrp.virtualRouterId", r.virtualRouterId)) c.int("vrrp.virtualRouterId", r.virtualRouterId, 1, 255);
  if (c.required("vrrp.priority", r.priority)) c.int("vrrp.priority", r.priority, 1, 254);
  c.int("vrrp.advertInt", r.advertInt, 1, 255);
  const strict = g !== undefined && g.vrrpStrict === true;

  // Virtual addresses: valid, one family, no duplicates, labels on their device.
  const vipFamilies = new Set<number>();
  const seenVips = new Set<string>();
  if (c.required("vrrp.virtualIpaddress", r.virtualIpaddress)) {
    c.records(
      "vrrp.virtualIpaddress",
      r.virtualIpaddress,
      1,
      "virtual addresses",
      "an object { address, prefix?, dev?, label? }",
      (a, p) => {
        let fam: 0 | 4 | 6 = 0;
        if (c.required(`${p}.address`, a.address) && c.ip(`${p}.address`, a.address, undefined, { unicast: true })) {
          fam = family(a.address);
          if (fam) vipFamilies.add(fam);
          const key = (a.address as string).toLowerCase();
          if (seenVips.has(key))
            c.fail(`${p}.address`, `${p}.address ${JSON.stringify(a.address)} is listed twice in vrrp.virtualIpaddress`);
          seenVips.add(key);
        }
        if (fam === 6) c.int(`${p}.prefix`, a.prefix, 1, 128);
        else c.int(`${p}.prefix`, a.prefix, 1, 32);
        c.word(`${p}.dev`, a.dev, IFACE, "an interface name of 1..15 letters, digits, '_', '-', '.'");
        if (known(a.label)) {
          if (fam === 6) c.fail(`${p}.label`, `${p}.label applies to IPv4 addresses only; got ${show(a.label)} on ${show(a.address)}`);
          const dev = known(a.dev) ? a.dev : r.interface;
          if (knownString(dev) && IFACE.test(dev)) {
            const ok =
              typeof a.label === "string" &&
              a.label.startsWith(`${dev}:`) &&
              a.label.length <= 15 &&
              /^[A-Za-z0-9_-]+$/.test(a.label.slice(dev.length + 1));
            if (!ok)
              c.fail(
                `${p}.label`,
                `${p}.label must be "${dev}:<suffix>" (the ${known(a.dev) ? "dev" : "vrrp.interface"} name, ':', then letters, digits, '_', '-'; at most 15 characters); got ${show(a.label)}`,
              );
          } else if (!known(dev)) {
            c.word(`${p}.label`, a.label, /^[A-Za-z0-9_.-]{1,15}:[A-Za-z0-9_-]+$/, "an interface label like ens33:0");
          }
        }
      },
    );
    if (vipFamilies.size > 1)
      c.fail(
        "vrrp.virtualIpaddress",
        "vrrp.virtualIpaddress must be all IPv4 or all IPv6 (one VRRP instance carries one address family); got both",
      );
  }
  const vipFamily = vipFamilies.size === 1 ? [...vipFamilies][0] : 0;

  // Tracking.
  const tracks = c.list("vrrp.trackScript", r.trackScript, 1, "script names");
  tracks?.forEach((t, i) => {
    const p = `vrrp.trackScript[${i}]`;
    if (!c.word(p, t, WORD, "a script name declared in scripts")) return;
    if (scriptNames && !scriptNames.has(t as string)) {
      const declared = [...scriptNames];
      c.fail(p, `${p} must name a script declared in scripts (${declared.length ? declared.join(", ") : "none declared"}); got ${show(t)}`);
    }
  });
  const trackIfs = c.list("vrrp.trackInterface", r.trackInterface, 1, "interface names");
  trackIfs?.forEach((t, i) => c.word(`vrrp.trackInterface[${i}]`, t, IFACE, "an interface name of 1..15 letters, digits, '_', '-', '.'"));

  // Preemption.
  c.bool("vrrp.nopreempt", r.nopreempt);
  if (r.nopreempt === true && r.state === "MASTER") {
    c.fail(
      "vrrp.nopreempt",
      'vrrp.nopreempt requires vrrp.state "BACKUP" (keepalived ignores nopreempt with initial state MASTER); got state "MASTER"',
    );
  }
  if (decimal(c, "vrrp.preemptDelay", r.preemptDelay, 0, 1000, "seconds") && (r.preemptDelay as number) > 0) {
    if (r.state === "MASTER")
      c.fail(
        "vrrp.preemptDelay",
        'vrrp.preemptDelay requires vrrp.state "BACKUP" (keepalived 2.2 clears preempt_delay with initial state MASTER); got state "MASTER"',
      );
    if (r.nopreempt === true)
      c.fail(
        "vrrp.preemptDelay",
        "vrrp.preemptDelay cannot be combined with vrrp.nopreempt (keepalived 2.2 resets preempt_delay when nopreempt is set); remove one",
      );
    if (strict)
      c.fail(
        "vrrp.preemptDelay",
        "vrrp.preemptDelay cannot be used with globalDefs.vrrpStrict (keepalived 2.2 resets it in strict mode); remove one",
      );
  }

  // Unicast.
  let srcFamily: 0 | 4 | 6 = 0;
  if (c.ip("vrrp.unicastSrcIp", r.unicastSrcIp, undefined, { unicast: true })) {
    srcFamily = family(r.unicastSrcIp);
    if (vipFamily && srcFamily !== vipFamily)
      c.fail(
        "vrrp.unicastSrcIp",
        `vrrp.unicastSrcIp must be an IPv${vipFamily} address like the virtual addresses; got ${show(r.unicastSrcIp)}`,
      );
  }
  const peers = c.list("vrrp.unicastPeer", r.unicastPeer, 1, "peer addresses");
  if (peers) {
    const seen = new Set<string>();
    peers.forEach((peer, i) => {
      const p = `vrrp.unicastPeer[${i}]`;
      if (!c.ip(p, peer, undefined, { unicast: true })) return;
      const f = family(peer);
      if (vipFamily && f !== vipFamily) c.fail(p, `${p} must be an IPv${vipFamily} address like the virtual addresses; got ${show(peer)}`);
      const key = (peer as string).toLowerCase();
      if (seen.has(key)) c.fail(p, `${p} ${JSON.stringify(peer)} is listed twice in vrrp.unicastPeer`);
      seen.add(key);
      if (key === (knownString(r.unicastSrcIp) ? r.unicastSrcIp.toLowerCase() : undefined))
        c.fail(p, `${p} must not be vrrp.unicastSrcIp (a host does not peer with itself); got ${show(peer)}`);
    });
    if (strict)
      c.fail(
        "vrrp.unicastPeer",
        "vrrp.unicastPeer cannot be used with globalDefs.vrrpStrict (keepalived refuses unicast peers in strict mode); remove one",
      );
  }
  c.int("vrrp.garpMasterDelay", r.garpMasterDelay, 0, 1000);
  for (const k of ["notifyMaster", "notifyBackup", "notifyFault", "notify"]) commandLine(c, `vrrp.${k}`, r[k]);

  // Authentication (the pass is a secret: never echoed).
  const auth = c.record("vrrp.authentication", r.authentication, "an object { type: PASS | AH, pass }");
  if (auth) {
    if (c.required("vrrp.authentication.type", auth.type)) c.oneOf("vrrp.authentication.type", auth.type, AUTH_TYPES);
    if (c.required("vrrp.authentication.pass", auth.pass) && !isUnknown(auth.pass)) {
      if (typeof auth.pass !== "string" || !AUTH_PASS.test(auth.pass)) {
        const size = typeof auth.pass === "string" ? `${auth.pass.length} characters` : `a ${typeof auth.pass}`;
        c.fail(
          "vrrp.authentication.pass",
          `vrrp.authentication.pass must be 1..8 printable characters without spaces or quotes (nor '\\', '{', '}', '#', '!', '$'); got ${size}`,
        );
      }
    }
    if (strict)
      c.fail(
        "vrrp.authentication",
        "vrrp.authentication cannot be used with globalDefs.vrrpStrict (keepalived 2.2 ignores authentication in strict mode); remove one",
      );
    if (vipFamily === 6)
      c.fail(
        "vrrp.authentication",
        "vrrp.authentication works with IPv4 only (IPv6 instances use VRRP version 3, which has no authentication; keepalived ignores it); got IPv6 virtual addresses",
      );
    if (auth.type === "AH" && r.state === "MASTER") {
      c.fail(
        "vrrp.authentication.type",
        'vrrp.authentication.type "AH" requires vrrp.state "BACKUP" (keepalived must receive an advert for the AH sequence number first and forces BACKUP); got state "MASTER"',
      );
    }
  }
}

function checkPortedAddress(c: Checker, p: string, o: Obj): 0 | 4 | 6 {
  let fam: 0 | 4 | 6 = 0;
  if (c.required(`${p}.address`, o.address) && c.ip(`${p}.address`, o.address)) fam = family(o.address);
  if (c.required(`${p}.port`, o.port)) c.int(`${p}.port`, o.port, 1, 65535);
  return fam;
}

function checkHealthCheck(c: Checker, p: string, v: unknown): void {
  const k = c.record(p, v, "an object { type: TCP_CHECK | HTTP_GET, connectPort?, connectTimeout?, retry?, delayBeforeRetry?, urls? }");
  if (!k) return;
  if (c.required(`${p}.type`, k.type)) c.oneOf(`${p}.type`, k.type, CHECK_TYPES);
  c.int(`${p}.connectPort`, k.connectPort, 1, 65535);
  decimal(c, `${p}.connectTimeout`, k.connectTimeout, 0.000001, 3600, "seconds");
  c.int(`${p}.retry`, k.retry, 1, 1000000);
  decimal(c, `${p}.delayBeforeRetry`, k.delayBeforeRetry, 0, 3600, "seconds");
  if (k.type === "HTTP_GET") {
    if (c.required(`${p}.urls`, k.urls)) {
      c.records(`${p}.urls`, k.urls, 1, "urls { path, statusCode?, digest? }", "an object { path, statusCode?, digest? }", (url, up) => {
        if (c.required(`${up}.path`, url.path)) {
          c.word(`${up}.path`, url.path, URL_PATH, "a URL path starting with '/' without spaces, quotes, braces, '#', '!', '$' or '\\'");
        }
        c.int(`${up}.statusCode`, url.statusCode, 100, 599);
        c.word(`${up}.digest`, url.digest, DIGEST, "an MD5 digest of 32 hex digits (genhash prints it)");
      });
    }
  } else if (k.type === "TCP_CHECK" && known(k.urls)) {
    c.fail(`${p}.urls`, `${p}.urls applies to HTTP_GET only; got type "TCP_CHECK"`);
  }
}

function checkVirtualServers(c: Checker, v: unknown): void {
  const seenVs = new Set<string>();
  const shape = "an object { address, port, protocol?, lbAlgo, lbKind, realServers, ... }";
  c.records("virtualServers", v, 0, "virtual servers", shape, (s, p) => {
    const fam = checkPortedAddress(c, p, s);
    c.oneOf(`${p}.protocol`, s.protocol, PROTOCOLS);
    const key = `${knownString(s.address) ? s.address.toLowerCase() : "?"} ${String(s.port)} ${knownString(s.protocol) ? s.protocol : "TCP"}`;
    if (fam && typeof s.port === "number" && !isUnknown(s.protocol)) {
      if (seenVs.has(key)) c.fail(p, `${p} ${s.protocol ?? "TCP"} ${String(s.address)}:${s.port} is declared twice in virtualServers`);
      seenVs.add(key);
    }
    decimal(c, `${p}.delayLoop`, s.delayLoop, 0.000001, 86400, "seconds");
    if (c.required(`${p}.lbAlgo`, s.lbAlgo)) c.oneOf(`${p}.lbAlgo`, s.lbAlgo, LB_ALGOS);
    if (c.required(`${p}.lbKind`, s.lbKind)) c.oneOf(`${p}.lbKind`, s.lbKind, LB_KINDS);
    c.int(`${p}.persistenceTimeout`, s.persistenceTimeout, 0, 2678400);
    const sorry = c.record(`${p}.sorryServer`, s.sorryServer, "an object { address, port }");
    if (sorry) {
      const f = checkPortedAddress(c, `${p}.sorryServer`, sorry);
      if (fam && f && f !== fam)
        c.fail(
          `${p}.sorryServer.address`,
          `${p}.sorryServer.address must be an IPv${fam} address like the virtual server; got ${show(sorry.address)}`,
        );
    }
    if (!c.required(`${p}.realServers`, s.realServers)) return;
    const seenRs = new Set<string>();
    const rsShape = "an object { address, port, weight?, inhibitOnFailure?, check? }";
    c.records(`${p}.realServers`, s.realServers, 1, "real servers", rsShape, (rs, rp) => {
      const rf = checkPortedAddress(c, rp, rs);
      if (fam && rf && rf !== fam && s.lbKind !== "TUN")
        c.fail(
          `${rp}.address`,
          `${rp}.address must be an IPv${fam} address like the virtual server (only TUN mixes families); got ${show(rs.address)}`,
        );
      if (rf && typeof rs.port === "number") {
        const rkey = `${(rs.address as string).toLowerCase()} ${rs.port}`;
        if (seenRs.has(rkey))
          c.fail(rp, `${rp} ${String(rs.address)} ${rs.port} is listed twice in ${p}.realServers; each address+port must be unique`);
        seenRs.add(rkey);
      }
      if ((s.lbKind === "DR" || s.lbKind === "TUN") && typeof s.port === "number" && typeof rs.port === "number" && rs.port !== s.port) {
        c.fail(
          `${rp}.port`,
          `${rp}.port must equal the virtual server port ${s.port} with lbKind ${s.lbKind} (DR and TUN forward packets unchanged; only NAT can map ports); got ${rs.port}`,
        );
      }
      c.int(`${rp}.weight`, rs.weight, 0, 65535);
      c.bool(`${rp}.inhibitOnFailure`, rs.inhibitOnFailure);
      checkHealthCheck(c, `${rp}.check`, rs.check);
    });
  });
}

/** Checks resource inputs ({ connection, name, globalDefs, scripts, vrrp, virtualServers }). */
export function checkKeepalivedInstance(inputs: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  if (c.required("name", inputs.name)) {
    c.word(
      "name",
      inputs.name,
      FILE_NAME,
      "a file name of 1..64 letters, digits, '_', '-', '.' starting with a letter or digit (it becomes /etc/keepalived/conf.d/<name>.conf)",
    );
  }
  const parts = ["globalDefs", "scripts", "vrrp", "virtualServers"];
  if (parts.every((k) => inputs[k] === undefined || inputs[k] === null)) {
    c.fail("vrrp", "at least one of globalDefs, scripts, vrrp, virtualServers is required (an empty instance file configures nothing)");
  }
  const g = checkGlobalDefs(c, inputs.globalDefs);
  const names = checkScripts(c, inputs.scripts);
  checkVrrp(c, inputs.vrrp, g, names);
  checkVirtualServers(c, inputs.virtualServers);
  return c.failures;
}
