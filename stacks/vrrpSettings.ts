// The VRRP pair of the keepalived topologies (dr-keepalived, haproxy,
// keepalived-nginx) from their config: the first host of the role is MASTER,
// the second BACKUP, with the configured priorities, VRID, auth type, advert
// interval and VIP; the VIP must be no other inventory host's address.
import { masterBackup, VrrpGroupArgs } from "./components/vrrpGroup";
import { Host } from "./hosts";
import { TopologyContext } from "./topology";

/** The keys a keepalived topology reads for its pair (VRRP_KEYS and the VIP keys), as values. */
export interface VrrpSettings {
  vip: string;
  interface: string;
  vipPrefix: number;
  virtualRouterId: number;
  masterPriority: number;
  backupPriority: number;
  authType: string;
  advertInt: number;
}

/** The VrrpGroup arguments every keepalived topology shares. */
export function pairArgs(
  ctx: TopologyContext,
  k: VrrpSettings,
  master: Host,
  backup: Host,
): Pick<VrrpGroupArgs, "members" | "interface" | "virtualRouterId" | "authType" | "advertInt" | "vip" | "vipPrefix" | "otherHosts"> {
  return {
    members: masterBackup(master, backup, { master: k.masterPriority, backup: k.backupPriority }),
    interface: k.interface,
    virtualRouterId: k.virtualRouterId,
    authType: k.authType === "AH" ? "AH" : "PASS",
    advertInt: k.advertInt,
    vip: k.vip,
    vipPrefix: k.vipPrefix,
    otherHosts: ctx.others([master, backup]),
  };
}

/** The hosts output's roles of the pair. */
export function pairRoles(k: VrrpSettings, master: Host, backup: Host, what: string): Record<string, string> {
  return {
    [master.name]: `${what}, keepalived MASTER ${k.masterPriority}`,
    [backup.name]: `${what}, keepalived BACKUP ${k.backupPriority}`,
  };
}
