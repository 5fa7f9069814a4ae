// Stack outputs every topology shows: the VIP, a URL, the hosts with their
// roles, a one-line command that tries the VIP from the client host, and
// `check`: N requests through the VIP from the client, run by
// @pulumi/command's remote.Command once the topology is up.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { quote } from "../providers/transport/shell";
import { Host } from "./hosts";

export interface TopologyOutputs {
  vip: string;
  url: string;
  /** host -> role (director MASTER, real server, ...). */
  hosts: Record<string, string>;
  try: string;
  [key: string]: unknown;
}

/**
 * The outputs every topology shows. `try` runs curl on the VIP over SSH from
 * the client host (as its inventory reaches it), or from wherever the user is
 * when the stack has no client.
 */
export function topologyOutputs(
  vip: string,
  hosts: Record<string, string>,
  path = "/",
  port = 80,
  extra: Record<string, unknown> = {},
  client?: Pick<Host, "ssh">,
): TopologyOutputs {
  const url = vipUrl(vip, path, port);
  const curl = `curl -s ${quote(url)}`;
  return { vip, url, hosts, try: client ? `${client.ssh} ${quote(curl)}` : curl, ...extra };
}

export function vipUrl(vip: string, path = "/", port = 80): string {
  return `http://${vip.includes(":") ? `[${vip}]` : vip}${port === 80 ? "" : `:${port}`}${path}`;
}

/** What the check's script prints: one line per request, the first line of the answer or FAILED. */
export function checkScript(url: string, requests: number): string {
  return `for i in $(seq 1 ${requests}); do if r=$(curl -s -m 3 ${quote(url)}); then printf '%s\\n' "$r" | head -n 1; else echo "FAILED (curl exit $?)"; fi; done`;
}

/** "10/10 answered (this is nginx1: 5, this is nginx2: 5)" from the script's output. */
export function summarizeCheck(stdout: string, requests: number): string {
  const lines = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const counts = new Map<string, number>();
  let ok = 0;
  for (const l of lines) {
    if (l.startsWith("FAILED")) continue;
    ok++;
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const by = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([l, n]) => `${l}: ${n}`)
    .join(", ");
  return `${ok}/${requests} answered${by ? ` (${by})` : ""}`;
}

export interface EndToEndCheckArgs {
  /** The host that sends the requests (it must reach the VIP); none: the check is not run. */
  client: Host | undefined;
  url: string;
  /** Default 10. */
  requests?: number;
  /** The topology's resources: the check runs after them. */
  topology: pulumi.Resource[];
  /** The topology's parameters (scheduler, weights, ...): a change re-runs the check. */
  triggers?: unknown[];
  /**
   * Checks that must finish first (their summaries). Default none. Checks of one client against a persistent service
   * run one after the other: first connections that race each other may each get their own persistence template.
   */
  after?: pulumi.Output<string>[];
}

/**
 * The topology's end-to-end check as a stack output: a remote.Command on the
 * client that requests the VIP `requests` times when the topology is created
 * or its parameters change, summarized as "N/N answered (server: count, ...)". It is a
 * one-shot action, which is what remote.Command models: it has nothing to
 * read back or undo. @pulumi/command verifies a whole host key, so the
 * client needs `host_key` in the inventory; without it the output says so.
 */
export function endToEndCheck(name: string, args: EndToEndCheckArgs): pulumi.Output<string> {
  const { client } = args;
  const requests = args.requests ?? 10;
  if (!client) return pulumi.output("not run: no host in the clients pattern");
  const hostKey = client.hostKey;
  if (!hostKey) {
    return pulumi.output(
      `not run: the inventory gives no host_key (public key line) for ${client.name}, which @pulumi/command needs to verify the host`,
    );
  }
  const connection = client.connection.apply((c) => ({
    host: c.host,
    port: c.port ?? 22,
    user: c.user ?? "root",
    privateKey: c.privateKey,
    hostKey,
  }));
  const check = new command.remote.Command(
    name,
    {
      connection,
      // Waiting on `after` through the script's value (which it leaves as it is) orders the checks.
      create: pulumi.all(args.after ?? []).apply(() => checkScript(args.url, requests)),
      triggers: [args.url, requests, JSON.stringify(args.triggers ?? [])],
    },
    { dependsOn: args.topology },
  );
  return check.stdout.apply((out) => summarizeCheck(out, requests));
}
