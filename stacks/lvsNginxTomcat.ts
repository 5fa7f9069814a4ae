// lvs-nginx-tomcat: the seed's LVS (DR) in front of the nginx real servers,
// which serve static pages and pass *.jsp to the tomcat app servers.
import { checkDrCluster, DrCluster, type DrClusterArgs } from "./components/drCluster";
import { NginxTomcat } from "./components/nginxTomcat";
import { COMMON_KEYS, DR_KEYS, KeySpec } from "./config";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";
import { ROLES, TopologyContext } from "./topology";

const KEYS = {
  ...DR_KEYS,
  port: { ...COMMON_KEYS.port, description: "the service port on the VIP, which nginx listens on too (DR keeps the port)" },
  weights: COMMON_KEYS.weights,
  appDocBase: {
    key: "appDocBase",
    type: "string",
    description: "the directory of the tomcat app this topology owns (its index.jsp names the tomcat)",
    default: "/srv/tomcat-test",
  },
  appPort: {
    key: "appPort",
    type: "integer",
    description: "the port tomcat listens on (nginx proxies *.jsp there)",
    default: 8080,
    min: 1,
    max: 65535,
  },
} as const satisfies Record<string, KeySpec>;

const GROUPS = {
  directors: ROLES.directors("the director", 1),
  realservers: ROLES.realservers("the nginx real servers (each gets the VIP on lo:0)"),
  appservers: ROLES.appservers("the tomcat hosts nginx passes *.jsp to"),
  clients: ROLES.clients,
};

export const lvsNginxTomcat = {
  preset: "nginx-tomcat",
  description: "LVS-DR to nginx real servers, which pass *.jsp to the tomcat app servers",
  keys: Object.values(KEYS),
  groups: Object.values(GROUPS),
  program(ctx: TopologyContext) {
    const k = ctx.values(KEYS);
    const [director] = ctx.hosts(GROUPS.directors);
    const nginx = ctx.hosts(GROUPS.realservers);
    const tomcats = ctx.hosts(GROUPS.appservers);
    const [client] = ctx.hosts(GROUPS.clients);
    ctx.cfg.done();
    const clusterArgs: DrClusterArgs = {
      director,
      nic: k.interface,
      vip: k.vip,
      vipPrefix: k.vipPrefix,
      port: k.port,
      scheduler: k.scheduler,
      realServers: nginx.map((host, i) => ({ host, weight: k.weights[i] ?? 1 })),
      otherHosts: ctx.others([director, ...nginx]),
    };
    // The cluster's checks before any resource registers (the tier comes first).
    checkDrCluster("lvs", clusterArgs);
    const tier = new NginxTomcat("web", { nginx, tomcats, tomcatPort: k.appPort, listen: k.port, docBase: k.appDocBase });
    const cluster = new DrCluster("lvs", clusterArgs, { dependsOn: [tier] });
    const check = endToEndCheck("lvs-check", { client, url: vipUrl(k.vip, "/index.jsp", k.port), topology: [tier, cluster] });
    return topologyOutputs(
      k.vip,
      {
        [director.name]: "director (DR)",
        ...Object.fromEntries(nginx.map((n) => [n.name, "nginx real server"])),
        ...Object.fromEntries(tomcats.map((t) => [t.name, "tomcat (index.jsp)"])),
      },
      "/index.jsp",
      k.port,
      { check },
      client,
    );
  },
};
