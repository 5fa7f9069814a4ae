// nat-lab: the seed's LVS-NAT. One director forwards from the VIP (on its WAN
// side) to the real servers on its inside network, which route back through
// it (their default gateway is its inside address, the DIP); SNAT takes the
// inside network out of the WAN side.
import { COMMON_KEYS, KeySpec } from "./config";
import { NatCluster } from "./components/natCluster";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  vip: { ...COMMON_KEYS.vip, description: "the VIP: an address of the director's WAN side (in the seed, its own)" },
  wanInterface: {
    key: "wanInterface",
    type: "interface",
    description: "the director's interface towards the clients (the VIP side)",
    default: "eth1",
  },
  lanInterface: {
    key: "lanInterface",
    type: "interface",
    description: "the director's interface towards the real servers (the DIP side)",
    default: "eth0",
  },
  scheduler: COMMON_KEYS.scheduler,
  port: COMMON_KEYS.port,
  weights: COMMON_KEYS.weights,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the real servers (their default gateway becomes the director's inside address)"),
  clients: ROLES.clients,
};

export const natLab = {
  preset: "nat",
  description: "LVS-NAT: one director in front of the real servers (rr; wrr with weights by config)",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const { vip, scheduler, port, weights, wanInterface: wanNic, lanInterface: lanNic } = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const realServers = rss.map((host, i) => ({ host, weight: weights[i] ?? 1 }));
    const cluster = new NatCluster("nat", { director, vip, port, scheduler, wanNic, lanNic, realServers });
    const check = endToEndCheck("nat-check", { client, url: vipUrl(vip, "/", port), topology: [cluster], triggers: [scheduler, weights] });
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (DIP ${cluster.dip})`,
        ...Object.fromEntries(realServers.map((r) => [r.host.name, `real server, weight ${r.weight}`])),
      },
      "/",
      port,
      { check },
      client,
    );
  },
};
