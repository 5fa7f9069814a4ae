// The one list of resource kinds: each kind's class, provider and declaration
// (providers/common/define.ts). providers/index.ts (checked by a unit test),
// the serialization cases, the bad-input catalogue's classes and the docs'
// resource tables are derived from it.
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import type { KindDecl, LvsResource } from "./common/define";
import { IPVS_SERVICE, IpvsService, ipvsServiceProvider } from "./ipvs/service";
import { IPVS_REAL_SERVER, IpvsRealServer, ipvsRealServerProvider } from "./ipvs/realServer";
import { SYSCTL_SET, SysctlSet, sysctlSetProvider } from "./sysctl/sysctlSet";
import { VIP_ALIAS, VipAlias, vipAliasProvider } from "./vip/vipAlias";
import { MANAGED_FILE, ManagedFile, managedFileProvider } from "./files/managedFile";
import { KEEPALIVED_INSTANCE, KeepalivedInstance, keepalivedInstanceProvider } from "./keepalived/keepalivedInstance";
import { HAPROXY_LISTENER, HaproxyListener, haproxyListenerProvider } from "./haproxy/haproxyListener";
import { NGINX_SITE, NginxSite, nginxSiteProvider } from "./nginx/nginxSite";
import { TOMCAT_APP, TomcatApp, tomcatAppProvider } from "./tomcat/tomcatApp";
import { PACKAGE, Package, packageProvider } from "./system/package";
import { SYSTEMD_SERVICE, SystemdService, systemdServiceProvider } from "./system/systemdService";
import { GENERATED_SECRET, GeneratedSecret, generatedSecretProvider } from "./secret/generatedSecret";
import { NAT_RULE, NatRule, natRuleProvider } from "./nat/natRule";
import { ROUTE, Route, routeProvider } from "./route/route";
import { KERNEL_MODULE, KernelModule, kernelModuleProvider } from "./module/kernelModule";

/** A resource class, whatever its args. */
export type KindClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => LvsResource;

/** Where the docs list a kind: kernel-level objects, config-managed services, or what those rest on. */
export type KindGroup = "kernel" | "service" | "support";

export interface KindEntry {
  cls: KindClass;
  decl: KindDecl<unknown>;
  provider: ResourceProvider;
  group: KindGroup;
}

function entry<P, C extends KindClass>(group: KindGroup, cls: C, decl: KindDecl<P>, provider: ResourceProvider<P, P>): KindEntry {
  return { cls, decl, provider: provider as ResourceProvider, group };
}

/** Every resource kind, by type name (the order of the docs). */
export const KINDS = {
  IpvsService: entry("kernel", IpvsService, IPVS_SERVICE, ipvsServiceProvider),
  IpvsRealServer: entry("kernel", IpvsRealServer, IPVS_REAL_SERVER, ipvsRealServerProvider),
  VipAlias: entry("kernel", VipAlias, VIP_ALIAS, vipAliasProvider),
  SysctlSet: entry("kernel", SysctlSet, SYSCTL_SET, sysctlSetProvider),
  NatRule: entry("kernel", NatRule, NAT_RULE, natRuleProvider),
  Route: entry("kernel", Route, ROUTE, routeProvider),
  KernelModule: entry("kernel", KernelModule, KERNEL_MODULE, kernelModuleProvider),
  KeepalivedInstance: entry("service", KeepalivedInstance, KEEPALIVED_INSTANCE, keepalivedInstanceProvider),
  HaproxyListener: entry("service", HaproxyListener, HAPROXY_LISTENER, haproxyListenerProvider),
  NginxSite: entry("service", NginxSite, NGINX_SITE, nginxSiteProvider),
  TomcatApp: entry("service", TomcatApp, TOMCAT_APP, tomcatAppProvider),
  ManagedFile: entry("service", ManagedFile, MANAGED_FILE, managedFileProvider),
  Package: entry("support", Package, PACKAGE, packageProvider),
  SystemdService: entry("support", SystemdService, SYSTEMD_SERVICE, systemdServiceProvider),
  GeneratedSecret: entry("support", GeneratedSecret, GENERATED_SECRET, generatedSecretProvider),
} as const;

export type KindName = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as KindName[];
