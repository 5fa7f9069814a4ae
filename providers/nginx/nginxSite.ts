// NginxSite: one server block (and its upstreams) in
// /etc/nginx/conf.d/<name>.conf, checked with `nginx -t` against a copy of
// the host's configuration that holds the new file, then applied with a
// reload. A default server takes the place of Debian's stock default site
// (sites-enabled/default is set aside and put back with the last site).
//
// Fields (which replace, which update in place): NGINX_SITE below.
// Refresh reads the file's hash and whether nginx runs.
import * as pulumi from "@pulumi/pulumi";
import { DaemonLayout } from "../files/daemon";
import { includeResource, IncludeProps } from "../files/includeProvider";
import { ConnectionInput } from "../common/connection";
import { checkNginxSite, NGINX_DEFAULTS, NginxLocation, NginxSiteSpec, NginxUpstream, renderNginxSite } from "./core";
import { ReadinessArgs } from "../readiness/core";
import { LvsResource } from "../common/define";

export interface NginxSiteArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** File name under /etc/nginx/conf.d (without .conf). Required. */
  name: pulumi.Input<string>;
  /** Port. Default 80. */
  listen?: pulumi.Input<number>;
  /** Be the default server (replaces Debian's stock default site while managed). Default false. */
  defaultServer?: pulumi.Input<boolean>;
  /** server_name: at least one name. Default ["_"]. */
  serverName?: pulumi.Input<pulumi.Input<string>[]>;
  /** Default /var/www/html. */
  root?: pulumi.Input<string>;
  /** index files: at least one. Default ["index.html", "index.htm"]. */
  index?: pulumi.Input<pulumi.Input<string>[]>;
  /** upstream blocks (servers with weights) that locations pass to. Default: none (no upstream blocks). */
  upstreams?: pulumi.Input<pulumi.Input<NginxUpstream>[]>;
  /** location blocks of the server: at least one. Required. */
  locations: pulumi.Input<pulumi.Input<NginxLocation>[]>;
  /** When the daemon counts as ready after a change; up waits for it. Default: the listen port accepts on the host (60 s). */
  readiness?: pulumi.Input<ReadinessArgs>;
}

type Props = NginxSiteSpec & IncludeProps;

const DIR = "/etc/nginx/conf.d";
const STOCK_DEFAULT = "/etc/nginx/sites-enabled/default";

/** nginx's layout for a site; validation rewrites nginx.conf's conf.d include to the candidate set. */
export function nginxLayout(defaultServer: boolean): DaemonLayout {
  return {
    unit: "nginx",
    includeDir: DIR,
    ext: "conf",
    removes: defaultServer ? [STOCK_DEFAULT] : [],
    restores: [STOCK_DEFAULT],
    validateSet: `sed -e "s#${DIR}/\\*\\.conf#$v/*.conf#" /etc/nginx/nginx.conf > "$v/nginx.main" && nginx -t -q -c "$v/nginx.main"`,
  };
}

export const [NGINX_SITE, nginxSiteProvider] = includeResource<Props, NginxSiteSpec>({
  type: "NginxSite",
  fields: ["listen", "defaultServer", "serverName", "root", "index", "upstreams", "locations"],
  file: __filename,
  notes:
    "checked with `nginx -t` against a copy of the host's configuration, applied with a reload; a default server sets Debian's stock site aside",
  check: checkNginxSite,
  render: renderNginxSite,
  layout: (p) => nginxLayout(!!p.defaultServer),
  // nginx is ready when the site's port accepts, from the host itself.
  readiness: (p) => ({ probe: { type: "tcp", port: p.listen ?? NGINX_DEFAULTS.listen }, timeoutSeconds: 60 }),
});

/** An nginx server block with its upstreams on one host. */
export class NginxSite extends LvsResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: NginxSiteArgs, opts?: pulumi.CustomResourceOptions) {
    super(NGINX_SITE, nginxSiteProvider, name, args, opts);
  }
}
