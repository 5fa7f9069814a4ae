// nat-lab (preset nat): the seed's LVS-NAT lab. Config: `pulumi-lvs:scheduler`
// (default rr) and `pulumi-lvs:weights` (e.g. [2, 3] with wrr).
import * as pulumi from "@pulumi/pulumi";
import { NatCluster } from "./components/natCluster";
import { hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

export function natLabStack() {
  const config = new pulumi.Config("pulumi-lvs");
  const hosts = hostsFromConfig();
  const weights = config.getObject<number[]>("weights") ?? [1, 1];
  const realServers = ["rs1", "rs2"].map((n, i) => ({ host: hosts.host(n), weight: weights[i] ?? 1 }));
  const scheduler = config.get("scheduler") ?? "rr";
  const cluster = new NatCluster("nat", { director: hosts.host("director"), vip: "12.0.0.20", scheduler, realServers });
  const check = endToEndCheck("nat-check", {
    client: hosts.host("client"),
    url: vipUrl(cluster.vip),
    topology: [cluster],
    triggers: [scheduler, weights],
  });
  return topologyOutputs(
    cluster.vip,
    {
      director: `director (DIP ${cluster.dip})`,
      rs1: `real server, weight ${realServers[0].weight}`,
      rs2: `real server, weight ${realServers[1].weight}`,
    },
    "/",
    80,
    { check },
  );
}
