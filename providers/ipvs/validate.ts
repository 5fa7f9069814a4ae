// check() for IPVS services and real servers: defaults filled in, every field
// checked with messages naming the field, the value and what is allowed, and
// ipvsadm's own rules enforced before anything reaches a host.
import * as net from "node:net";
import { Checker, CheckFailure, checkConnection, isUnknown, show } from "../common/check";
import { METHODS, PROTOCOLS, RealServer, SCHEDULERS, SCHED_FLAGS, ServiceKey, TUN_TYPES, VirtualService } from "./model";

/** The service fields as users write them (IpvsService args). */
export interface ServiceInputs {
  protocol?: string;
  address?: string;
  port?: number;
  fwmark?: number;
  family?: string;
  scheduler?: string;
  schedFlags?: string[];
  persistence?: number;
  netmask?: string;
  onePacket?: boolean;
}

/** The real-server fields as users write them (IpvsRealServer args). */
export interface ServerInputs {
  service?: ServiceKey;
  address?: string;
  port?: number;
  method?: string;
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunType?: string;
  tunPort?: number;
}

/** Fills ipvsadm's defaults: tcp, wlc, no persistence. */
export function normalizeService(i: ServiceInputs): VirtualService {
  const protocol = (i.protocol ?? "tcp") as VirtualService["protocol"];
  const key: ServiceKey =
    protocol === "fwmark"
      ? { protocol, fwmark: i.fwmark, ...(i.family === "inet6" ? { family: "inet6" as const } : {}) }
      : { protocol, address: i.address, port: i.port };
  return {
    ...key,
    scheduler: (i.scheduler ?? "wlc") as VirtualService["scheduler"],
    schedFlags: (i.schedFlags ?? []) as VirtualService["schedFlags"],
    ...(i.persistence !== undefined ? { persistence: i.persistence } : {}),
    ...(i.netmask !== undefined ? { netmask: i.netmask } : {}),
    onePacket: i.onePacket ?? false,
  };
}

export function normalizeServer(i: ServerInputs): RealServer {
  return {
    service: i.service as ServiceKey,
    address: i.address as string,
    ...(i.port !== undefined ? { port: i.port } : {}),
    method: (i.method ?? "route") as RealServer["method"],
    weight: i.weight ?? 1,
    upperThreshold: i.upperThreshold ?? 0,
    lowerThreshold: i.lowerThreshold ?? 0,
    ...(i.tunType !== undefined ? { tunType: i.tunType as RealServer["tunType"] } : {}),
    ...(i.tunPort !== undefined ? { tunPort: i.tunPort } : {}),
  };
}

function checkKey(c: Checker, prefix: string, k: ServiceInputs): void {
  const protocol = k.protocol ?? "tcp";
  if (!c.oneOf(`${prefix}protocol`, protocol, PROTOCOLS)) return;
  if (protocol === "fwmark") {
    if (c.required(`${prefix}fwmark`, k.fwmark)) c.int(`${prefix}fwmark`, k.fwmark, 1, 0xffffffff);
    if (k.address !== undefined) c.fail(`${prefix}address`, `${prefix}address is not used by fwmark services; remove it`);
    if (k.port !== undefined) c.fail(`${prefix}port`, `${prefix}port is not used by fwmark services; remove it`);
    if (k.family !== undefined) c.oneOf(`${prefix}family`, k.family, ["inet", "inet6"] as const);
    return;
  }
  if (k.fwmark !== undefined) c.fail(`${prefix}fwmark`, `${prefix}fwmark is only for protocol fwmark; got protocol ${protocol}`);
  if (c.oneOf(`${prefix}family`, k.family, ["inet", "inet6"] as const) && typeof k.address === "string") {
    const f = net.isIPv6(k.address) ? "inet6" : "inet";
    if (k.family !== f) c.fail(`${prefix}family`, `${prefix}family must match the address (${f} for ${k.address}); got ${show(k.family)}`);
  }
  if (c.required(`${prefix}address`, k.address)) c.ip(`${prefix}address`, k.address, undefined, { unicast: true });
  if (c.required(`${prefix}port`, k.port)) c.int(`${prefix}port`, k.port, 0, 65535);
}

export function checkService(inputs: ServiceInputs & { connection?: unknown }): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  checkKey(c, "", inputs);
  c.oneOf("scheduler", inputs.scheduler ?? "wlc", SCHEDULERS);
  const flags = c.list("schedFlags", inputs.schedFlags, 0, `scheduler flags (${SCHED_FLAGS.join(", ")})`);
  if (flags) {
    flags.forEach((f, i) => c.oneOf(`schedFlags[${i}]`, f, SCHED_FLAGS));
    const sched = inputs.scheduler ?? "wlc";
    for (const f of flags) {
      if (typeof f === "string" && f.startsWith("sh-") && sched !== "sh")
        c.fail("schedFlags", `schedFlags ${f} needs scheduler sh; got ${sched}`);
      if (typeof f === "string" && f.startsWith("mh-") && sched !== "mh")
        c.fail("schedFlags", `schedFlags ${f} needs scheduler mh; got ${sched}`);
    }
  }
  c.int("persistence", inputs.persistence, 1, 2678400);
  if (inputs.netmask !== undefined && !isUnknown(inputs.netmask)) {
    if (inputs.persistence === undefined) c.fail("netmask", "netmask (-M) applies only with persistence; set persistence too");
    const v6 =
      (inputs.protocol !== "fwmark" && typeof inputs.address === "string" && net.isIPv6(inputs.address)) || inputs.family === "inet6";
    if (v6) c.word("netmask", inputs.netmask, /^(12[0-8]|1[01]\d|[1-9]?\d)$/, "an IPv6 prefix length 0..128");
    else
      c.word(
        "netmask",
        inputs.netmask,
        /^(255|254|252|248|240|224|192|128|0)\.(255|254|252|248|240|224|192|128|0)\.(255|254|252|248|240|224|192|128|0)\.(255|254|252|248|240|224|192|128|0)$/,
        "an IPv4 netmask such as 255.255.255.0",
      );
  }
  c.bool("onePacket", inputs.onePacket);
  if (inputs.onePacket === true && (inputs.protocol ?? "tcp") !== "udp") {
    c.fail("onePacket", `onePacket (-o) is only for udp services; got protocol ${inputs.protocol ?? "tcp"}`);
  }
  if (inputs.port === 0 && inputs.persistence === undefined && (inputs.protocol ?? "tcp") !== "fwmark") {
    c.fail("port", "port 0 (all ports) needs persistence, as ipvsadm requires");
  }
  return c.failures;
}

export function checkServer(inputs: ServerInputs & { connection?: unknown; gracefulDeleteTimeoutSeconds?: number }): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  const svc = inputs.service;
  if (!isUnknown(svc)) {
    if (!svc || typeof svc !== "object")
      c.fail(
        "service",
        'service is required: an IpvsService\'s `key` output or { protocol, address, port } / { protocol: "fwmark", fwmark }',
      );
    else checkKey(c, "service.", svc as ServiceInputs);
  }
  if (c.required("address", inputs.address)) c.ip("address", inputs.address);
  c.int("port", inputs.port, 0, 65535);
  const method = inputs.method ?? "route";
  c.oneOf("method", method, METHODS);
  c.int("weight", inputs.weight, 0, 65535);
  c.int("upperThreshold", inputs.upperThreshold, 0, 2147483647);
  c.int("lowerThreshold", inputs.lowerThreshold, 0, 2147483647);
  if (
    typeof inputs.upperThreshold === "number" &&
    typeof inputs.lowerThreshold === "number" &&
    inputs.upperThreshold > 0 &&
    inputs.lowerThreshold > inputs.upperThreshold
  ) {
    c.fail("lowerThreshold", `lowerThreshold (${inputs.lowerThreshold}) must not exceed upperThreshold (${inputs.upperThreshold})`);
  }
  if (inputs.tunType !== undefined) {
    c.oneOf("tunType", inputs.tunType, TUN_TYPES);
    if (method !== "tunnel") c.fail("tunType", `tunType applies only to method tunnel; got method ${method}`);
    // Only GUE is UDP: ipip and gre carry no port (the kernel's GRE encapsulation ignores one).
    if (inputs.tunType === "gue" && inputs.tunPort === undefined) c.fail("tunPort", "tunPort is required for tunType gue (its UDP port)");
  }
  if (inputs.tunPort !== undefined && !isUnknown(inputs.tunPort) && !isUnknown(inputs.tunType) && inputs.tunType !== "gue")
    c.fail("tunPort", `tunPort applies only to tunType gue (a UDP port); got tunType ${inputs.tunType ?? "ipip (the default)"}`);
  c.int("tunPort", inputs.tunPort, 1, 65535);
  c.int("gracefulDeleteTimeoutSeconds", inputs.gracefulDeleteTimeoutSeconds, 0, 86400);
  // ipvsadm: DR and TUN cannot change the port (no NAT on the way to the server).
  if ((method === "route" || method === "tunnel") && svc && typeof svc === "object" && !isUnknown(svc)) {
    const sp = (svc as ServiceKey).port;
    if (
      inputs.port !== undefined &&
      !isUnknown(inputs.port) &&
      sp !== undefined &&
      !isUnknown(sp) &&
      inputs.port !== sp &&
      (svc as ServiceKey).protocol !== "fwmark"
    ) {
      c.fail("port", `port must equal the service port (${sp}) with method ${method} (DR/TUN cannot map ports); got ${inputs.port}`);
    }
  }
  if (
    svc &&
    typeof svc === "object" &&
    typeof (svc as ServiceKey).address === "string" &&
    typeof inputs.address === "string" &&
    !isUnknown((svc as ServiceKey).address) &&
    !isUnknown(inputs.address)
  ) {
    if (net.isIPv6((svc as ServiceKey).address as string) !== net.isIPv6(inputs.address) && method !== "tunnel") {
      c.fail("address", `address family must match the service's (${(svc as ServiceKey).address}); got ${inputs.address}`);
    }
  }
  return c.failures;
}
