// The seed's HAProxy tier: on every HAProxy host the L7 `listen` (option
// httpchk GET /index.html, static-rr with the configured weights, check
// inter 2000 fall 3) on :80 and the L4 `frontend`/`backend` (mode tcp,
// roundrobin) on :8080, in front of the nginx real servers.
import * as pulumi from "@pulumi/pulumi";
import { HaproxyListener } from "../../providers";
import { addressOf, Host } from "../hosts";

export interface HaproxyTierArgs {
  haproxies: Host[];
  realServers: { host: Host; weight: number }[];
  /** Port of the L7 listen. Default 80. */
  port?: number;
  /** Port of the L4 variant. Default 8080. */
  l4Port?: number;
  /** The real servers' port. Default 80. */
  backendPort?: number;
  /** L7 balance algorithm. Default static-rr. */
  balance?: string;
  /** URI of the L7 health check. Default /index.html. */
  checkUri?: string;
  /** Milliseconds between checks. Default 2000. */
  checkInterMs?: number;
  /** Failed checks before a server is down. Default 3. */
  checkFall?: number;
}

export class HaproxyTier extends pulumi.ComponentResource {
  readonly listeners: HaproxyListener[];

  constructor(name: string, args: HaproxyTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:HaproxyTier", name, {}, opts);
    const servers = (weighted: boolean) =>
      args.realServers.map((r) => ({
        name: r.host.name,
        address: addressOf(r.host),
        port: args.backendPort ?? 80,
        weight: weighted ? r.weight : 1,
        inter: args.checkInterMs ?? 2000,
        fall: args.checkFall ?? 3,
      }));
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
    this.registerOutputs({});
  }
}
