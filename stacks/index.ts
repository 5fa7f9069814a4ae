// The registry of topologies: each name (the value of `pulumi-lvs:topology`)
// maps to the lab preset it runs on in the lab and the function that declares
// its resources from the stack's config and inventory groups. index.ts picks
// one by config, so any stack (lab, staging, prod) can run any topology; the
// lab's stacks are named after their topology (Pulumi.<name>.yaml holds the
// lab's values). The names are an interface: users and tests rely on them.
import { dr } from "./dr";
import { drFwmark } from "./drFwmark";
import { drIpv6 } from "./drIpv6";
import { drKeepalived } from "./drKeepalived";
import { haproxy } from "./haproxy";
import { keepalivedNginx } from "./keepalivedNginx";
import { lvsNginxTomcat } from "./lvsNginxTomcat";
import { natLab } from "./natLab";
import { scale } from "./scale";
import { tun } from "./tun";
import { KeySpec } from "./config";
import { GroupSpec, TopologyContext } from "./topology";

export type StackOutputs = Record<string, unknown>;
export type StackProgram = (ctx: TopologyContext) => StackOutputs | Promise<StackOutputs>;

export interface StackEntry {
  /** The lab preset whose hosts the lab's stack of this name runs on. */
  preset: string;
  description: string;
  /** The config keys it reads (docs/configuration.md and Pulumi.yaml's config block come from these). */
  keys: readonly KeySpec[];
  /** The inventory roles it fills. */
  groups: readonly GroupSpec[];
  program: StackProgram;
}

export const stacks: Record<string, StackEntry> = {
  "nat-lab": natLab,
  dr,
  "dr-keepalived": drKeepalived,
  "lvs-nginx-tomcat": lvsNginxTomcat,
  haproxy,
  scale,
  "keepalived-nginx": keepalivedNginx,
  "dr-ipv6": drIpv6,
  "dr-fwmark": drFwmark,
  tun,
};
