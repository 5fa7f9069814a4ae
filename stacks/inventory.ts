// The host inventory: an Ansible inventory (YAML or INI, read as
// `ansible-inventory` reads it: nested groups, `children`, group and host vars
// with Ansible's precedence) that the stacks, the scripts and the tests read,
// and that `lab up` writes for the lab's hosts. A user with real machines writes
// one by hand (docs/inventory.md). It lives with the stacks (not in lab/)
// because the stacks read it.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { expandHome, fingerprintOf } from "../providers/transport/ssh";
import type { ConnectionArgs } from "../providers/transport/types";

/** A host SSH goes through (ssh -J / ProxyJump) to reach an inventory host. */
export interface InventoryJump {
  host: string;
  port: number;
  user: string;
  /** The jump host's pin; "" when neither its inventory entry nor `jump_host_key_sha256` gives one. */
  hostKeySha256: string;
  /** The inventory host it is, when the ProxyJump names one. */
  name?: string;
  /** The hop before this one (ProxyJump=a,b: b's jump is a). */
  jump?: InventoryJump;
}

export interface InventoryHost {
  name: string;
  /** Every group the host is in, directly or through children, `all` included (as ansible-inventory). */
  groups: string[];
  /** Where SSH connects: 127.0.0.1 for the lab (forwarded port). */
  sshHost: string;
  port: number;
  user: string;
  /** ansible_ssh_private_key_file with `~` expanded; "" when the inventory gives none. */
  privateKeyPath: string;
  /** The pinned host key, as OpenSSH prints it: `SHA256:...`; "" when absent (an error when the host is used). */
  hostKeySha256: string;
  /**
   * The host's public key line (`ssh-ed25519 AAAA...`), optional: SSH clients
   * that verify a whole key rather than a fingerprint (@pulumi/command's
   * `hostKey`) need it. When given, its fingerprint must equal the pin.
   */
  hostKey?: string;
  /** Interface name -> address/prefix inside the host, e.g. eth0 -> 192.0.2.30/24. */
  addresses: Record<string, string>;
  /**
   * Interface name -> IPv6 address/prefix inside the host, e.g. eth0 -> 2001:db8::30/64 (the host var `addresses6`),
   * for IPv6 services; absent when the inventory gives none. Each value is checked to be IPv6 when the inventory is read.
   */
  addresses6?: Record<string, string>;
  /** From ansible_ssh_common_args / ansible_ssh_extra_args (-J or -o ProxyJump=). */
  jump?: InventoryJump;
  /** ansible_become: true (sudo without a password). */
  sudo?: boolean;
  /** All the host's variables, merged with Ansible's precedence (values as the inventory types them). */
  vars?: Record<string, unknown>;
  /** The inventory file, for error messages. */
  source?: string;
  /** Why the host cannot be used (password sudo, another become user): thrown when it is. */
  unusable?: string;
}

export interface Inventory {
  preset?: string;
  hosts: Record<string, InventoryHost>;
  /** Group -> the hosts listed in it directly (all and ungrouped aside). groupHosts() follows children. */
  groups: Record<string, string[]>;
  /** Group -> its child groups, when there are any. */
  children?: Record<string, string[]>;
  source?: string;
}

/**
 * The one run directory of the running lab (machine-wide, so one lab runs at a
 * time): the lab keeps its state there and writes its inventory there.
 */
export function labRunDir(): string {
  return process.env.PULUMI_LVS_LAB_DIR ?? path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), "pulumi-lvs-lab");
}

/** Default inventory path of the running lab. */
export function defaultInventoryPath(): string {
  return `${labRunDir()}/inventory.yaml`;
}

/** Ansible YAML inventory text for `inv`. */
export function renderInventory(inv: Inventory): string {
  const hosts: Record<string, unknown> = {};
  for (const h of Object.values(inv.hosts)) {
    hosts[h.name] = {
      ansible_host: h.sshHost,
      ansible_port: h.port,
      ansible_user: h.user,
      ansible_ssh_private_key_file: h.privateKeyPath,
      host_key_sha256: h.hostKeySha256,
      ...(h.hostKey ? { host_key: h.hostKey } : {}),
      addresses: h.addresses,
      ...(h.addresses6 && Object.keys(h.addresses6).length ? { addresses6: h.addresses6 } : {}),
    };
  }
  const children: Record<string, unknown> = {};
  const groupNames = [...new Set([...Object.keys(inv.groups), ...Object.keys(inv.children ?? {})])];
  for (const group of groupNames) {
    const names = inv.groups[group] ?? [];
    const kids = inv.children?.[group] ?? [];
    children[group] = {
      hosts: Object.fromEntries(names.map((n) => [n, null])),
      ...(kids.length ? { children: Object.fromEntries(kids.map((k) => [k, null])) } : {}),
    };
  }
  const doc = { all: { vars: inv.preset ? { lab_preset: inv.preset } : {}, hosts, children } };
  return `# Written by pulumi-lvs. Ansible YAML inventory; host_key_sha256 pins each SSH host key.\n${YAML.stringify(doc)}`;
}

/** OpenSSH's SHA256 fingerprint of a public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprint(pubLine: string): string {
  return fingerprintOf(Buffer.from(pubLine.trim().split(/\s+/)[1] ?? "", "base64"));
}

// ---------------------------------------------------------------------------
// The model Ansible builds (InventoryData): groups with vars, children and
// hosts, hosts with their own vars; `all` and `ungrouped` always exist.

interface Group {
  name: string;
  vars: Record<string, unknown>;
  priority: number;
  children: string[];
  parents: string[];
  hosts: string[];
}

interface Model {
  groups: Map<string, Group>;
  hosts: Map<string, { name: string; vars: Record<string, unknown>; groups: string[] }>;
  source: string;
}

function newModel(source: string): Model {
  const m: Model = { groups: new Map(), hosts: new Map(), source };
  addGroup(m, "all");
  addGroup(m, "ungrouped");
  addChild(m, "all", "ungrouped");
  return m;
}

function addGroup(m: Model, name: string): string {
  if (!m.groups.has(name)) m.groups.set(name, { name, vars: {}, priority: 1, children: [], parents: [], hosts: [] });
  return name;
}

function descendants(m: Model, g: string, seen = new Set<string>()): Set<string> {
  for (const c of m.groups.get(g)?.children ?? []) {
    if (!seen.has(c)) {
      seen.add(c);
      descendants(m, c, seen);
    }
  }
  return seen;
}

function addChild(m: Model, parent: string, child: string): void {
  const p = m.groups.get(parent)!;
  const c = m.groups.get(child)!;
  if (parent === child || descendants(m, child).has(parent)) {
    throw new Error(`${m.source}: adding group ${child} as child to ${parent} creates a recursive dependency loop`);
  }
  if (!p.children.includes(child)) p.children.push(child);
  if (!c.parents.includes(parent)) c.parents.push(parent);
}

function addHost(m: Model, name: string, group: string, vars: Record<string, unknown>, port?: number): void {
  let h = m.hosts.get(name);
  if (!h) m.hosts.set(name, (h = { name, vars: {}, groups: [] }));
  const g = m.groups.get(group)!;
  if (!g.hosts.includes(name)) g.hosts.push(name);
  if (!h.groups.includes(group)) h.groups.push(group);
  if (port !== undefined) h.vars.ansible_port = port; // a port in the pattern, then the line's variables (they win)
  Object.assign(h.vars, vars);
}

function setGroupVar(m: Model, group: string, key: string, value: unknown): void {
  const g = m.groups.get(group)!;
  if (key === "ansible_group_priority") {
    const n = Number(value);
    if (!Number.isInteger(n))
      throw new Error(`${m.source}: group ${group}: ansible_group_priority must be an integer, got ${JSON.stringify(value)}`);
    g.priority = n;
  } else g.vars[key] = value;
}

/** Ansible's reconcile_inventory: parentless groups go under all; hosts only in all go to ungrouped. */
function reconcile(m: Model): void {
  for (const g of m.groups.values()) if (g.name !== "all" && g.parents.length === 0) addChild(m, "all", g.name);
  const ungrouped = m.groups.get("ungrouped")!;
  for (const h of m.hosts.values()) {
    const mine = hostGroups(m, h.name);
    const others = [...mine].filter((g) => g !== "all" && g !== "ungrouped");
    if (mine.has("ungrouped") && others.length) {
      ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
      h.groups = h.groups.filter((g) => g !== "ungrouped");
    } else if (others.length === 0 && !mine.has("ungrouped")) addHost(m, h.name, "ungrouped", {});
  }
}

function ancestors(m: Model, g: string, into: Set<string>): void {
  for (const p of m.groups.get(g)?.parents ?? []) {
    if (!into.has(p)) {
      into.add(p);
      ancestors(m, p, into);
    }
  }
}

function hostGroups(m: Model, host: string): Set<string> {
  const out = new Set<string>(["all"]);
  for (const g of m.hosts.get(host)!.groups) {
    out.add(g);
    ancestors(m, g, out);
  }
  return out;
}

/** Longest path from all (Ansible's group depth). */
function depths(m: Model): Map<string, number> {
  const d = new Map<string, number>();
  const depthOf = (g: string): number => {
    const known = d.get(g);
    if (known !== undefined) return known;
    const parents = m.groups.get(g)!.parents;
    const v = g === "all" ? 0 : parents.length ? Math.max(...parents.map(depthOf)) + 1 : 1;
    d.set(g, v);
    return v;
  };
  for (const g of m.groups.keys()) depthOf(g);
  return d;
}

// ---------------------------------------------------------------------------
// YAML (Ansible's yaml inventory plugin)

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseYamlGroup(m: Model, name: string, body: unknown): string | undefined {
  if (body !== null && !isMap(body)) return undefined; // Ansible: "Skipping ... not a valid group definition"
  addGroup(m, name);
  if (body === null) return name;
  for (const section of ["vars", "children", "hosts"]) {
    let v = body[section];
    if (typeof v === "string") body[section] = v = { [v]: null };
    if (section in body && v !== null && !isMap(v)) {
      throw new Error(`${m.source}: group ${name}: "${section}" must be a mapping, got ${Array.isArray(v) ? "a list" : typeof v}`);
    }
  }
  for (const [key, value] of Object.entries(body)) {
    if (!isMap(value)) continue;
    if (key === "vars") for (const [k, v] of Object.entries(value)) setGroupVar(m, name, k, v);
    else if (key === "children") {
      for (const [sub, subBody] of Object.entries(value)) {
        const child = parseYamlGroup(m, sub, subBody);
        if (child !== undefined) addChild(m, name, child);
      }
    } else if (key === "hosts") {
      for (const [pattern, hv] of Object.entries(value)) {
        if (hv !== null && !isMap(hv)) throw new Error(`${m.source}: group ${name}: host ${pattern}: its variables must be a mapping`);
        const { names, port } = expandHostPattern(pattern, m.source);
        for (const n of names) addHost(m, n, name, { ...(hv ?? {}) }, port);
      }
    }
  }
  return name;
}

// ---------------------------------------------------------------------------
// INI (Ansible's ini inventory plugin)

/** Python's shlex.split(line, comments=True), enough for inventory lines. */
function shlexSplit(line: string, where: string): string[] {
  const out: string[] = [];
  let tok: string | undefined;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (/\s/.test(ch)) {
      if (tok !== undefined) out.push(tok);
      tok = undefined;
      i++;
    } else if (ch === "#") break;
    else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`${where}: no closing quotation`);
      tok = (tok ?? "") + line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`${where}: no closing quotation`);
        if (line[i] === '"') break;
        if (line[i] === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) i++;
        s += line[i++];
      }
      tok = (tok ?? "") + s;
      i++;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) throw new Error(`${where}: no escaped character`);
      tok = (tok ?? "") + line[i + 1];
      i += 2;
    } else {
      tok = (tok ?? "") + ch;
      i++;
    }
  }
  if (tok !== undefined) out.push(tok);
  return out;
}

/** Python's ast.literal_eval for the literals an inventory holds; the text itself when it is not one. */
export function pythonLiteral(text: string): unknown {
  const s = text;
  let i = 0;
  const ws = () => {
    while (i < s.length && /[ \t]/.test(s[i])) i++;
  };
  const fail = (): never => {
    throw new SyntaxError("not a literal");
  };
  const value = (): unknown => {
    ws();
    const ch = s[i];
    if (ch === "[" || ch === "(") {
      const close = ch === "[" ? "]" : ")";
      i++;
      const items: unknown[] = [];
      ws();
      while (s[i] !== close) {
        items.push(value());
        ws();
        if (s[i] === ",") i++;
        else if (s[i] !== close) fail();
        ws();
      }
      i++;
      return items;
    }
    if (ch === "{") {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      while (s[i] !== "}") {
        const k = value();
        ws();
        if (s[i++] !== ":") fail();
        obj[String(k)] = value();
        ws();
        if (s[i] === ",") i++;
        else if (s[i] !== "}") fail();
        ws();
      }
      i++;
      return obj;
    }
    if (ch === "'" || ch === '"') {
      let out = "";
      while (s[i] === "'" || s[i] === '"') {
        const q = s[i++];
        for (;;) {
          if (i >= s.length) fail();
          const c = s[i++];
          if (c === q) break;
          if (c === "\\") {
            const e = s[i++];
            const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0" };
            out += map[e] ?? `\\${e}`;
          } else out += c;
        }
        ws();
      }
      return out;
    }
    const m =
      /^[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*\.?(?:[eE][+-]?\d+)?)/.exec(
        s.slice(i),
      );
    if (m) {
      const lit = m[0].replace(/_/g, "");
      i += m[0].length;
      const body = lit.replace(/^[+-]/, "");
      const sign = lit.startsWith("-") ? -1 : 1;
      if (/^0[xob]/i.test(body)) return sign * Number(body);
      if (/^\d+$/.test(body)) {
        if (/^0\d/.test(body) && !/^0+$/.test(body)) fail(); // leading zeros: a SyntaxError in Python
        return sign * Number(body);
      }
      return sign * Number(body);
    }
    const word = /^[A-Za-z_]\w*/.exec(s.slice(i))?.[0];
    if (word === "True" || word === "False" || word === "None") {
      i += word.length;
      return word === "True" ? true : word === "False" ? false : null;
    }
    return fail();
  };
  try {
    const v = value();
    ws();
    if (s[i] === "#") i = s.length; // a Python comment
    return i === s.length ? v : text;
  } catch {
    return text;
  }
}

function parseIni(m: Model, text: string): void {
  const where = (n: number) => `${m.source}:${n}`;
  const pending = new Map<string, { line: number; state: string; parents: string[] }>();
  let group = "ungrouped";
  let state = "hosts";
  text.split(/\r?\n/).forEach((raw, idx) => {
    const n = idx + 1;
    const line = raw.trim();
    if (!line || line[0] === "#" || line[0] === ";") return;
    const sec = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/.exec(line);
    if (sec) {
      group = sec[1];
      state = sec[2] ?? "hosts";
      if (!["hosts", "children", "vars"].includes(state))
        throw new Error(`${where(n)}: section [${group}:${state}] has unknown type: ${state}`);
      if (!m.groups.has(group)) {
        if (state === "vars" && !pending.has(group)) pending.set(group, { line: n, state, parents: [] });
        addGroup(m, group);
      }
      const p = pending.get(group);
      if (p && state !== "vars") {
        if (p.state === "children") addPendingChildren(m, group, pending);
        else pending.delete(group);
      }
      return;
    }
    if (line.startsWith("[") && line.endsWith("]")) throw new Error(`${where(n)}: invalid section entry: '${line}' (no spaces allowed)`);
    if (state === "hosts") {
      const tokens = shlexSplit(line, where(n));
      const { names, port } = expandHostPattern(tokens[0], where(n));
      const vars: Record<string, unknown> = {};
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf("=");
        if (eq < 0) throw new Error(`${where(n)}: expected key=value host variable assignment, got: ${t}`);
        vars[t.slice(0, eq)] = pythonLiteral(t.slice(eq + 1));
      }
      for (const h of names) addHost(m, h, group, { ...vars }, port);
    } else if (state === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) throw new Error(`${where(n)}: group ${group}: expected key=value, got: ${line}`);
      setGroupVar(m, group, line.slice(0, eq).trim(), pythonLiteral(line.slice(eq + 1).trim()));
    } else {
      const child = /^([^:\]\s]+)\s*(?:#.*)?$/.exec(line)?.[1];
      if (!child) throw new Error(`${where(n)}: group ${group}: expected a group name, got: ${line}`);
      if (!m.groups.has(child)) {
        const p = pending.get(child);
        if (p) p.parents.push(group);
        else pending.set(child, { line: n, state, parents: [group] });
      } else addChild(m, group, child);
    }
  });
  for (const [g, p] of pending) {
    if (p.state === "vars") throw new Error(`${where(p.line)}: section [${g}:vars] is for group ${g}, which the inventory does not define`);
    throw new Error(`${where(p.line)}: section [${p.parents[p.parents.length - 1]}:children] includes undefined group ${g}`);
  }
}

function addPendingChildren(m: Model, group: string, pending: Map<string, { line: number; state: string; parents: string[] }>): void {
  for (const parent of pending.get(group)!.parents) {
    addChild(m, parent, group);
    if (pending.get(parent)?.state === "children") addPendingChildren(m, parent, pending);
  }
  pending.delete(group);
}

// ---------------------------------------------------------------------------
// Host patterns: `name`, `name:port`, `[v6addr]:port`, ranges `web[01:03]`, `db-[a:c]`.

function expandHostPattern(pattern: string, where: string): { names: string[]; port?: number } {
  if (typeof pattern !== "string" || pattern === "") throw new Error(`${where}: host pattern ${JSON.stringify(pattern)} must be a string`);
  let host = pattern.trim();
  let port: number | undefined;
  const v6 = /^\[([0-9a-fA-F:.]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)\](?::(\d+))?$/.exec(host);
  if (v6) {
    host = v6[1];
    port = v6[2] === undefined ? undefined : Number(v6[2]);
    return { names: [host], port };
  }
  const outside = host.replace(/\[[^\]]*\]/g, "");
  const colons = outside.split(":").length - 1;
  if (colons === 1) {
    const m = /^(.*):(\d+)$/.exec(host);
    if (!m) throw new Error(`${where}: host pattern ${pattern}: expected name:port`);
    host = m[1];
    port = Number(m[2]);
  }
  return { names: colons > 1 ? [host] : expandRanges(host, where), port };
}

function expandRanges(pattern: string, where: string): string[] {
  const m = /^(.*?)\[(.*?)\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, range, tail] = m;
  const parts = range.split(":");
  if (parts.length < 2 || parts.length > 3) throw new Error(`${where}: host range [${range}] must be [begin:end] or [begin:end:step]`);
  const [beg0, end, stepText] = parts;
  const beg = beg0 === "" ? "0" : beg0;
  const step = stepText ? Number(stepText) : 1;
  let seq: string[];
  if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    if (beg.length > 1 && beg[0] === "0" && beg.length !== end.length)
      throw new Error(`${where}: host range [${range}]: begin and end must have the same width`);
    const width = beg[0] === "0" && beg.length > 1 ? beg.length : 0;
    seq = [];
    for (let i = Number(beg); i <= Number(end); i += step) seq.push(String(i).padStart(width, "0"));
  } else if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    seq = [];
    for (let c = beg.charCodeAt(0); c <= end.charCodeAt(0); c += step) seq.push(String.fromCharCode(c));
  } else throw new Error(`${where}: host range [${range}]: begin and end must be both numbers or both letters`);
  const rest = expandRanges(tail, where);
  return seq.flatMap((s) => rest.map((r) => `${head}${s}${r}`));
}

// ---------------------------------------------------------------------------
// From the model to our hosts

const TRUE = new Set(["y", "yes", "on", "1", "true", "t"]);
const FALSE = new Set(["n", "no", "off", "0", "false", "f"]);

/** Ansible's boolean(): true/false, 1/0, yes/no, on/off, y/n, t/f. */
function ansibleBool(v: unknown, where: string): boolean {
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === "string" && TRUE.has(v.toLowerCase())) return true;
  if (typeof v === "string" && FALSE.has(v.toLowerCase())) return false;
  throw new Error(`${where} must be a boolean (true/false, yes/no), got ${JSON.stringify(v)}`);
}

/** The last of `names` that is set (Ansible's connection variables: ansible_ssh_host beats ansible_host). */
function pick(v: Record<string, unknown>, names: string[]): [string, unknown] | undefined {
  let found: [string, unknown] | undefined;
  for (const n of names) if (v[n] !== undefined && v[n] !== null) found = [n, v[n]];
  return found;
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string" || v === "") throw new Error(`${where} must be a non-empty string`);
  return v;
}

function portOf(v: unknown, where: string): number {
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${where} must be a port (1-65535), got ${JSON.stringify(v)}`);
  return n;
}

interface Basic {
  sshHost: string;
  port: number;
  user: string;
}

function basicOf(name: string, v: Record<string, unknown>, where: string): Basic {
  const h = pick(v, ["ansible_host", "ansible_ssh_host"]);
  const p = pick(v, ["ansible_port", "ansible_ssh_port"]);
  const u = pick(v, ["ansible_user", "ansible_ssh_user"]);
  return {
    sshHost: h ? str(h[1], `${where}: ${h[0]}`) : name,
    port: p ? portOf(p[1], `${where}: ${p[0]}`) : 22,
    user: u ? str(u[1], `${where}: ${u[0]}`) : "root",
  };
}

/** The ProxyJump of ssh arguments (`-J spec`, `-Jspec`, `-o ProxyJump=spec`, `-oProxyJump spec`), or undefined. */
export function proxyJumpOf(args: string, where: string): string | undefined {
  const t = shlexSplit(args, where);
  for (let i = 0; i < t.length; i++) {
    let opt: string | undefined;
    if (t[i] === "-J") opt = `proxyjump=${t[++i] ?? ""}`;
    else if (t[i].startsWith("-J")) opt = `proxyjump=${t[i].slice(2)}`;
    else if (t[i] === "-o") opt = t[++i];
    else if (t[i].startsWith("-o")) opt = t[i].slice(2);
    if (opt === undefined) continue;
    const m = /^\s*(\w+)\s*(?:=\s*|\s+)(.*)$/.exec(opt);
    if (!m) continue;
    const key = m[1].toLowerCase();
    if (key === "proxycommand") {
      throw new Error(`${where}: ProxyCommand is not supported; use -o ProxyJump=[user@]host[:port] (or -J) instead`);
    }
    if (key === "proxyjump") {
      if (!m[2]) throw new Error(`${where}: ProxyJump needs [user@]host[:port]`);
      return m[2].toLowerCase() === "none" ? undefined : m[2];
    }
  }
  return undefined;
}

function jumpOf(m: Model, spec: string, target: Basic, targetVars: Record<string, unknown>, where: string): InventoryJump {
  let prev: InventoryJump | undefined;
  for (const hopText of spec.split(",")) {
    const hm = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hopText.trim());
    if (!hm) throw new Error(`${where}: ProxyJump hop "${hopText}" is not [user@]host[:port]`);
    const [, user, hostRaw, port] = hm;
    const hostName = hostRaw.replace(/^\[(.*)\]$/, "$1");
    const known = m.hosts.has(hostName) ? hostName : undefined;
    let hop: InventoryJump;
    if (known) {
      const kv = hostVars(m, known);
      const kwhere = `${m.source}: host ${known}`;
      const b = basicOf(known, kv, kwhere);
      const pin = kv.host_key_sha256 === undefined ? "" : str(kv.host_key_sha256, `${kwhere}: host_key_sha256`);
      hop = { host: b.sshHost, port: b.port, user: b.user, hostKeySha256: pin, name: known };
    } else {
      const pin = targetVars.jump_host_key_sha256;
      hop = {
        host: hostName,
        port: 22,
        user: target.user,
        hostKeySha256: pin === undefined ? "" : str(pin, `${where.replace(/: ansible_ssh_\w+$/, "")}: jump_host_key_sha256`),
      };
    }
    if (user) hop.user = user;
    if (port) hop.port = portOf(port, `${where}: ProxyJump port`);
    if (prev) hop.jump = prev;
    prev = hop;
  }
  return prev!;
}

/** A host's variables: group vars by (depth, priority, name), then its own. */
function hostVars(m: Model, name: string): Record<string, unknown> {
  const d = depths(m);
  const groups = [...hostGroups(m, name)]
    .map((g) => m.groups.get(g)!)
    .sort((a, b) => d.get(a.name)! - d.get(b.name)! || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const v: Record<string, unknown> = {};
  for (const g of groups) Object.assign(v, g.vars);
  return Object.assign(v, m.hosts.get(name)!.vars);
}

/**
 * The host var `addresses6`: a map of interface name to IPv6 address/prefix (2001:db8::30/64), as `addresses` is for
 * IPv4; anything else is an error naming the host, the interface and the value.
 */
function ipv6Addresses(value: unknown, where: string): Record<string, string> {
  if (!isMap(value))
    throw new Error(`${where}: addresses6 must be a map of interface name to IPv6 address/prefix, e.g. eth0: 2001:db8::30/64`);
  for (const [nic, cidr] of Object.entries(value)) {
    const m = typeof cidr === "string" ? /^([^/%]+)\/(0|[1-9]\d{0,2})$/.exec(cidr) : null;
    if (!m || !net.isIPv6(m[1]) || Number(m[2]) > 128) {
      throw new Error(
        `${where}: addresses6.${nic} must be an IPv6 address/prefix (prefix 0..128, no zone), e.g. 2001:db8::30/64; got ${JSON.stringify(cidr)}`,
      );
    }
  }
  return value as Record<string, string>;
}

function resolveHost(m: Model, name: string): InventoryHost {
  const v = hostVars(m, name);
  const where = `${m.source}: host ${name}`;
  const basic = basicOf(name, v, where);
  const key = pick(v, ["ansible_private_key_file", "ansible_ssh_private_key_file"]);
  const pin = v.host_key_sha256;
  const addresses = v.addresses ?? {};
  if (!isMap(addresses) || Object.values(addresses).some((a) => typeof a !== "string")) {
    throw new Error(`${where}: addresses must be a map of interface name to address/prefix`);
  }
  const addresses6 = v.addresses6 === undefined || v.addresses6 === null ? undefined : ipv6Addresses(v.addresses6, where);
  const host: InventoryHost = {
    name,
    groups: [...hostGroups(m, name)].sort(),
    ...basic,
    privateKeyPath: key ? expandHome(str(key[1], `${where}: ${key[0]}`), os.homedir) : "",
    hostKeySha256: pin === undefined || pin === null ? "" : str(pin, `${where}: host_key_sha256`),
    hostKey: v.host_key === undefined ? undefined : str(v.host_key, `${where}: host_key`).trim(),
    addresses: addresses as Record<string, string>,
    ...(addresses6 ? { addresses6 } : {}),
    vars: v,
    source: m.source,
  };
  if (host.hostKey !== undefined && fingerprint(host.hostKey) !== host.hostKeySha256) {
    throw new Error(
      `${where}: host_key's fingerprint ${fingerprint(host.hostKey)} differs from host_key_sha256 ${host.hostKeySha256 || "(none)"}`,
    );
  }
  for (const argVar of ["ansible_ssh_common_args", "ansible_ssh_extra_args"]) {
    if (v[argVar] === undefined || v[argVar] === null || host.jump) continue;
    const spec = proxyJumpOf(str(v[argVar], `${where}: ${argVar}`), `${where}: ${argVar}`);
    if (spec !== undefined) host.jump = jumpOf(m, spec, basic, v, `${where}: ${argVar}`);
  }
  if (v.ansible_become !== undefined && ansibleBool(v.ansible_become, `${where}: ansible_become`)) {
    const how =
      "pulumi-lvs runs commands with `sudo -n` only: give the login user passwordless sudo " +
      `(a line \`${basic.user} ALL=(ALL) NOPASSWD: ALL\` in /etc/sudoers.d/${basic.user}, edited with visudo) and remove it`;
    const pass = pick(v, ["ansible_become_password", "ansible_become_pass"]);
    const becomeUser = v.ansible_become_user;
    const method = v.ansible_become_method;
    if (pass) host.unusable = `${where}: ${pass[0]} is set, but password sudo is not supported; ${how}`;
    else if (becomeUser !== undefined && becomeUser !== null && becomeUser !== "root") {
      host.unusable = `${where}: ansible_become_user is ${JSON.stringify(becomeUser)}, but only becoming root is supported (other users are not); unset it or set root`;
    } else if (method !== undefined && method !== null && method !== "sudo") {
      host.unusable = `${where}: ansible_become_method is ${JSON.stringify(method)}, but only sudo (passwordless) is supported`;
    } else host.sudo = true;
  }
  return host;
}

/** Builds the model from inventory text: YAML when it is a YAML mapping (and the name allows YAML), else INI, as Ansible does. */
function buildModel(text: string, source: string): Model {
  const ext = path.extname(source);
  let doc: unknown;
  let yamlError: string | undefined;
  if (!ext || [".yaml", ".yml", ".json"].includes(ext)) {
    try {
      doc = YAML.parse(text, { version: "1.1", uniqueKeys: false, merge: true });
    } catch (err) {
      yamlError = (err as Error).message.split("\n")[0];
    }
  }
  const m = newModel(source);
  if (isMap(doc) && Object.keys(doc).length && !doc.plugin) {
    for (const [g, body] of Object.entries(doc)) parseYamlGroup(m, g, body);
  } else {
    try {
      parseIni(m, text); // as Ansible: what is not a YAML mapping is tried as INI
    } catch (err) {
      if (yamlError === undefined) throw err;
      throw new Error(`${source}: neither YAML (${yamlError}) nor INI (${(err as Error).message})`);
    }
  }
  reconcile(m);
  return m;
}

/** Parses an inventory (Ansible YAML or INI); `source` names it in errors and picks the format by extension. */
export function parseInventory(text: string, source = "inventory"): Inventory {
  const m = buildModel(text, source);
  const hosts: Record<string, InventoryHost> = {};
  for (const name of m.hosts.keys()) hosts[name] = resolveHost(m, name);
  const groups: Record<string, string[]> = {};
  const children: Record<string, string[]> = {};
  for (const g of m.groups.values()) {
    if (g.name === "all" || g.name === "ungrouped") continue;
    groups[g.name] = [...g.hosts];
    const kids = g.children.filter((c) => c !== "ungrouped");
    if (kids.length) children[g.name] = kids;
  }
  const preset = m.groups.get("all")!.vars.lab_preset;
  return {
    preset: typeof preset === "string" ? preset : undefined,
    hosts,
    groups,
    ...(Object.keys(children).length ? { children } : {}),
    source,
  };
}

/** Reads the inventory at `path` (default: the running lab's). */
export function loadInventory(path = defaultInventoryPath()): Inventory {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch {
    throw new Error(`no inventory at ${path}: start the lab with \`npm run lab -- up <preset>\` or give a path`);
  }
  return parseInventory(text, path);
}

/** The host named `name`, with an error listing the known hosts. */
export function inventoryHost(inv: Inventory, name: string): InventoryHost {
  const h = inv.hosts[name];
  if (!h)
    throw new Error(`inventory${inv.source ? ` ${inv.source}` : ""} has no host "${name}"; hosts: ${Object.keys(inv.hosts).join(", ")}`);
  return h;
}

/** The hosts of `group`, directly or through its children at any depth, in inventory order. */
export function groupHosts(inv: Inventory, group: string): string[] {
  const all = Object.keys(inv.hosts);
  if (group === "all") return all;
  if (!(group in inv.groups) && group !== "ungrouped") {
    throw new Error(
      `inventory${inv.source ? ` ${inv.source}` : ""} has no group "${group}"; groups: ${Object.keys(inv.groups).join(", ") || "none"}`,
    );
  }
  const members = new Set<string>();
  const visit = (g: string, seen: Set<string>) => {
    if (seen.has(g)) return;
    seen.add(g);
    for (const h of inv.groups[g] ?? []) members.add(h);
    for (const c of inv.children?.[g] ?? []) visit(c, seen);
  };
  visit(group, new Set());
  return all.filter((h) => members.has(h) || inv.hosts[h].groups.includes(group));
}

/** The address (without prefix) of `host` on `nic` (default: its first interface). */
export function hostAddress(host: InventoryHost, nic?: string): string {
  const cidr = nic ? host.addresses[nic] : Object.values(host.addresses)[0];
  if (!cidr) throw new Error(`host ${host.name} has no address${nic ? ` on ${nic}` : ""}`);
  return cidr.split("/")[0];
}

function pinHelp(host: string, port: number): string {
  return `read it with \`ssh-keyscan -p ${port} ${host} | ssh-keygen -lf -\` (from a trusted network) and set the SHA256:... value`;
}

/** Throws what makes the host unusable for SSH: no pin, no jump pin, password sudo or another become user. */
export function checkUsable(host: InventoryHost): void {
  const where = `${host.source ?? "inventory"}: host ${host.name}`;
  if (host.unusable) throw new Error(host.unusable);
  if (!host.hostKeySha256) throw new Error(`${where}: host_key_sha256 is not set; ${pinHelp(host.sshHost, host.port)} as host_key_sha256`);
  for (let j = host.jump; j; j = j.jump) {
    if (!j.hostKeySha256) {
      throw new Error(
        j.name
          ? `${host.source ?? "inventory"}: host ${j.name} (the ProxyJump of ${host.name}): host_key_sha256 is not set; ${pinHelp(j.host, j.port)} as host_key_sha256`
          : `${where}: its ProxyJump host ${j.host} has no pin; ${pinHelp(j.host, j.port)} as jump_host_key_sha256 on ${host.name}`,
      );
    }
  }
}

function jumpConnection(j: InventoryJump, privateKey: string): ConnectionArgs {
  return {
    host: j.host,
    port: j.port,
    user: j.user,
    privateKey,
    hostKeySha256: j.hostKeySha256,
    ...(j.jump ? { jump: jumpConnection(j.jump, privateKey) } : {}),
  };
}

/** SSH connection arguments for a host with the given private key: its host key pinned, its jump and sudo. */
export function hostConnection(host: InventoryHost, privateKey: string): ConnectionArgs {
  checkUsable(host);
  return {
    host: host.sshHost,
    port: host.port,
    user: host.user,
    privateKey,
    hostKeySha256: host.hostKeySha256,
    ...(host.jump ? { jump: jumpConnection(host.jump, privateKey) } : {}),
    ...(host.sudo ? { sudo: true } : {}),
  };
}

/** The host's key file (ansible_ssh_private_key_file), read now. */
export function readPrivateKey(host: InventoryHost): string {
  const where = `${host.source ?? "inventory"}: host ${host.name}`;
  if (!host.privateKeyPath)
    throw new Error(`${where}: ansible_ssh_private_key_file is not set (or set the stack secret pulumi-lvs:privateKey)`);
  try {
    return fs.readFileSync(host.privateKeyPath, "utf8");
  } catch (err) {
    throw new Error(
      `${where}: ansible_ssh_private_key_file ${host.privateKeyPath}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

/** SSH connection arguments for a host: its key file read now, its host key pinned. */
export function connectionArgs(host: InventoryHost): ConnectionArgs {
  checkUsable(host);
  return hostConnection(host, readPrivateKey(host));
}
