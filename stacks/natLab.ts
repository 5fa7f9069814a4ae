// nat-lab: the seed's LVS-NAT. One director forwards from the VIP (on its WAN
// side) to the real servers on its inside network, which route back through
// it (their default gateway is its inside address, the DIP); SNAT takes the
// inside network out of the WAN side.
import { COMMON_KEYS, KeySpec } from "./config";
import { NatCluster } from "./components/natCluster";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { GroupSpec, TopologyContext } from "./topology";

const KEYS = {
  vip: { ...COMMON_KEYS.vip, description: "the VIP: the director's own WAN address in the seed's lab" },
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
  weights: {
    key: "weights",
    type: "integers",
    description: "the real servers' weights, in inventory order (default 1 each)",
    default: [],
    min: 0,
    max: 65535,
  },
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: { key: "directors", description: "the director", default: "directors", min: 1 },
  realservers: { key: "realservers", description: "the real servers", default: "realservers", min: 1, max: Infinity },
  clients: { key: "clients", description: "the host that runs the end-to-end check (none: no check)", default: "clients", min: 0, max: 1 },
} as const satisfies Record<string, GroupSpec>;

export const natLab = {
  preset: "nat",
  description: "LVS-NAT: one director in front of the real servers (rr; wrr with weights by config)",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const vip = ctx.get<string>(KEYS.vip);
    const scheduler = ctx.get<string>(KEYS.scheduler);
    const port = ctx.get<number>(KEYS.port);
    const weights = ctx.get<number[]>(KEYS.weights);
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    const wanNic = ctx.get<string>(KEYS.wanInterface);
    const lanNic = ctx.get<string>(KEYS.lanInterface);
    ctx.cfg.done();
    const realServers = rss.map((host, i) => ({ host, weight: weights[i] ?? 1 }));
    const cluster = new NatCluster("nat", { director, vip, port, scheduler, wanNic, lanNic, realServers });
    const check = client
      ? endToEndCheck("nat-check", { client, url: vipUrl(vip, "/", port), topology: [cluster], triggers: [scheduler, weights] })
      : "not run: no host in the clients pattern";
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (DIP ${cluster.dip})`,
        ...Object.fromEntries(realServers.map((r) => [r.host.name, `real server, weight ${r.weight}`])),
      },
      "/",
      port,
      { check },
    );
  },
};
