// dr: the seed's LVS-DR with one director. The VIP is an alias on the
// director's interface; each real server holds it on lo:0 (no ARP) and
// answers clients directly.
import { COMMON_KEYS, KeySpec } from "./config";
import { DrCluster } from "./components/drCluster";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { GroupSpec, TopologyContext } from "./topology";

const KEYS = {
  vip: COMMON_KEYS.vip,
  interface: COMMON_KEYS.interface,
  vipPrefix: {
    key: "vipPrefix",
    type: "integer",
    description: "prefix length of the VIP alias on the director",
    default: 32,
    min: 1,
    max: 128,
  },
  scheduler: COMMON_KEYS.scheduler,
  port: COMMON_KEYS.port,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: { key: "directors", description: "the director", default: "directors", min: 1 },
  realservers: { key: "realservers", description: "the real servers", default: "realservers", min: 1, max: Infinity },
  clients: { key: "clients", description: "the host that runs the end-to-end check (none: no check)", default: "clients", min: 0, max: 1 },
} as const satisfies Record<string, GroupSpec>;

export const dr = {
  preset: "dr",
  description: "LVS-DR with one director; the VIP on the director's interface and on each real server's lo:0",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const vip = ctx.get<string>(KEYS.vip);
    const nic = ctx.get<string>(KEYS.interface);
    const vipPrefix = ctx.get<number>(KEYS.vipPrefix);
    const scheduler = ctx.get<string>(KEYS.scheduler);
    const port = ctx.get<number>(KEYS.port);
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
      otherHosts: clients,
    });
    const check = clients[0]
      ? endToEndCheck("dr-check", { client: clients[0], url: vipUrl(vip, "/", port), topology: [cluster] })
      : "not run: no host in the clients pattern";
    return topologyOutputs(
      vip,
      {
        [director.name]: `director (VIP on ${nic}:0)`,
        ...Object.fromEntries(rss.map((r) => [r.name, "real server (VIP on lo:0)"])),
      },
      "/",
      port,
      { check },
    );
  },
};
