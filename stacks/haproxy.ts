// haproxy: the seed's HAProxy L7 listen (httpchk, static-rr with weights) and
// L4 frontend/backend on both HAProxy hosts, made highly available by a
// keepalived VIP that leaves a host whose HAProxy died (check_haproxy).
import { HaproxyTier } from "./components/haproxyTier";
import { checkVrrpGroup, VrrpGroup, type VrrpGroupArgs } from "./components/vrrpGroup";
import { CHECK_KEYS, COMMON_KEYS, KeySpec, VRRP_KEYS } from "./config";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";
import { pairArgs, pairRoles } from "./vrrpSettings";

const KEYS = {
  vip: COMMON_KEYS.vip,
  interface: { ...COMMON_KEYS.interface, description: "the HAProxy hosts' interface on the VIP's segment" },
  vipPrefix: COMMON_KEYS.vipPrefix,
  port: { ...COMMON_KEYS.port, description: "the L7 (HTTP) listen's port on the VIP" },
  l4Port: { key: "l4Port", type: "integer", description: "the L4 (TCP) frontend's port on the VIP", default: 8080, min: 1, max: 65535 },
  backendPort: { key: "backendPort", type: "integer", description: "the real servers' port", default: 80, min: 1, max: 65535 },
  balance: {
    key: "balance",
    type: "string",
    description: "the L7 listen's balance algorithm (weights apply to static-rr, roundrobin, random)",
    default: "static-rr",
    allowed: ["roundrobin", "static-rr", "leastconn", "first", "source", "uri", "random"],
  },
  weights: COMMON_KEYS.weights,
  checkUri: { key: "checkUri", type: "string", description: "the URI of the L7 health check (GET)", default: "/index.html" },
  checkInterval: CHECK_KEYS.checkInterval,
  checkRetries: CHECK_KEYS.checkRetries,
  ...VRRP_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  haproxies: ROLES.haproxies("the two HAProxy hosts: the first is keepalived MASTER, the second BACKUP"),
  realservers: ROLES.realservers("the web servers behind HAProxy"),
  clients: ROLES.clients,
};

export const haproxy = {
  preset: "haproxy",
  description: "HAProxy L7 (static-rr with weights) and L4 on two hosts sharing a keepalived VIP (check_haproxy)",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [h1, h2] = ctx.hosts(GROUPS.haproxies);
    const rss = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    if (!k.checkUri.startsWith("/") || /\s/.test(k.checkUri))
      ctx.cfg.failures.push(`pulumi-lvs:checkUri must be a path starting with '/' without spaces; got ${JSON.stringify(k.checkUri)}`);
    ctx.cfg.done();
    const realServers = rss.map((host, i) => ({ host, weight: k.weights[i] ?? 1 }));
    const groupArgs: VrrpGroupArgs = {
      ...pairArgs(ctx, k, h1, h2),
      trackScript: {
        name: "check_haproxy",
        content: "#!/bin/sh\n# Fails when HAProxy is not running.\nexec systemctl is-active --quiet haproxy\n",
        interval: 1,
        weight: -30,
        fall: 2,
        rise: 2,
      },
    };
    // The group's checks before any resource registers (the tier comes first).
    checkVrrpGroup("lb_vip", groupArgs);
    const tier = new HaproxyTier("lb", {
      haproxies: [h1, h2],
      realServers,
      port: k.port,
      l4Port: k.l4Port,
      backendPort: k.backendPort,
      balance: k.balance,
      checkUri: k.checkUri,
      checkInterMs: k.checkInterval * 1000,
      checkFall: k.checkRetries,
    });
    const group = new VrrpGroup("lb_vip", groupArgs, { dependsOn: [tier] });
    const check = endToEndCheck("lb-check", { client, url: vipUrl(k.vip, "/", k.port), topology: [tier, group] });
    return topologyOutputs(
      k.vip,
      {
        ...pairRoles(k, h1, h2, "HAProxy"),
        ...Object.fromEntries(realServers.map((r) => [r.host.name, `web server, weight ${r.weight}`])),
      },
      "/",
      k.port,
      { l4Url: vipUrl(k.vip, "/", k.l4Port), vrrp: [group.description], check },
      client,
    );
  },
};
