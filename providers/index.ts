// pulumi-lvs resources. Each folder holds a resource's pure core and its provider.
export type { ConnectionArgs } from "./transport/types";
export { IpvsService, type IpvsServiceArgs } from "./ipvs/service";
export { IpvsRealServer, type IpvsRealServerArgs } from "./ipvs/realServer";
export { SysctlSet, type SysctlSetArgs } from "./sysctl/sysctlSet";
export { VipAlias, type VipAliasArgs } from "./vip/vipAlias";
export { ManagedFile, type ManagedFileArgs } from "./files/managedFile";
export { KeepalivedInstance, type KeepalivedInstanceArgs } from "./keepalived/keepalivedInstance";
export type { KeepalivedGlobalDefs, KeepalivedRealServer, KeepalivedVirtualServer, VrrpInstance, VrrpScript } from "./keepalived/spec";
export { HaproxyListener, type HaproxyListenerArgs } from "./haproxy/haproxyListener";
export type { HaproxyServer, HaproxyTimeouts } from "./haproxy/core";
export { NginxSite, type NginxSiteArgs } from "./nginx/nginxSite";
export type { NginxLocation, NginxUpstream } from "./nginx/core";
export { TomcatApp, type TomcatAppArgs } from "./tomcat/tomcatApp";
export { Package, type PackageArgs } from "./system/package";
export { SystemdService, type SystemdServiceArgs } from "./system/systemdService";
export { GeneratedSecret, type GeneratedSecretArgs } from "./secret/generatedSecret";
export { NatRule, type NatRuleArgs } from "./nat/natRule";
export { Route, type RouteArgs } from "./route/route";
