// KeepalivedInstance's inputs: the shapes of the include file of one instance
// (global_defs, vrrp_script, vrrp_instance, virtual_server), for keepalived
// 2.2.x; check.ts checks them, render.ts renders them.

export interface KeepalivedGlobalDefs {
  routerId?: string;
  notificationEmail?: string[];
  notificationEmailFrom?: string;
  /** IPv4/IPv6 address or host name. */
  smtpServer?: string;
  /** Seconds 1..3600. */
  smtpConnectTimeout?: number;
  vrrpSkipCheckAdvAddr?: boolean;
  vrrpStrict?: boolean;
  /** Renders a bare `vrrp_iptables` when true. */
  vrrpIptables?: boolean;
  /** Seconds, may be fractional, >= 0 (0 is keepalived's default and is not rendered). */
  vrrpGarpInterval?: number;
  vrrpGnaInterval?: number;
  enableScriptSecurity?: boolean;
  scriptUser?: string;
}

export interface VrrpScript {
  name: string;
  script: string;
  interval?: number;
  timeout?: number;
  /** -253..253 */
  weight?: number;
  fall?: number;
  rise?: number;
  user?: string;
}

export interface VirtualIpAddress {
  address: string;
  prefix?: number;
  dev?: string;
  label?: string;
}

export interface VrrpInstance {
  /** e.g. VI_1 */
  name: string;
  state: "MASTER" | "BACKUP";
  interface: string;
  /** 1..255 */
  virtualRouterId: number;
  /** 1..254 */
  priority: number;
  /** Seconds, default 1. */
  advertInt?: number;
  /** pass: 1..8 printable characters, a secret. */
  authentication?: { type: "PASS" | "AH"; pass: string };
  /** At least one. */
  virtualIpaddress: VirtualIpAddress[];
  /** Names of scripts declared in `scripts`. */
  trackScript?: string[];
  trackInterface?: string[];
  /** keepalived requires state BACKUP for nopreempt. */
  nopreempt?: boolean;
  /** 0..1000 s */
  preemptDelay?: number;
  unicastSrcIp?: string;
  unicastPeer?: string[];
  garpMasterDelay?: number;
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notify?: string;
}

export interface TcpCheck {
  type: "TCP_CHECK";
  connectPort?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
}

export interface HttpGetCheck {
  type: "HTTP_GET";
  urls: { path: string; statusCode?: number; digest?: string }[];
  connectPort?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
}

export interface KeepalivedRealServer {
  address: string;
  port: number;
  /** 0..65535, default 1; 0 is legal (quiesced). */
  weight?: number;
  inhibitOnFailure?: boolean;
  check?: TcpCheck | HttpGetCheck;
}

export interface KeepalivedVirtualServer {
  address: string;
  port: number;
  /** Default TCP. */
  protocol?: "TCP" | "UDP" | "SCTP";
  /** Default 6. */
  delayLoop?: number;
  /** One of LB_ALGOS. */
  lbAlgo: string;
  lbKind: "NAT" | "DR" | "TUN";
  /** 0 = none. */
  persistenceTimeout?: number;
  sorryServer?: { address: string; port: number };
  /** At least one. */
  realServers: KeepalivedRealServer[];
}

export interface KeepalivedInstanceSpec {
  /** File name /etc/keepalived/conf.d/<name>.conf */
  name: string;
  globalDefs?: KeepalivedGlobalDefs;
  scripts?: VrrpScript[];
  vrrp?: VrrpInstance;
  virtualServers?: KeepalivedVirtualServer[];
}

/** The IPVS schedulers keepalived's lb_algo accepts (those ipvsadm ships). */
export const LB_ALGOS: readonly string[] = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"];
