// pulumi-lvs resources. Each folder holds a resource's pure core and its provider.
export type { ConnectionArgs } from "./transport/types";
export { IpvsService } from "./ipvs/service";
export type { IpvsServiceArgs } from "./ipvs/service";
export { IpvsRealServer } from "./ipvs/realServer";
export type { IpvsRealServerArgs } from "./ipvs/realServer";
export { SysctlSet } from "./sysctl/sysctlSet";
export type { SysctlSetArgs } from "./sysctl/sysctlSet";
export { VipAlias } from "./vip/vipAlias";
export type { VipAliasArgs } from "./vip/vipAlias";
