// The host inventory: an Ansible-style YAML file (`all.hosts`, `all.children`
// groups) that the stacks, the scripts and the tests read, and that `lab up`
// writes for the lab's hosts. A user with real machines writes the same format
// by hand. It lives with the stacks (not in lab/) because the stacks read it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { fingerprintOf } from "../providers/transport/ssh";
import type { ConnectionArgs } from "../providers/transport/types";

export interface InventoryHost {
  name: string;
  groups: string[];
  /** Where SSH connects: 127.0.0.1 for the lab (forwarded port). */
  sshHost: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** The pinned host key, as OpenSSH prints it: `SHA256:...`. */
  hostKeySha256: string;
  /**
   * The host's public key line (`ssh-ed25519 AAAA...`), optional: SSH clients
   * that verify a whole key rather than a fingerprint (@pulumi/command's
   * `hostKey`) need it. When given, its fingerprint must equal the pin.
   */
  hostKey?: string;
  /** Interface name -> address/prefix inside the host, e.g. ens33 -> 192.168.118.30/24. */
  addresses: Record<string, string>;
}

export interface Inventory {
  preset?: string;
  hosts: Record<string, InventoryHost>;
  groups: Record<string, string[]>;
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
    };
  }
  const children: Record<string, unknown> = {};
  for (const [group, names] of Object.entries(inv.groups)) {
    children[group] = { hosts: Object.fromEntries(names.map((n) => [n, null])) };
  }
  const doc = { all: { vars: inv.preset ? { lab_preset: inv.preset } : {}, hosts, children } };
  return `# Written by pulumi-lvs. Ansible YAML inventory; host_key_sha256 pins each SSH host key.\n${YAML.stringify(doc)}`;
}

/** OpenSSH's SHA256 fingerprint of a public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprint(pubLine: string): string {
  return fingerprintOf(Buffer.from(pubLine.trim().split(/\s+/)[1] ?? "", "base64"));
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string" || v === "") throw new Error(`inventory: ${where} must be a non-empty string`);
  return v;
}

/** Parses an inventory written by renderInventory (or by hand in the same format). */
export function parseInventory(text: string, source = "inventory"): Inventory {
  const doc = YAML.parse(text) as { all?: Record<string, unknown> } | null;
  const all = doc?.all as
    | {
        vars?: Record<string, unknown>;
        hosts?: Record<string, Record<string, unknown>>;
        children?: Record<string, { hosts?: Record<string, unknown> }>;
      }
    | undefined;
  if (!all?.hosts) throw new Error(`${source}: expected an 'all.hosts' map`);
  const vars = all.vars ?? {};
  const groups: Record<string, string[]> = {};
  for (const [g, body] of Object.entries(all.children ?? {})) groups[g] = Object.keys(body?.hosts ?? {});
  const hosts: Record<string, InventoryHost> = {};
  for (const [name, h] of Object.entries(all.hosts)) {
    const v = { ...vars, ...(h ?? {}) };
    const where = `${source}: host ${name}`;
    hosts[name] = {
      name,
      groups: Object.entries(groups)
        .filter(([, members]) => members.includes(name))
        .map(([g]) => g),
      sshHost: str(v.ansible_host ?? name, `${where} ansible_host`),
      port: Number(v.ansible_port ?? 22),
      user: str(v.ansible_user ?? "root", `${where} ansible_user`),
      privateKeyPath: str(v.ansible_ssh_private_key_file, `${where} ansible_ssh_private_key_file`),
      hostKeySha256: str(v.host_key_sha256, `${where} host_key_sha256`),
      hostKey: v.host_key === undefined ? undefined : str(v.host_key, `${where} host_key`).trim(),
      addresses: (v.addresses as Record<string, string> | undefined) ?? {},
    };
    const key = hosts[name].hostKey;
    if (key !== undefined && fingerprint(key) !== hosts[name].hostKeySha256) {
      throw new Error(`${where}: host_key's fingerprint ${fingerprint(key)} differs from host_key_sha256 ${hosts[name].hostKeySha256}`);
    }
  }
  return { preset: typeof vars.lab_preset === "string" ? vars.lab_preset : undefined, hosts, groups };
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
  if (!h) throw new Error(`inventory has no host "${name}"; hosts: ${Object.keys(inv.hosts).join(", ")}`);
  return h;
}

/** The address (without prefix) of `host` on `nic` (default: its first interface). */
export function hostAddress(host: InventoryHost, nic?: string): string {
  const cidr = nic ? host.addresses[nic] : Object.values(host.addresses)[0];
  if (!cidr) throw new Error(`host ${host.name} has no address${nic ? ` on ${nic}` : ""}`);
  return cidr.split("/")[0];
}

/** SSH connection arguments for a host: its key file read now, its host key pinned. */
export function connectionArgs(host: InventoryHost): ConnectionArgs {
  return {
    host: host.sshHost,
    port: host.port,
    user: host.user,
    privateKey: fs.readFileSync(host.privateKeyPath, "utf8"),
    hostKeySha256: host.hostKeySha256,
  };
}
