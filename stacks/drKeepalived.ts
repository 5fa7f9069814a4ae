// dr-keepalived (preset dr): the seed's DR + keepalived. Two directors, MASTER
// 120 / BACKUP 100, VRID 51, VIP 192.168.118.100; keepalived's virtual_server
// (DR, rr, TCP_CHECK on port 80) drives IPVS on whichever holds the VIP.
import { SysctlSet } from "../providers";
import { drDirectorSysctls, drRealServer } from "./components/drRealServer";
import { masterBackup, VrrpGroup } from "./components/vrrpGroup";
import { assertTopology, drSameSubnet } from "./checks";
import { addressOf, hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

const VIP = "192.168.118.100";

export function drKeepalivedStack() {
  const hosts = hostsFromConfig();
  const [d1, d2] = [hosts.host("director1"), hosts.host("director2")];
  const rss = [hosts.host("rs1"), hosts.host("rs2")];
  assertTopology("dr-keepalived", [...drSameSubnet(d1, "ens33", rss), ...drSameSubnet(d2, "ens33", rss)]);
  const sysctls = [d1, d2].map(
    (d) =>
      new SysctlSet(`dr-keepalived-${d.name}-sysctls`, { connection: d.connection, name: "90-lvs-dr", values: drDirectorSysctls("ens33") }),
  );
  const group = new VrrpGroup(
    "lvs_dr",
    {
      members: masterBackup(d1, d2),
      interface: "ens33",
      virtualRouterId: 51,
      vip: VIP,
      otherHosts: [...rss, hosts.host("client")],
      virtualServers: [
        {
          address: VIP,
          port: 80,
          delayLoop: 2,
          lbAlgo: "rr",
          lbKind: "DR",
          realServers: rss.map((rs) => ({
            address: addressOf(rs),
            port: 80,
            weight: 1,
            check: { type: "TCP_CHECK" as const, connectPort: 80, connectTimeout: 3, retry: 3, delayBeforeRetry: 1 },
          })),
        },
      ],
    },
    { dependsOn: sysctls },
  );
  const aliases = rss.map((rs) => drRealServer("dr-keepalived", rs, VIP, { dependsOn: [group] }));
  const check = endToEndCheck("dr-keepalived-check", { client: hosts.host("client"), url: vipUrl(VIP), topology: [group, ...aliases] });
  return topologyOutputs(
    VIP,
    {
      director1: "director, MASTER 120",
      director2: "director, BACKUP 100",
      rs1: "real server (VIP on lo:0)",
      rs2: "real server (VIP on lo:0)",
    },
    "/",
    80,
    { vrrp: [group.description], check },
  );
}
