// Each stack's `vip`, `hosts` and `vrrp` outputs as stacks/*.ts write them for
// the lab (roles, VRRP pairs), for the diagram tests (test/unit/diagram.test.ts,
// test/unit/render.test.ts).
import type { StackFacts } from "../../scripts/review/statusCore";
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";

export const VIP = "192.168.118.100";

const pair = (a: string, b: string, realServers: string[] = []): VrrpGroupDescription => ({
  vip: VIP,
  virtualRouterId: 51,
  interface: "ens33",
  members: [
    { host: a, address: "192.168.118.10", state: "MASTER", priority: 120 },
    { host: b, address: "192.168.118.11", state: "BACKUP", priority: 100 },
  ],
  virtualServers: realServers.length
    ? [{ address: VIP, port: 80, realServers: realServers.map((address) => ({ address, port: 80 })) }]
    : [],
});

/** Each stack's `vip`, `hosts` and `vrrp` outputs, as stacks/*.ts write them for the lab. */
export const TOPOLOGIES: Record<string, StackFacts> = {
  "nat-lab": {
    stack: "nat-lab",
    vip: "12.0.0.20",
    roles: { director1: "director (DIP 10.0.0.1)", rs1: "real server, weight 2", rs2: "real server, weight 3" },
    vrrp: [],
  },
  dr: {
    stack: "dr",
    vip: VIP,
    roles: { director1: "director (VIP on ens33:0)", rs1: "real server (VIP on lo:0)", rs2: "real server (VIP on lo:0)" },
    vrrp: [],
  },
  "dr-keepalived": {
    stack: "dr-keepalived",
    vip: VIP,
    roles: {
      director1: "director, MASTER 120",
      director2: "director, BACKUP 100",
      rs1: "real server (VIP on lo:0)",
      rs2: "real server (VIP on lo:0)",
    },
    vrrp: [pair("director1", "director2", ["192.168.118.30", "192.168.118.40"])],
  },
  "keepalived-nginx": {
    stack: "keepalived-nginx",
    vip: VIP,
    roles: { rs1: "nginx, keepalived MASTER 120", rs2: "nginx, keepalived BACKUP 100" },
    vrrp: [pair("rs1", "rs2")],
  },
  "lvs-nginx-tomcat": {
    stack: "lvs-nginx-tomcat",
    vip: VIP,
    roles: {
      director1: "director (DR)",
      nginx1: "nginx real server",
      nginx2: "nginx real server",
      tomcat1: "tomcat (index.jsp)",
      tomcat2: "tomcat (index.jsp)",
    },
    vrrp: [],
  },
  haproxy: {
    stack: "haproxy",
    vip: VIP,
    roles: {
      haproxy1: "HAProxy, keepalived MASTER 120",
      haproxy2: "HAProxy, keepalived BACKUP 100",
      rs1: "web server, weight 2",
      rs2: "web server, weight 3",
    },
    vrrp: [pair("haproxy1", "haproxy2")],
  },
  scale: { stack: "scale", vip: VIP, roles: { director1: "director: 10 services x 50 real servers" }, vrrp: [] },
};
