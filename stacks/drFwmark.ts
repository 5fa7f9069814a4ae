// dr-fwmark: LVS-DR with one director and one firewall-mark service that
// groups several of the VIP's ports (80 and 8080 by default), with
// persistence: the director's MARK rule (mangle PREROUTING) marks
// `-d VIP -p tcp -m multiport --dports <ports>`, the IPVS service takes the
// mark (`ipvsadm -A -f <mark> -s rr -p <persistence>`), so one client's
// connections to any of the ports go to the same real server for the
// persistence timeout. Each real server holds the VIP on lo:0 (no ARP), as in
// dr, and serves its page (/var/www/html) on every port: nginx's own site on
// 80, an NginxSite of this topology on each other port.
import * as pulumi from "@pulumi/pulumi";
import { NginxSite, type NginxSiteArgs } from "../providers";
import { checkDrCluster, DrCluster, type DrClusterArgs } from "./components/drCluster";
import { COMMON_KEYS, FWMARK_KEYS, KeySpec } from "./config";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  vip: COMMON_KEYS.vip,
  interface: COMMON_KEYS.interface,
  vipPrefix: COMMON_KEYS.vipPrefix,
  scheduler: COMMON_KEYS.scheduler,
  ...FWMARK_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the real servers (each gets the VIP on lo:0 and serves its page on every port)"),
  clients: ROLES.clients,
};

/** The port nginx's own (stock) site serves the document root on; the topology adds a site for each other port. */
export const NGINX_OWN_PORT = 80;

/** The document root each real server serves on every port (nginx's own site's, on Debian). */
export const DOC_ROOT = "/var/www/html";

/** The NginxSite that serves the document root on `port` (its file: /etc/nginx/conf.d/pulumi-lvs-fwmark-<port>.conf). */
export function extraPortSite(port: number): Omit<NginxSiteArgs, "connection"> {
  return {
    name: `pulumi-lvs-fwmark-${port}`,
    listen: port,
    root: DOC_ROOT,
    locations: [{ match: "/", tryFiles: ["$uri", "$uri/", "=404"] }],
  };
}

export const drFwmark = {
  preset: "dr",
  description:
    "LVS-DR with one director and one firewall-mark service (MARK in mangle PREROUTING) grouping the VIP's ports, with persistence",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const clusterArgs: DrClusterArgs = {
      director,
      nic: k.interface,
      vip: k.vip,
      vipPrefix: k.vipPrefix,
      scheduler: k.scheduler,
      fwmark: { mark: k.fwmark, ports: k.ports },
      persistence: k.persistence,
      realServers: rss.map((host) => ({ host })),
      otherHosts: ctx.others([director, ...rss]),
    };
    // The cluster's checks (same subnet, the mark and the ports) before any resource registers (the sites come first).
    checkDrCluster("dr-fwmark", clusterArgs);
    const extra = k.ports.filter((p) => p !== NGINX_OWN_PORT);
    const sites = rss.flatMap((rs) =>
      extra.map((port) => new NginxSite(`dr-fwmark-${rs.name}-www-${port}`, { connection: rs.connection, ...extraPortSite(port) })),
    );
    // The real servers join the service once they answer on every port.
    const cluster = new DrCluster("dr-fwmark", clusterArgs, { dependsOn: sites });
    // One port's check after the other: the client's first connections must not race for its persistence template.
    const checks: Record<string, pulumi.Output<string>> = {};
    let previous: pulumi.Output<string> | undefined;
    for (const port of k.ports) {
      previous = checks[String(port)] = endToEndCheck(`dr-fwmark-check-${port}`, {
        client,
        url: vipUrl(k.vip, "/", port),
        topology: [cluster, ...sites],
        triggers: [k.fwmark, k.ports, k.persistence, k.scheduler],
        after: previous ? [previous] : [],
      });
    }
    const ports = k.ports.join(", ");
    return topologyOutputs(
      k.vip,
      {
        [director.name]: `director (VIP on ${k.interface}:0, fwmark ${k.fwmark} on ports ${ports}, persistence ${k.persistence} s)`,
        ...Object.fromEntries(rss.map((r) => [r.name, `real server (VIP on lo:0; serves ${DOC_ROOT} on ports ${ports})`])),
      },
      "/",
      k.ports[0],
      { check: checks[String(k.ports[0])], checks, fwmark: k.fwmark, ports: k.ports, persistence: k.persistence },
      client,
    );
  },
};
