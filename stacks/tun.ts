// tun: LVS-TUN with one director. The VIP is an alias on the director's
// interface; each real server, possibly behind routers, holds it on its
// tunnel device (tunl0 for ipip, gre0 for gre) and answers clients directly.
import { DR_KEYS, KeySpec } from "./config";
import { TUN_KINDS, TunCluster, TunKind } from "./components/tunCluster";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  ...DR_KEYS,
  tunType: {
    key: "tunType",
    type: "string",
    description: "the tunnel from the director to the real servers: ipip (tunl0) or gre (gre0)",
    default: "ipip",
    allowed: Object.keys(TUN_KINDS),
  },
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the real servers (each gets the VIP on its tunnel device; any routed network)"),
  clients: ROLES.clients,
};

export const tun = {
  preset: "tun",
  description: "LVS-TUN with one director; the VIP on the director's interface and on each real server's tunnel device (ipip or gre)",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const { vip, interface: nic, vipPrefix, scheduler, port, tunType } = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const clients = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const kind = tunType as TunKind;
    const cluster = new TunCluster("tun", {
      director,
      nic,
      vip,
      vipPrefix,
      port,
      scheduler,
      tunType: kind,
      realServers: rss.map((host) => ({ host })),
      otherHosts: ctx.others([director, ...rss]),
    });
    const check = endToEndCheck("tun-check", { client: clients[0], url: vipUrl(vip, "/", port), topology: [cluster] });
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (VIP on ${nic}:0, ${kind} tunnels)`,
        ...Object.fromEntries(rss.map((r) => [r.name, `real server (VIP on ${TUN_KINDS[kind].device})`])),
      },
      "/",
      port,
      { check },
      clients[0],
    );
  },
};
