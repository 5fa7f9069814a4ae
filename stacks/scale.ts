// scale: a generated stack for benchmarks, many IPVS real servers on one
// director: `services` services (ports 8001..) of `serversPerService` DR real
// servers each, at addresses generated in `realServerNetwork` (they need not
// exist: IPVS accepts them); `reweightPercent` gives that share of them weight
// 2 instead of 1.
import * as net from "node:net";
import { IpvsRealServer, IpvsService } from "../providers";
import { COMMON_KEYS, KeySpec } from "./config";
import { topologyOutputs } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  vip: COMMON_KEYS.vip,
  services: { key: "services", type: "integer", description: "how many IPVS services (ports 8001..)", default: 10, min: 1, max: 100 },
  serversPerService: {
    key: "serversPerService",
    type: "integer",
    description: "real servers per service",
    default: 50,
    min: 1,
    max: 250,
  },
  reweightPercent: {
    key: "reweightPercent",
    type: "integer",
    description: "the share (%) of real servers given weight 2 instead of 1",
    default: 0,
    min: 0,
    max: 100,
  },
  realServerNetwork: {
    key: "realServerNetwork",
    type: "string",
    description: "the first two octets of the generated real-server addresses <a.b>.<service>.<n>",
    default: "10.10",
  },
} as const satisfies Record<string, KeySpec>;

const GROUPS = { directors: ROLES.directors("the director that holds the services", 1) };

/** Every n-th server is reweighted so that `percent` of them are (0 = none). */
export function reweighted(index: number, percent: number): boolean {
  return percent > 0 && index % Math.round(100 / percent) === 0;
}

export const scale = {
  preset: "dr",
  description: "benchmark: many IPVS services x DR real servers on one director (config services, serversPerService, reweightPercent)",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    if (net.isIPv4(`${k.realServerNetwork}.1.1`) === false)
      ctx.cfg.failures.push(
        `pulumi-lvs:realServerNetwork must be two IPv4 octets such as 10.10; got ${JSON.stringify(k.realServerNetwork)}`,
      );
    ctx.cfg.done();
    for (let s = 1; s <= k.services; s++) {
      const port = 8000 + s;
      const svc = new IpvsService(`scale-${port}`, { connection: director.connection, address: k.vip, port, scheduler: "wrr" });
      const key = { protocol: "tcp" as const, address: k.vip, port };
      for (let r = 1; r <= k.serversPerService; r++) {
        const index = (s - 1) * k.serversPerService + r;
        new IpvsRealServer(
          `scale-${port}-${r}`,
          {
            connection: director.connection,
            service: key,
            address: `${k.realServerNetwork}.${s}.${r}`,
            method: "route",
            weight: reweighted(index, k.reweightPercent) ? 2 : 1,
          },
          { dependsOn: [svc] },
        );
      }
    }
    return topologyOutputs(
      k.vip,
      { [director.name]: `director: ${k.services} services x ${k.serversPerService} real servers` },
      "/",
      8001,
      {
        realServers: k.services * k.serversPerService,
      },
    );
  },
};
