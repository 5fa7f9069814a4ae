// Route's pure core: checks, the `ip route` commands, the boot-time unit, and
// parsing of `ip route show <destination>` (the seed's "real servers'
// gateway = DIP": `ip route replace default via 192.168.118.20`).
import { Checker, CheckFailure, checkConnection, isUnknown } from "../common/check";
import { checkIpv4Cidr, IFACE, IFACE_RULE } from "../common/net";
import { command, notOption } from "../transport/shell";

export interface RouteSpec {
  /** "default" or an IPv4 CIDR. */
  destination: string;
  /** Gateway IPv4 address. */
  via: string;
  dev?: string;
}

export function checkRoute(i: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, i.connection);
  if (c.required("destination", i.destination) && i.destination !== "default" && !isUnknown(i.destination)) {
    if (i.destination === "0.0.0.0/0") c.fail("destination", `destination must be "default" for 0.0.0.0/0`);
    else if (checkIpv4Cidr(c, "destination", i.destination, false) && /\/0$/.test(i.destination as string))
      c.fail("destination", `destination must be "default" for a /0 route`);
  }
  if (c.required("via", i.via)) c.ip("via", i.via, 4, { unicast: true });
  c.word("dev", i.dev, IFACE, IFACE_RULE);
  c.bool("persist", i.persist);
  return c.failures;
}

export function normalizeRoute(i: Partial<RouteSpec>): RouteSpec {
  return { destination: i.destination as string, via: i.via as string, ...(i.dev !== undefined ? { dev: i.dev } : {}) };
}

function routeWords(r: RouteSpec): string[] {
  return [notOption(r.destination, "destination"), "via", r.via, ...(r.dev !== undefined ? ["dev", notOption(r.dev, "dev")] : [])];
}

/** Sets the route (adds it, or replaces the one with the same destination and metric 0). */
export function routeCommand(r: RouteSpec): string {
  return `ip route replace ${command(...routeWords(r))}`;
}

/** Flags `ip route show` prints that `ip route replace` does not accept. */
const OUTPUT_ONLY: readonly string[] = [
  "linkdown",
  "dead",
  "offload",
  "trap",
  "offload_failed",
  "rt_offload",
  "rt_trap",
  "rt_offload_failed",
  "pervasive",
  "notify",
  "unresolved",
];
const TYPES: readonly string[] = [
  "unicast",
  "local",
  "broadcast",
  "multicast",
  "throw",
  "unreachable",
  "prohibit",
  "blackhole",
  "nat",
  "anycast",
];

/** The routes in `ip route show` output, one per entry (multipath `nexthop` lines joined to their route), as words. */
export function routeEntries(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    const words = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "");
    if (!words.length) continue;
    if (/^\s/.test(line) && out.length) out[out.length - 1].push(...words);
    else out.push(words);
  }
  return out;
}

interface LiveRoute {
  type: string;
  destination: string;
  via?: string;
  dev?: string;
  metric: number;
  multipath: boolean;
}

function liveRoute(words: string[]): LiveRoute {
  const w = [...words];
  const type = TYPES.includes(w[0]) ? (w.shift() as string) : "unicast";
  const r: LiveRoute = { type, destination: w[0] ?? "", metric: 0, multipath: w.includes("nexthop") };
  for (let k = 1; k < w.length - 1; k++) {
    if (w[k] === "nexthop") break;
    if (w[k] === "via") r.via = w[k + 1] === "inet" || w[k + 1] === "inet6" ? w[k + 2] : w[k + 1];
    else if (w[k] === "dev") r.dev = w[k + 1];
    else if (w[k] === "metric") r.metric = Number(w[k + 1]);
  }
  return r;
}

/** `ip route show` prints a /32 destination as the bare address. */
function sameDestination(live: string, want: string): boolean {
  return live === want || `${live}/32` === want;
}

/** Whether `ip route show <destination>` output holds the route as declared (the metric-0 route `ip route replace` manages). */
export function parseRoute(text: string, r: RouteSpec): boolean {
  return routeEntries(text).some((words) => {
    const l = liveRoute(words);
    return (
      l.type === "unicast" &&
      !l.multipath &&
      l.metric === 0 &&
      sameDestination(l.destination, r.destination) &&
      l.via === r.via &&
      (r.dev === undefined || l.dev === r.dev)
    );
  });
}

/** The first route of `ip route show <destination>` output, in a form `ip route replace` takes back; undefined when there is none. */
export function previousRoute(text: string): string | undefined {
  const first = routeEntries(text)[0];
  return first ? first.filter((w) => !OUTPUT_ONLY.includes(w)).join(" ") : undefined;
}

/**
 * Removes the declared route and puts back the one it displaced: deletes ours
 * (unless `previous` is the declared route itself, i.e. it was there before),
 * then `ip route replace <previous>`. Tolerates a route already gone.
 */
export function removeRouteCommand(r: RouteSpec, previous?: string): string {
  const cmds: string[] = [];
  if (previous === undefined || !parseRoute(previous, r)) cmds.push(`(ip route del ${command(...routeWords(r))} 2>/dev/null || true)`);
  if (previous !== undefined)
    cmds.push(`(ip route replace ${command(...previous.split(/\s+/).filter((w) => w !== ""))} 2>/dev/null || true)`);
  return cmds.join("; ");
}

export function routeUnitName(destination: string): string {
  return `pulumi-lvs-route-${destination.replace(/[^A-Za-z0-9_.-]/g, "-")}.service`;
}

/** A systemd oneshot unit that sets the route at boot, once the network is up. */
export function renderRouteUnit(r: RouteSpec): string {
  return [
    "# Managed by pulumi-lvs (Route). Changes here are overwritten.",
    "[Unit]",
    `Description=pulumi-lvs route ${r.destination} via ${r.via}${r.dev !== undefined ? ` dev ${r.dev}` : ""}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/bin/sh -c ${JSON.stringify(routeCommand(r))}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
