// Where a stack's hosts come from: an Ansible inventory, YAML or INI (the lab
// writes one; for real machines write your own, docs/inventory.md) named by the
// stack config `pulumi-lvs:inventory` (default: the running lab's). The SSH key
// is the inventory's key file, or the secret `pulumi-lvs:privateKey` when set;
// the connection gets the host's ProxyJump (`jump`) and become (`sudo`).
import { isIPv6 } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { isUnicast } from "../providers/common/check";
import { quote } from "../providers/transport/shell";
import {
  checkUsable,
  connectionArgs,
  defaultInventoryPath,
  hostConnection,
  Inventory,
  InventoryHost,
  inventoryHost,
  loadInventory,
} from "./inventory";
import type { ConnectionArgs, ConnectionInput } from "../providers";
import { ADDRESS_KEY, type HostAddresses } from "./checks";

export interface Host {
  name: string;
  /** Secret in state (it carries the private key). */
  connection: pulumi.Output<ConnectionArgs>;
  /** nic -> address/prefix, e.g. eth0 -> 192.0.2.30/24. */
  addresses: Record<string, string>;
  /** nic -> IPv6 address/prefix (the inventory's `addresses6`), e.g. eth0 -> 2001:db8::30/64; absent when it gives none. */
  addresses6?: Record<string, string>;
  /** The host's public key line, when the inventory gives it (`host_key`). */
  hostKey?: string;
  /** Where SSH reaches it (ansible_host): its address on real machines, 127.0.0.1 for the lab's forwarded ports. */
  sshHost: string;
  /** An `ssh ...` command line that runs a command on the host (key file, port, ProxyJump), for outputs. */
  ssh: string;
}

/**
 * A host as the components take it. An inventory `Host` is one; so is a host
 * that another provider makes in the same program:
 * `{ name: "web1", connection: { host: vm.publicIp, ... }, address: vm.privateIp }`.
 */
export interface ClusterHost {
  /** Names the host's child resources (`<component>-<name>...`), so it is a plain string. Required. A change replaces them. */
  name: string;
  /**
   * How to reach it over SSH; any field may be an Output. Required. Another `host` or `port` replaces the host's
   * resources; credentials update in place.
   */
  connection: pulumi.Input<ConnectionInput>;
  /**
   * nic -> address/prefix, e.g. eth0 -> 192.0.2.30/24. Plain: the topology checks read them at preview (a NAT
   * director needs its WAN and LAN entries). Default: none (the checks then use `address` only). Only checked, and read
   * for the NAT rules: a change updates what derives from it.
   */
  addresses?: Record<string, string>;
  /**
   * nic -> IPv6 address/prefix, e.g. eth0 -> 2001:db8::30/64 (an inventory's `addresses6`). Plain, as `addresses`: an
   * IPv6 service's checks read them at preview. Default: none. Only checked, and read for the IPv6 address of the host
   * (clusterAddress6): a change updates what derives from it.
   */
  addresses6?: Record<string, string>;
  /**
   * The IPv6 address other hosts reach it by; may be an Output. Default: its `addresses6` entry on the component's
   * interface, else its first `addresses6` entry, else `address` when that is a plain IPv6 address. A change replaces
   * what names it (an IPv6 service's real server).
   */
  address6?: pulumi.Input<string>;
  /**
   * The address other hosts reach it by; may be an Output (a cloud VM's private IP). Default: its address on the
   * component's interface, else its first `addresses` entry, else `sshHost`. A change replaces what names it (an
   * IPVS real server, a VRRP member's peers) and updates the rest.
   */
  address?: pulumi.Input<string>;
  /** Where SSH reaches it (an inventory's ansible_host): the address of last resort when it is an IP. Default: none. A change replaces or updates as `address` does. */
  sshHost?: string;
}

/**
 * The address of a component's host: its address on `nic` when its
 * `addresses` has one; else its `address`; else as `addressOf`.
 */
export function clusterAddress(h: ClusterHost, nic?: string): pulumi.Input<string> {
  const addresses = h.addresses ?? {};
  if (h.address !== undefined && !(nic && addresses[nic])) return h.address;
  return addressOf({ name: h.name, addresses, sshHost: h.sshHost }, nic);
}

/**
 * The IPv6 address of a component's host: its `addresses6` entry on `nic` when it has one; else its `address6`;
 * else its first `addresses6` entry; else its `address` when that is a plain IPv6 address; else undefined (nothing
 * says the host has one: an IPv6 service's family check then names it).
 */
export function clusterAddress6(h: ClusterHost, nic?: string): pulumi.Input<string> | undefined {
  const addresses6 = h.addresses6 ?? {};
  const cidr = (nic && addresses6[nic]) || (h.address6 === undefined ? Object.values(addresses6)[0] : undefined);
  if (cidr) return cidr.split("/")[0];
  if (h.address6 !== undefined) return h.address6;
  return typeof h.address === "string" && isIPv6(h.address) ? h.address : undefined;
}

/** What an IPv6 service's checks know of a host at preview: its `addresses6`, and its `address6` when that is plain. */
export function knownAddresses6(h: Pick<ClusterHost, "name" | "addresses6" | "address6" | "address">): HostAddresses {
  const addresses = { ...(h.addresses6 ?? {}) };
  const plain = typeof h.address6 === "string" ? h.address6 : typeof h.address === "string" && isIPv6(h.address) ? h.address : undefined;
  if (plain !== undefined) addresses[ADDRESS_KEY] = plain;
  return { name: h.name, addresses };
}

/** What the topology checks know of a host at preview: its `addresses`, and its `address` when that is plain. */
export function knownAddresses(h: Pick<ClusterHost, "name" | "addresses" | "address">): HostAddresses {
  const addresses = { ...(h.addresses ?? {}) };
  if (typeof h.address === "string") addresses[ADDRESS_KEY] = h.address;
  return { name: h.name, addresses };
}

/**
 * The address other hosts use to reach `h`: its address on `nic` when given;
 * otherwise its only (first) `addresses` entry, or else its ansible_host when
 * that is an IP other than loopback. A host with neither is an error naming
 * the host var to set.
 */
export function addressOf(h: Pick<Host, "name" | "addresses"> & { sshHost?: string }, nic?: string): string {
  if (nic) {
    const cidr = h.addresses[nic];
    if (!cidr)
      throw new Error(
        `host ${h.name} has no address on ${nic} (its inventory \`addresses\` map has ${Object.keys(h.addresses).join(", ") || "none"}); add ${nic}: <address>/<prefix> to it`,
      );
    return cidr.split("/")[0];
  }
  const first = Object.values(h.addresses)[0];
  if (first) return first.split("/")[0];
  if (h.sshHost && isUnicast(h.sshHost)) return h.sshHost;
  throw new Error(
    `host ${h.name}: no address to reach it by; its ansible_host is ${JSON.stringify(h.sshHost)}: set ansible_host to an IP address or give the host an \`addresses\` map (interface: address/prefix)`,
  );
}

/** `ssh [-p port] [-i key] [-J jump] user@host` for an inventory host. */
export function sshCommand(h: InventoryHost): string {
  const hops: string[] = [];
  for (let j = h.jump; j; j = j.jump) hops.unshift(`${j.user}@${j.host.includes(":") ? `[${j.host}]` : j.host}:${j.port}`);
  return [
    "ssh",
    ...(h.port !== 22 ? ["-p", String(h.port)] : []),
    ...(h.privateKeyPath ? ["-i", quote(h.privateKeyPath)] : []),
    ...(hops.length ? ["-J", hops.join(",")] : []),
    `${h.user}@${h.sshHost}`,
  ].join(" ");
}

export interface HostSource {
  inventory: Inventory;
  host(name: string): Host;
}

/** Hosts of the inventory in the stack config (or the lab's). */
export function hostsFromConfig(): HostSource {
  const config = new pulumi.Config("pulumi-lvs");
  // `||`: the project declares "" as the default.
  const inventory = loadInventory(config.get("inventory") || defaultInventoryPath());
  const key = config.getSecret("privateKey");
  return {
    inventory,
    host(name: string): Host {
      const h = inventoryHost(inventory, name);
      checkUsable(h); // a missing pin or password sudo fails here, naming the host, not inside an apply
      const connection = key
        ? pulumi.secret(key.apply((privateKey): ConnectionArgs => hostConnection(h, privateKey)))
        : pulumi.secret(connectionArgs(h));
      return {
        name,
        connection,
        addresses: h.addresses,
        ...(h.addresses6 ? { addresses6: h.addresses6 } : {}),
        hostKey: h.hostKey,
        sshHost: h.sshHost,
        ssh: sshCommand(h),
      };
    },
  };
}
