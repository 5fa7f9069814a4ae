// dr: the seed's LVS-DR with one director. The VIP is an alias on the
// director's interface; each real server holds it on lo:0 (no ARP) and
// answers clients directly.
import { DR_KEYS, KeySpec } from "./config";
import { DrCluster } from "./components/drCluster";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  ...DR_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the real servers (each gets the VIP on lo:0)"),
  clients: ROLES.clients,
};

export const dr = {
  preset: "dr",
  description: "LVS-DR with one director; the VIP on the director's interface and on each real server's lo:0",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const { vip, interface: nic, vipPrefix, scheduler, port } = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const clients = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const cluster = new DrCluster("dr", {
      director,
      nic,
      vip,
      vipPrefix,
      port,
      scheduler,
      realServers: rss.map((host) => ({ host })),
      otherHosts: ctx.others([director, ...rss]),
    });
    const check = endToEndCheck("dr-check", { client: clients[0], url: vipUrl(vip, "/", port), topology: [cluster] });
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (VIP on ${nic}:0)`,
        ...Object.fromEntries(rss.map((r) => [r.name, "real server (VIP on lo:0)"])),
      },
      "/",
      port,
      { check },
      clients[0],
    );
  },
};
