// What "the lab's bare state" means for a host, in one comparable text: IPVS
// table, addresses, routes, NAT rules, the sysctls the stacks touch, the
// managed configuration files, pulumi-lvs units and the daemons' states.
import * as lab from "../../lab/lab";

const SYSCTLS = [
  "net.ipv4.ip_forward",
  "net.ipv4.conf.all.arp_ignore",
  "net.ipv4.conf.all.arp_announce",
  "net.ipv4.conf.lo.arp_ignore",
  "net.ipv4.conf.lo.arp_announce",
  "net.ipv4.conf.all.send_redirects",
  "net.ipv4.conf.default.send_redirects",
];

// Few processes (each costs ~0.1 s in a lab host): one ls for the directories, one systemctl for the daemons.
const SCRIPT = [
  "ipvsadm -Sn",
  "ip -o -4 addr | sed 's/ valid_lft.*//'",
  "ip -4 route",
  "iptables -t nat -S",
  `sysctl ${SYSCTLS.join(" ")}`,
  "ls -A1 /etc/keepalived /etc/haproxy /etc/default/haproxy /etc/nginx/conf.d /etc/nginx/sites-enabled /etc/sysctl.d /etc/tomcat10/Catalina/localhost /var/www/html /srv 2>/dev/null || true",
  "md5sum /etc/haproxy/haproxy.cfg /etc/default/haproxy 2>/dev/null",
  "ls /etc/systemd/system | grep pulumi-lvs || true",
  "systemctl show -p Id -p UnitFileState -p ActiveState keepalived haproxy nginx tomcat10",
].join("; echo; ");

/** The bare-state text of each host, labelled; `extra` adds lines to the script (e.g. file checksums). */
export function snapshot(hosts: string[], extra: string[] = []): string {
  const script = [SCRIPT, ...extra].join("; echo; ");
  const out = lab.runEach(hosts, script);
  return hosts.map((h) => `## ${h}\n${out[h]}`).join("\n");
}
