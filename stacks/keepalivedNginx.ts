// keepalived-nginx (preset dr): the seed's nginx HA pair. rs1 (MASTER 120) and
// rs2 (BACKUP 100) share VIP 192.168.118.100; the check_nginx track script
// (the seed's `curl -I http://localhost`) moves the VIP away from a host whose
// nginx stopped answering.
import { masterBackup, VrrpGroup } from "./components/vrrpGroup";
import { hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

const VIP = "192.168.118.100";

export function keepalivedNginxStack() {
  const hosts = hostsFromConfig();
  const group = new VrrpGroup("nginx_vip", {
    members: masterBackup(hosts.host("rs1"), hosts.host("rs2")),
    interface: "ens33",
    virtualRouterId: 53,
    vip: VIP,
    otherHosts: [hosts.host("client"), hosts.host("director1"), hosts.host("director2")],
    trackScript: {
      name: "check_nginx",
      content:
        "#!/bin/sh\n# Fails when nginx does not answer locally (the seed's check).\nexec curl -s -I -m 2 -o /dev/null http://localhost/\n",
      interval: 1,
      weight: -30,
      fall: 2,
      rise: 2,
    },
  });
  const check = endToEndCheck("nginx-check", { client: hosts.host("client"), url: vipUrl(VIP), topology: [group] });
  return topologyOutputs(VIP, { rs1: "nginx, keepalived MASTER 120", rs2: "nginx, keepalived BACKUP 100" }, "/", 80, {
    vrrp: [group.description],
    check,
  });
}
