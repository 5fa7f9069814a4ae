// The split-brain doctor, pure part: from facts read on each member of a
// VRRP group, the checks an experienced operator runs by hand (the seed's
// split-brain list), each with its likely cause when it fails.
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";

/** What one SSH command per member reports. */
export interface MemberFacts {
  host: string;
  holdsVip: boolean;
  keepalivedActive: boolean;
  /** `keepalived -t` exit code and its first lines. */
  configOk: boolean;
  configOutput: string;
  /** Source addresses of VRRP adverts (protocol 112) seen on the interface during the capture. */
  advertsFrom: string[];
  /** Firewall rules that drop or reject VRRP or its multicast group. */
  vrrpDrops: string[];
  /** The host's clock, seconds since the epoch. */
  clock: number;
  /** `ipvsadm -Sn` of the host. */
  ipvs: string;
  /** real server "addr:port" -> answered an HTTP request from this host. */
  realServersAnswer: Record<string, boolean>;
}

export interface Finding {
  check: string;
  hosts: string;
  ok: boolean;
  detail: string;
  /** The likely cause, for a failed check. */
  cause?: string;
}

const MAX_SKEW_S = 2;

export function diagnose(g: VrrpGroupDescription, facts: MemberFacts[]): Finding[] {
  const out: Finding[] = [];
  const all = facts.map((f) => f.host).join(", ");
  const holders = facts.filter((f) => f.holdsVip);
  const addrOf = (host: string) => g.members.find((m) => m.host === host)?.address ?? "";

  const notRunning = facts.filter((f) => !f.keepalivedActive);
  out.push({
    check: "keepalived running",
    hosts: all,
    ok: notRunning.length === 0,
    detail: notRunning.length ? `stopped on ${notRunning.map((f) => f.host).join(", ")}` : "active on every member",
    cause: notRunning.length ? "keepalived stopped or crashed there (systemctl status keepalived; journalctl -u keepalived)" : undefined,
  });

  const badConfig = facts.filter((f) => !f.configOk);
  out.push({
    check: "keepalived -t",
    hosts: all,
    ok: badConfig.length === 0,
    detail: badConfig.length
      ? badConfig.map((f) => `${f.host}: ${f.configOutput.split("\n")[0]}`).join("; ")
      : "configuration valid on every member",
    cause: badConfig.length ? "a wrong keepalived configuration (edited by hand?): run `npm run drift` and `up`" : undefined,
  });

  // Only the master sends adverts: every member that does not hold the VIP
  // must hear the holder; two holders that hear each other mean the adverts
  // are ignored (VRID or authentication differ).
  const deaf: string[] = [];
  for (const f of facts) {
    const others = holders.filter((h) => h.host !== f.host);
    for (const h of others) if (!f.advertsFrom.includes(addrOf(h.host))) deaf.push(`${f.host} hears nothing from ${h.host}`);
  }
  const drops = facts.filter((f) => f.vrrpDrops.length);
  out.push({
    check: "VRRP adverts",
    hosts: all,
    ok: deaf.length === 0 && holders.length > 0,
    detail: deaf.length
      ? deaf.join("; ")
      : holders.length
        ? `the members hear ${holders.map((h) => h.host).join(", ")}`
        : "nobody sends adverts",
    cause: deaf.length
      ? drops.length
        ? `a firewall drops VRRP on ${drops.map((f) => f.host).join(", ")}: ${drops.flatMap((f) => f.vrrpDrops).join("; ")}`
        : "the heartbeat link between the members is broken (cable, switch, VLAN) or something on the path filters protocol 112 / multicast 224.0.0.18"
      : undefined,
  });

  out.push({
    check: "firewall and VRRP",
    hosts: all,
    ok: drops.length === 0,
    detail: drops.length
      ? drops.map((f) => `${f.host}: ${f.vrrpDrops.join("; ")}`).join(" | ")
      : "no rule drops protocol 112 or 224.0.0.18",
    cause: drops.length
      ? "firewall rules drop VRRP (protocol 112) or the multicast group: allow them instead of disabling the firewall"
      : undefined,
  });

  const clocks = facts.map((f) => f.clock);
  const skew = Math.max(...clocks) - Math.min(...clocks);
  out.push({
    check: "clocks agree",
    hosts: all,
    ok: skew <= MAX_SKEW_S,
    detail: `largest difference ${skew.toFixed(1)} s`,
    cause: skew > MAX_SKEW_S ? "clock skew between the members: run NTP (chrony/systemd-timesyncd) on both" : undefined,
  });

  let holderCause: string | undefined;
  if (holders.length > 1) {
    const failed = out.filter((x) => !x.ok && x.cause);
    holderCause = failed.length
      ? `split brain; likely cause: ${failed.map((x) => x.cause).join(" / ")}`
      : "split brain although adverts arrive: the members' virtual_router_id or authentication differ (a wrong keepalived config), or another service on the link disturbs the heartbeat";
  } else if (holders.length === 0) {
    holderCause =
      notRunning.length === facts.length
        ? "keepalived runs nowhere"
        : "every member is in FAULT (a failing track script or a down interface) or keepalived stopped";
  }
  out.unshift({
    check: `exactly one holder of ${g.vip}`,
    hosts: all,
    ok: holders.length === 1,
    detail: holders.length ? `held by ${holders.map((h) => h.host).join(", ")}` : "held by nobody",
    cause: holderCause,
  });

  for (const h of holders) {
    for (const vs of g.virtualServers) {
      const service = `-A -t ${vs.address}:${vs.port} `;
      const missing = [
        !h.ipvs.includes(service) ? `service ${vs.address}:${vs.port}` : "",
        ...vs.realServers.filter((r) => !h.ipvs.includes(`-r ${r.address}:${r.port} `)).map((r) => `real server ${r.address}:${r.port}`),
      ].filter(Boolean);
      const dead = vs.realServers
        .filter((r) => h.realServersAnswer[`${r.address}:${r.port}`] === false)
        .map((r) => `${r.address}:${r.port}`);
      out.push({
        check: `IPVS ${vs.address}:${vs.port}`,
        hosts: h.host,
        ok: missing.length === 0,
        detail: missing.length ? `missing ${missing.join(", ")}` : `service and ${vs.realServers.length} real servers present`,
        cause: missing.length
          ? dead.length
            ? `health checks removed ${dead.join(", ")}: they do not answer`
            : "keepalived's virtual_server did not program IPVS (keepalived -t, journalctl -u keepalived)"
          : undefined,
      });
      out.push({
        check: "real servers answer",
        hosts: h.host,
        ok: dead.length === 0,
        detail: dead.length ? `no answer from ${dead.join(", ")}` : `${vs.realServers.length} of ${vs.realServers.length} answer`,
        cause: dead.length ? "the service is down on those real servers (systemctl status nginx there)" : undefined,
      });
    }
  }
  return out;
}
