// lvs-nginx-tomcat (preset nginx-tomcat): the seed's LVS (DR) in front of the
// nginx real servers, which serve static pages and pass *.jsp to tomcat1 and
// tomcat2.
import { DrCluster } from "./components/drCluster";
import { NginxTomcat } from "./components/nginxTomcat";
import { hostsFromConfig } from "./hosts";
import { endToEndCheck, topologyOutputs, vipUrl } from "./outputs";

export function lvsNginxTomcatStack() {
  const hosts = hostsFromConfig();
  const nginx = [hosts.host("rs1"), hosts.host("rs2")];
  const tomcats = [hosts.host("tomcat1"), hosts.host("tomcat2")];
  const tier = new NginxTomcat("web", { nginx, tomcats });
  const cluster = new DrCluster(
    "lvs",
    {
      director: hosts.host("director1"),
      vip: "192.168.118.100",
      realServers: nginx.map((host) => ({ host })),
      otherHosts: [hosts.host("client"), ...tomcats],
    },
    { dependsOn: [tier] },
  );
  const check = endToEndCheck("lvs-check", {
    client: hosts.host("client"),
    url: vipUrl(cluster.vip, "/index.jsp"),
    topology: [tier, cluster],
  });
  return topologyOutputs(
    cluster.vip,
    {
      director1: "director (DR)",
      rs1: "nginx real server",
      rs2: "nginx real server",
      tomcat1: "tomcat (index.jsp)",
      tomcat2: "tomcat (index.jsp)",
    },
    "/index.jsp",
    80,
    { check },
  );
}
