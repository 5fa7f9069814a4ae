// Where a stack's hosts come from: an Ansible inventory, YAML or INI (the lab
// writes one; for real machines write your own, docs/inventory.md) named by the
// stack config `pulumi-lvs:inventory` (default: the running lab's). The SSH key
// is the inventory's key file, or the secret `pulumi-lvs:privateKey` when set;
// the connection gets the host's ProxyJump (`jump`) and become (`sudo`).
import * as pulumi from "@pulumi/pulumi";
import { checkUsable, connectionArgs, defaultInventoryPath, hostConnection, Inventory, inventoryHost, loadInventory } from "./inventory";
import type { ConnectionArgs } from "../providers";

export interface Host {
  name: string;
  /** Secret in state (it carries the private key). */
  connection: pulumi.Output<ConnectionArgs>;
  /** nic -> address/prefix, e.g. ens33 -> 192.168.118.30/24. */
  addresses: Record<string, string>;
  /** The host's public key line, when the inventory gives it (`host_key`). */
  hostKey?: string;
}

/** The address (no prefix) of a host on a nic (default ens33). */
export function addressOf(h: Host, nic = "ens33"): string {
  const cidr = h.addresses[nic];
  if (!cidr) throw new Error(`host ${h.name} has no address on ${nic}; it has ${Object.keys(h.addresses).join(", ") || "none"}`);
  return cidr.split("/")[0];
}

export interface HostSource {
  inventory: Inventory;
  host(name: string): Host;
}

/** Hosts of the inventory in the stack config (or the lab's). */
export function hostsFromConfig(): HostSource {
  const config = new pulumi.Config("pulumi-lvs");
  const inventory = loadInventory(config.get("inventory") ?? defaultInventoryPath());
  const key = config.getSecret("privateKey");
  return {
    inventory,
    host(name: string): Host {
      const h = inventoryHost(inventory, name);
      checkUsable(h); // a missing pin or password sudo fails here, naming the host, not inside an apply
      const connection = key
        ? pulumi.secret(key.apply((privateKey): ConnectionArgs => hostConnection(h, privateKey)))
        : pulumi.secret(connectionArgs(h));
      return { name, connection, addresses: h.addresses, hostKey: h.hostKey };
    },
  };
}
