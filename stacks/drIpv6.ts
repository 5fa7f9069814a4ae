// dr-ipv6: the seed's LVS-DR with one director on an IPv6 VIP. The VIP is an
// address on the director's interface (no label: labels are IPv4 only); each
// real server holds it on lo as /128 and answers clients directly. Linux
// answers neighbour solicitations only for addresses on the interface they
// arrive on, so the VIP on lo needs no equivalent of the ARP sysctls.
import { isIPv6 } from "node:net";
import { DR_IPV6_KEYS, KeySpec } from "./config";
import { DrCluster } from "./components/drCluster";
import { knownAddresses6 } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  ...DR_IPV6_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the real servers (each gets the IPv6 VIP on lo; each needs an IPv6 address in addresses6)"),
  clients: ROLES.clients,
};

export const drIpv6 = {
  preset: "dr",
  description: "LVS-DR with one director on an IPv6 VIP; the VIP on the director's interface and on each real server's lo as /128",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const { vip, interface: nic, vipPrefix, scheduler, port } = ctx.values(KEYS);
    if (vip && !isIPv6(vip))
      ctx.cfg.failures.push(
        `pulumi-lvs:vip must be an IPv6 address for topology dr-ipv6; got ${JSON.stringify(vip)} (an IPv4 VIP is topology dr)`,
      );
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const clients = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const cluster = new DrCluster("dr-ipv6", {
      family: "ipv6",
      director,
      nic,
      vip,
      vipPrefix,
      port,
      scheduler,
      realServers: rss.map((host) => ({ host })),
      // The other hosts by their IPv4 addresses (ignored for an IPv6 VIP) and the clients by their IPv6 ones.
      otherHosts: [...ctx.others([director, ...rss]), ...clients.map(knownAddresses6)],
    });
    const check = endToEndCheck("dr-ipv6-check", { client: clients[0], url: vipUrl(vip, "/", port), topology: [cluster] });
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (VIP on ${nic})`,
        ...Object.fromEntries(rss.map((r) => [r.name, "real server (VIP on lo)"])),
      },
      "/",
      port,
      { check },
      clients[0],
    );
  },
};
