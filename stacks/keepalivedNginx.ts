// keepalived-nginx: the seed's nginx HA pair. Two nginx hosts (MASTER and
// BACKUP) share the VIP; the check_nginx track script (the seed's `curl -I
// http://localhost`) moves it away from a host whose nginx stopped answering.
import { VrrpGroup } from "./components/vrrpGroup";
import { COMMON_KEYS, KeySpec, VRRP_KEYS } from "./config";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";
import { pairArgs, pairRoles } from "./vrrpSettings";

const KEYS = {
  vip: COMMON_KEYS.vip,
  interface: { ...COMMON_KEYS.interface, description: "the nginx hosts' interface on the VIP's segment" },
  vipPrefix: COMMON_KEYS.vipPrefix,
  port: { ...COMMON_KEYS.port, description: "the port nginx serves on (the VIP's and the track script's)" },
  ...VRRP_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  realservers: ROLES.realservers("the two nginx hosts: the first is keepalived MASTER, the second BACKUP", 2, 2),
  clients: ROLES.clients,
};

export const keepalivedNginx = {
  preset: "dr",
  description: "two nginx hosts sharing a keepalived VIP, moved by the check_nginx track script",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [n1, n2] = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const group = new VrrpGroup("nginx_vip", {
      ...pairArgs(ctx, k, n1, n2),
      trackScript: {
        name: "check_nginx",
        content: `#!/bin/sh\n# Fails when nginx does not answer locally (the seed's check).\nexec curl -s -I -m 2 -o /dev/null http://localhost${k.port === 80 ? "" : `:${k.port}`}/\n`,
        interval: 1,
        weight: -30,
        fall: 2,
        rise: 2,
      },
    });
    const check = endToEndCheck("nginx-check", { client, url: vipUrl(k.vip, "/", k.port), topology: [group] });
    return topologyOutputs(k.vip, pairRoles(k, n1, n2, "nginx"), "/", k.port, { vrrp: [group.description], check }, client);
  },
};
