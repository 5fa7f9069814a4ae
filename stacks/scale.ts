// scale (preset dr): a generated stack for benchmarks, many IPVS real servers
// on one director. Config: `pulumi-lvs:services` (default 10, ports 8001..)
// and `pulumi-lvs:serversPerService` (default 50) on VIP 192.168.118.100,
// real servers 10.10.<service>.<n> (DR); `pulumi-lvs:reweightPercent` (default
// 0) gives that share of the real servers weight 2 instead of 1.
import * as pulumi from "@pulumi/pulumi";
import { IpvsRealServer, IpvsService } from "../providers";
import { assertTopology } from "./checks";
import { hostsFromConfig } from "./hosts";
import { topologyOutputs } from "./outputs";

const VIP = "192.168.118.100";

/** Every n-th server is reweighted so that `percent` of them are (0 = none). */
export function reweighted(index: number, percent: number): boolean {
  return percent > 0 && index % Math.round(100 / percent) === 0;
}

export function scaleStack() {
  const config = new pulumi.Config("pulumi-lvs");
  const services = config.getNumber("services") ?? 10;
  const perService = config.getNumber("serversPerService") ?? 50;
  const percent = config.getNumber("reweightPercent") ?? 0;
  assertTopology("scale", [
    ...(Number.isInteger(services) && services >= 1 && services <= 100 ? [] : [`services must be an integer 1..100; got ${services}`]),
    ...(Number.isInteger(perService) && perService >= 1 && perService <= 250
      ? []
      : [`serversPerService must be an integer 1..250; got ${perService}`]),
    ...(percent >= 0 && percent <= 100 ? [] : [`reweightPercent must be 0..100; got ${percent}`]),
  ]);
  const director = hostsFromConfig().host("director1");
  for (let s = 1; s <= services; s++) {
    const port = 8000 + s;
    const svc = new IpvsService(`scale-${port}`, { connection: director.connection, address: VIP, port, scheduler: "wrr" });
    const key = { protocol: "tcp" as const, address: VIP, port };
    for (let r = 1; r <= perService; r++) {
      const index = (s - 1) * perService + r;
      new IpvsRealServer(
        `scale-${port}-${r}`,
        {
          connection: director.connection,
          service: key,
          address: `10.10.${s}.${r}`,
          method: "route",
          weight: reweighted(index, percent) ? 2 : 1,
        },
        { dependsOn: [svc] },
      );
    }
  }
  return topologyOutputs(VIP, { director1: `director: ${services} services x ${perService} real servers` }, "/", 8001, {
    realServers: services * perService,
  });
}
