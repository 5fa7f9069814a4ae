// The registry of topologies: each name (the value of `pulumi-lvs:topology`)
// maps to the lab preset it runs on in the lab and the function that declares
// its resources from the stack's config and inventory groups. index.ts picks
// one by config, so any stack (lab, staging, prod) can run any topology; the
// lab's stacks are named after their topology (Pulumi.<name>.yaml holds the
// lab's values). The names are an interface: users and tests rely on them.
import { dr } from "./dr";
import { drKeepalivedStack } from "./drKeepalived";
import { haproxyStack } from "./haproxy";
import { keepalivedNginxStack } from "./keepalivedNginx";
import { lvsNginxTomcatStack } from "./lvsNginxTomcat";
import { natLab } from "./natLab";
import { TopologyContext } from "./topology";
import { scaleStack } from "./scale";

export type StackOutputs = Record<string, unknown>;
export type StackProgram = (ctx: TopologyContext) => StackOutputs | Promise<StackOutputs>;

export interface StackEntry {
  /** The lab preset whose hosts the stack expects. */
  preset: string;
  description: string;
  program: StackProgram;
}

export const stacks: Record<string, StackEntry> = {
  "nat-lab": natLab,
  dr,
  "dr-keepalived": {
    preset: "dr",
    description: "LVS-DR with a keepalived director pair (MASTER 120 / BACKUP 100, VRID 51), TCP_CHECK on rs1/rs2",
    program: drKeepalivedStack,
  },
  "lvs-nginx-tomcat": {
    preset: "nginx-tomcat",
    description: "LVS-DR to nginx rs1/rs2, which pass *.jsp to tomcat1/tomcat2",
    program: lvsNginxTomcatStack,
  },
  haproxy: {
    preset: "haproxy",
    description: "HAProxy L7 (static-rr 2:3) and L4 on haproxy1/haproxy2, a keepalived VIP with check_haproxy",
    program: haproxyStack,
  },
  scale: {
    preset: "dr",
    description: "benchmark: 10 IPVS services x 50 DR real servers on director1 (config services, serversPerService, reweightPercent)",
    program: scaleStack,
  },
  "keepalived-nginx": {
    preset: "dr",
    description: "two nginx hosts sharing a keepalived VIP, moved by the check_nginx track script",
    program: keepalivedNginxStack,
  },
};
