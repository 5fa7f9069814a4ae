// NginxSite: one server block (and its upstreams) in
// /etc/nginx/conf.d/<name>.conf, checked with `nginx -t` against a copy of
// the host's configuration that holds the new file, then applied with a
// reload. A default server takes the place of Debian's stock default site
// (sites-enabled/default is set aside and put back with the last site).
//
// Replaces on: connection host/port, name. In place: everything else.
// Refresh reads the file's hash and whether nginx runs.
import * as pulumi from "@pulumi/pulumi";
import { changedProps, CONNECTION_DIFF } from "../common/diff";
import { importUnsupported } from "../common/errors";
import { sha256 } from "../files/core";
import { applyInclude, DaemonLayout, readInclude, removeInclude } from "../files/daemon";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { checkNginxSite, NginxLocation, NginxSiteSpec, NginxUpstream, renderNginxSite } from "./core";

export interface NginxSiteArgs {
  connection: pulumi.Input<ConnectionArgs>;
  /** File name under /etc/nginx/conf.d (without .conf). Replaces. */
  name: pulumi.Input<string>;
  /** Port. Default 80. */
  listen?: pulumi.Input<number>;
  /** Be the default server (replaces Debian's stock default site while managed). */
  defaultServer?: pulumi.Input<boolean>;
  serverName?: pulumi.Input<pulumi.Input<string>[]>;
  /** Default /var/www/html. */
  root?: pulumi.Input<string>;
  index?: pulumi.Input<pulumi.Input<string>[]>;
  upstreams?: pulumi.Input<pulumi.Input<NginxUpstream>[]>;
  locations: pulumi.Input<pulumi.Input<NginxLocation>[]>;
}

type Props = NginxSiteSpec & { connection: ConnectionArgs; sha256?: string; running?: boolean };

const DIR = "/etc/nginx/conf.d";
const STOCK_DEFAULT = "/etc/nginx/sites-enabled/default";
const FIELDS = ["listen", "defaultServer", "serverName", "root", "index", "upstreams", "locations"] as const;

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

function spec(p: Props): NginxSiteSpec {
  const out: Record<string, unknown> = { name: p.name };
  for (const k of FIELDS) if (p[k] !== undefined) out[k] = p[k];
  return out as unknown as NginxSiteSpec;
}

export const nginxSiteProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds, news) {
    const failures = checkNginxSite(news as unknown as Record<string, unknown>);
    return failures.length ? { failures } : { inputs: news };
  },

  async diff(_id, olds, news) {
    const a = olds as unknown as Record<string, unknown>;
    const b = news as unknown as Record<string, unknown>;
    const own = changedProps(a, b, { replace: ["name"], update: [...FIELDS] });
    const conn = changedProps(a, b, CONNECTION_DIFF);
    const drift = olds.sha256 !== sha256(renderNginxSite(spec(olds))) || olds.running === false;
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    return { changes: own.changed.length + conn.changed.length > 0 || drift, replaces, deleteBeforeReplace: replaces.length > 0 && !conn.replaces.length };
  },

  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const content = renderNginxSite(spec(inputs));
    await applyInclude(t, nginxLayout(!!inputs.defaultServer), inputs.name, content);
    return { id: `${t.target}:${DIR}/${inputs.name}.conf`, outs: { ...inputs, sha256: sha256(content), running: true } };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("NginxSite", id);
    const t = sshTransport(props.connection);
    const live = await readInclude(t, nginxLayout(!!props.defaultServer), props.name);
    return { id, props: { ...props, sha256: live.include.sha256 ?? "absent", running: live.active } };
  },

  async update(_id, _olds, news) {
    const t = sshTransport(news.connection);
    const content = renderNginxSite(spec(news));
    await applyInclude(t, nginxLayout(!!news.defaultServer), news.name, content);
    return { outs: { ...news, sha256: sha256(content), running: true } };
  },

  async delete(_id, props) {
    await removeInclude(sshTransport(props.connection), nginxLayout(!!props.defaultServer), props.name);
  },
};

/** An nginx server block with its upstreams on one host. */
export class NginxSite extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: NginxSiteArgs, opts?: pulumi.CustomResourceOptions) {
    super(nginxSiteProvider, name, { ...args, sha256: undefined, running: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "pulumi-lvs", "NginxSite");
  }
}
