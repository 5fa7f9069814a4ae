// dr (preset dr): the seed's LVS-DR with one director, VIP on ens33:0.
import { DrCluster } from "./components/drCluster";
import { hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

export function drStack() {
  const hosts = hostsFromConfig();
  const cluster = new DrCluster("dr", {
    director: hosts.host("director1"),
    vip: "192.168.118.100",
    realServers: ["rs1", "rs2"].map((n) => ({ host: hosts.host(n) })),
    otherHosts: [hosts.host("client")],
  });
  const check = endToEndCheck("dr-check", { client: hosts.host("client"), url: vipUrl(cluster.vip), topology: [cluster] });
  return topologyOutputs(
    cluster.vip,
    { director1: "director (VIP on ens33:0)", rs1: "real server (VIP on lo:0)", rs2: "real server (VIP on lo:0)" },
    "/",
    80,
    { check },
  );
}
