// A Pulumi program of its own that uses pulumi-lvs as a package: two directors
// (the inventory's `directors` group) share a VIP by keepalived VRRP and drive
// IPVS in DR mode to the `realservers` group, and one raw IpvsService on the
// VIP's port 8080 sits beside it on the first director.
import * as pulumi from "@pulumi/pulumi";
import { IpvsService, SysctlSet } from "pulumi-lvs";
import { addressOf, drDirectorSysctls, drRealServer, hostsFromConfig, masterBackup, VrrpGroup } from "pulumi-lvs/components";
import { groupHosts } from "pulumi-lvs/inventory";

const config = new pulumi.Config();
const vip = config.require("vip");
const nic = config.get("interface") ?? "eth0";

// Hosts come from the Ansible inventory named by `pulumi-lvs:inventory`.
const hosts = hostsFromConfig();
const [d1, d2] = groupHosts(hosts.inventory, "directors").map((n) => hosts.host(n));
const webs = groupHosts(hosts.inventory, "realservers").map((n) => hosts.host(n));

const sysctls = [d1, d2].map(
  (d) => new SysctlSet(`${d.name}-dr-sysctls`, { connection: d.connection, name: "90-lvs-dr", values: drDirectorSysctls(nic) }),
);
const pair = new VrrpGroup(
  "web_vip",
  {
    members: masterBackup(d1, d2),
    interface: nic,
    virtualRouterId: 61,
    vip,
    virtualServers: [
      {
        address: vip,
        port: 80,
        lbAlgo: "rr",
        lbKind: "DR",
        realServers: webs.map((w) => ({
          address: addressOf(w),
          port: 80,
          weight: 1,
          check: { type: "TCP_CHECK" as const, connectPort: 80 },
        })),
      },
    ],
  },
  { dependsOn: sysctls },
);
for (const w of webs) drRealServer("web", w, vip, { dependsOn: [pair] });

// One resource used on its own: an IPVS service this program owns outright.
const raw = new IpvsService("raw-8080", { connection: d1.connection, address: vip, port: 8080, scheduler: "wlc" });

export const url = `http://${vip}/`;
export const members = pair.members.apply((ms) => ms.map((m) => `${m.host} ${m.state} ${m.priority}`));
export const rawService = raw.key;
