// haproxy (preset haproxy): the seed's HAProxy L7 listen (httpchk, static-rr
// 2:3) and L4 frontend/backend on both HAProxy hosts, made highly available by
// a keepalived VIP that leaves a host whose HAProxy died (check_haproxy).
import { HaproxyTier } from "./components/haproxyTier";
import { masterBackup, VrrpGroup } from "./components/vrrpGroup";
import { hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

const VIP = "192.168.118.100";

export function haproxyStack() {
  const hosts = hostsFromConfig();
  const [h1, h2] = [hosts.host("haproxy1"), hosts.host("haproxy2")];
  const tier = new HaproxyTier("lb", {
    haproxies: [h1, h2],
    realServers: [
      { host: hosts.host("rs1"), weight: 2 },
      { host: hosts.host("rs2"), weight: 3 },
    ],
  });
  const group = new VrrpGroup(
    "lb_vip",
    {
      members: masterBackup(h1, h2),
      interface: "ens33",
      virtualRouterId: 52,
      vip: VIP,
      otherHosts: [hosts.host("client"), hosts.host("rs1"), hosts.host("rs2")],
      trackScript: {
        name: "check_haproxy",
        content: "#!/bin/sh\n# Fails when HAProxy is not running.\nexec systemctl is-active --quiet haproxy\n",
        interval: 1,
        weight: -30,
        fall: 2,
        rise: 2,
      },
    },
    { dependsOn: [tier] },
  );
  const check = endToEndCheck("lb-check", { client: hosts.host("client"), url: vipUrl(VIP), topology: [tier, group] });
  return topologyOutputs(
    VIP,
    {
      haproxy1: "HAProxy, keepalived MASTER 120",
      haproxy2: "HAProxy, keepalived BACKUP 100",
      rs1: "nginx, weight 2",
      rs2: "nginx, weight 3",
    },
    "/",
    80,
    {
      l4Url: `http://${VIP}:8080/`,
      vrrp: [group.description],
      check,
    },
  );
}
