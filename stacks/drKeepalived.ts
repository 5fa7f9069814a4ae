// dr-keepalived: the seed's DR + keepalived. Two directors share the VIP by
// VRRP (MASTER and BACKUP); keepalived's virtual_server (DR, TCP_CHECK on the
// service port) drives IPVS on whichever holds it, and each real server holds
// the VIP on lo:0.
import { SysctlSet } from "../providers";
import { drDirectorSysctls, drRealServer } from "./components/drRealServer";
import { checkVrrpGroup, VrrpGroup, type VrrpGroupArgs } from "./components/vrrpGroup";
import { assertTopology, drSameSubnet } from "./checks";
import { CHECK_KEYS, COMMON_KEYS, DR_KEYS, KeySpec, VRRP_KEYS } from "./config";
import { addressOf } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";
import { pairArgs } from "./vrrpSettings";

const KEYS = {
  ...DR_KEYS,
  weights: COMMON_KEYS.weights,
  persistenceTimeout: {
    key: "persistenceTimeout",
    type: "integer",
    description: "seconds a client sticks to its real server (0: no persistence)",
    default: 0,
    min: 0,
    max: 2678400,
  },
  ...VRRP_KEYS,
  ...CHECK_KEYS,
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the two directors: the first is MASTER, the second BACKUP", 2),
  realservers: ROLES.realservers("the real servers (each gets the VIP on lo:0)"),
  clients: ROLES.clients,
};

export const drKeepalived = {
  preset: "dr",
  description: "LVS-DR with a keepalived director pair (MASTER/BACKUP by VRRP), TCP_CHECK on the real servers",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [d1, d2] = ctx.hosts(GROUPS.directors);
    const rss = ctx.hosts(GROUPS.realservers);
    const [client] = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    assertTopology("dr-keepalived", [...drSameSubnet(d1, k.interface, rss), ...drSameSubnet(d2, k.interface, rss)]);
    const groupArgs: VrrpGroupArgs = {
      ...pairArgs(ctx, k, d1, d2),
      virtualServers: [
        {
          address: k.vip,
          port: k.port,
          delayLoop: k.checkInterval,
          lbAlgo: k.scheduler,
          lbKind: "DR",
          persistenceTimeout: k.persistenceTimeout || undefined,
          realServers: rss.map((rs, i) => ({
            address: addressOf(rs),
            port: k.port,
            weight: k.weights[i] ?? 1,
            check: {
              type: "TCP_CHECK" as const,
              connectPort: k.port,
              connectTimeout: k.checkTimeout,
              retry: k.checkRetries,
              delayBeforeRetry: 1,
            },
          })),
        },
      ],
    };
    // The group's checks before any resource registers (the sysctls come first).
    checkVrrpGroup("lvs_dr", groupArgs);
    const sysctls = [d1, d2].map(
      (d) =>
        new SysctlSet(`dr-keepalived-${d.name}-sysctls`, {
          connection: d.connection,
          name: "90-lvs-dr",
          values: drDirectorSysctls(k.interface),
        }),
    );
    const group = new VrrpGroup("lvs_dr", groupArgs, { dependsOn: sysctls });
    const aliases = rss.map((rs) => drRealServer("dr-keepalived", rs, k.vip, { dependsOn: [group] }));
    const url = vipUrl(k.vip, "/", k.port);
    const check = endToEndCheck("dr-keepalived-check", { client, url, topology: [group, ...aliases] });
    return topologyOutputs(
      k.vip,
      {
        [d1.name]: `director, MASTER ${k.masterPriority}`,
        [d2.name]: `director, BACKUP ${k.backupPriority}`,
        ...Object.fromEntries(rss.map((r) => [r.name, "real server (VIP on lo:0)"])),
      },
      "/",
      k.port,
      { vrrp: [group.description], check },
      client,
    );
  },
};
