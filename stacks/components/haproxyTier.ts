// The seed's HAProxy tier: on every HAProxy host the L7 `listen` (option
// httpchk GET /index.html, static-rr with the configured weights, check
// inter 2000 fall 3) on :80 and the L4 `frontend`/`backend` (mode tcp,
// roundrobin) on :8080, in front of the nginx real servers.
import * as pulumi from "@pulumi/pulumi";
import { HaproxyListener } from "../../providers";
import { ClusterHost, clusterAddress } from "../hosts";

export interface HaproxyTierArgs {
  /** The HAProxy hosts; each gets both listeners. Required. A host added or removed adds or removes its listeners only. */
  haproxies: ClusterHost[];
  /** The backend servers, in every listener. Required. A change updates the listeners in place. */
  realServers: {
    /** Its `address` may be an Output. Required. */
    host: ClusterHost;
    /** Weight in the L7 listen (the L4 backend weighs all 1). Required. Updated in place. */
    weight: number;
  }[];
  /** Port of the L7 listen. Default 80. Updated in place. */
  port?: number;
  /** Port of the L4 variant. Default 8080. Updated in place. */
  l4Port?: number;
  /** The real servers' port. Default 80. Updated in place. */
  backendPort?: number;
  /** L7 balance algorithm. Default static-rr. Updated in place. */
  balance?: string;
  /** URI of the L7 health check. Default /index.html. Updated in place. */
  checkUri?: string;
  /** Milliseconds between checks. Default 2000. Updated in place. */
  checkInterMs?: number;
  /** Failed checks before a server is down. Default 3. Updated in place. */
  checkFall?: number;
}

/**
 * The HAProxy tier: an L7 `listen` (`web`) and an L4 `frontend`/`backend`
 * (`web4`) on every HAProxy host. Outputs: `listeners`, `port` and `l4Port`;
 * every child is parented to the tier.
 */
export class HaproxyTier extends pulumi.ComponentResource {
  /** Per HAProxy host, in the order given: its L7 listener, then its L4 one. */
  readonly listeners: HaproxyListener[];
  /** The port of the L7 listen. */
  readonly port: number;
  /** The port of the L4 frontend. */
  readonly l4Port: number;

  constructor(name: string, args: HaproxyTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:HaproxyTier", name, {}, opts);
    const servers = (weighted: boolean) =>
      args.realServers.map((r) =>
        pulumi.output(clusterAddress(r.host)).apply((address) => ({
          name: r.host.name,
          address,
          port: args.backendPort ?? 80,
          weight: weighted ? r.weight : 1,
          inter: args.checkInterMs ?? 2000,
          fall: args.checkFall ?? 3,
        })),
      );
    this.listeners = args.haproxies.flatMap((h) => [
      new HaproxyListener(
        `${name}-${h.name}-l7`,
        {
          connection: h.connection,
          name: "web",
          bind: [{ port: args.port ?? 80 }],
          balance: args.balance ?? "static-rr",
          httpCheck: { method: "GET", uri: args.checkUri ?? "/index.html" },
          servers: servers(true),
        },
        { parent: this },
      ),
      new HaproxyListener(
        `${name}-${h.name}-l4`,
        {
          connection: h.connection,
          name: "web4",
          style: "frontend-backend",
          mode: "tcp",
          bind: [{ port: args.l4Port ?? 8080 }],
          balance: "roundrobin",
          servers: servers(false),
        },
        { parent: this },
      ),
    ]);
    this.port = args.port ?? 80;
    this.l4Port = args.l4Port ?? 8080;
    this.registerOutputs({ listeners: this.listeners, port: this.port, l4Port: this.l4Port });
  }
}
