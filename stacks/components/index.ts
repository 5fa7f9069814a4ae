// The components, as the package exports them at `pulumi-lvs/components`
// (package.json "exports"): one topology each, built from the resources that
// the package's root exports, and the host type they take with the ways to get
// one (from the stack config's inventory, or from a loaded inventory).
export { checkDrCluster, DrCluster, type DrClusterArgs, type ClusterRealServer } from "./drCluster";
export { DR_ARP_SYSCTLS, DR6_RS_SYSCTLS, drDirectorSysctls, drDirectorSysctls6, drRealServer, drRealServer6 } from "./drRealServer";
export { HaproxyTier, type HaproxyTierArgs } from "./haproxyTier";
export { NatCluster, type NatClusterArgs } from "./natCluster";
export { NginxTomcat, type NginxTomcatArgs } from "./nginxTomcat";
export { TUN_KINDS, TunCluster, tunRealServer, tunRealServerSysctls, type TunClusterArgs, type TunKind } from "./tunCluster";
export {
  checkVrrpGroup,
  VrrpGroup,
  type VrrpGroupArgs,
  type VrrpGroupDescription,
  type VrrpMember,
  type TrackScript,
  masterBackup,
} from "./vrrpGroup";
export {
  addressOf,
  clusterAddress,
  clusterAddress6,
  hostsFromConfig,
  sshCommand,
  type ClusterHost,
  type Host,
  type HostSource,
} from "../hosts";
export type { HostAddresses } from "../checks";
