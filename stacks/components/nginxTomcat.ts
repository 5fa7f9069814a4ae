// The seed's nginx + tomcat tier behind LVS: every nginx real server serves
// its static pages and passes `~ .*\.jsp$` to an upstream of the tomcats
// (8080, weight 1) with the seed's proxy headers; every tomcat serves an
// index.jsp naming itself and the client address it was given (X-Real-IP).
// The packages and units are declared too (no-ops where they are in place).
import * as pulumi from "@pulumi/pulumi";
import { NginxSite, Package, SystemdService, TomcatApp } from "../../providers";
import { ClusterHost, clusterAddress } from "../hosts";

export interface NginxTomcatArgs {
  /** The nginx hosts; each gets the package, the unit and the site. Required. A host added or removed adds or removes its resources only. */
  nginx: ClusterHost[];
  /**
   * The tomcat hosts; each gets the package, the unit and the app. Required. A host added or removed adds or removes
   * its resources and updates the nginx sites' upstream in place.
   */
  tomcats: ClusterHost[];
  /** The port the tomcats listen on (nginx's upstream; tomcat's connector is not set here). Default 8080. Updated in place. */
  tomcatPort?: number;
  /** The port nginx listens on. Default 80 (nginx's default: the site leaves `listen` unset). Updated in place. */
  listen?: number;
  /** Where each tomcat's app (index.jsp) lives. Default /srv/tomcat-test. A change replaces the apps. */
  docBase?: string;
}

/** The JSP each tomcat serves: its name, then the X-Real-IP header nginx set. */
export function indexJsp(name: string): string {
  return `<%@ page contentType="text/plain" %>this is ${name}\nX-Real-IP: <%= request.getHeader("X-Real-IP") %>\n`;
}

/**
 * nginx in front of tomcat. Outputs: `sites`, `apps`, `listen` and
 * `tomcatPort`; every child is parented to the tier.
 */
export class NginxTomcat extends pulumi.ComponentResource {
  /** One NginxSite per nginx host, in the order given. */
  readonly sites: NginxSite[];
  /** One TomcatApp per tomcat host, in the order given. */
  readonly apps: TomcatApp[];
  /** The port nginx listens on. */
  readonly listen: number;
  /** The port the tomcats listen on. */
  readonly tomcatPort: number;

  constructor(name: string, args: NginxTomcatArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:NginxTomcat", name, {}, opts);
    const port = args.tomcatPort ?? 8080;
    // Each host gets its server (installed when missing, enabled and running), then its site or app.
    const server = (h: ClusterHost, pkg: string) => {
      const p = new Package(`${name}-${h.name}-pkg`, { connection: h.connection, names: [pkg] }, { parent: this });
      return new SystemdService(`${name}-${h.name}-svc`, { connection: h.connection, unit: pkg }, { parent: this, dependsOn: [p] });
    };
    const apps = args.tomcats.map(
      (t) =>
        new TomcatApp(
          `${name}-${t.name}`,
          {
            connection: t.connection,
            name: "test",
            path: "",
            docBase: args.docBase ?? "/srv/tomcat-test",
            files: { "index.jsp": indexJsp(t.name) },
          },
          { parent: this, dependsOn: [server(t, "tomcat10")] },
        ),
    );
    this.apps = apps;
    this.sites = args.nginx.map(
      (n) =>
        new NginxSite(
          `${name}-${n.name}`,
          {
            connection: n.connection,
            name: "pulumi-lvs-tomcat",
            ...(args.listen !== undefined ? { listen: args.listen } : {}),
            defaultServer: true,
            upstreams: [
              pulumi
                .all(args.tomcats.map((t) => clusterAddress(t)))
                .apply((addresses) => ({ name: "tomcat", servers: addresses.map((address) => ({ address, port, weight: 1 })) })),
            ],
            locations: [
              { match: "/", tryFiles: ["$uri", "$uri/", "=404"] },
              { match: "~ .*\\.jsp$", proxyPass: "http://tomcat", proxyHeaders: true },
            ],
          },
          { parent: this, dependsOn: [...apps, server(n, "nginx")] },
        ),
    );
    this.listen = args.listen ?? 80;
    this.tomcatPort = port;
    this.registerOutputs({ sites: this.sites, apps: this.apps, listen: this.listen, tomcatPort: this.tomcatPort });
  }
}
