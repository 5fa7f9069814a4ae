// The pure core of `npm run drill`: the fault's commands on its host (inject,
// restore, a check that it is restored), the request loop run on the client
// host and the parse of what it prints, the figures of a drill (longest gap,
// time until the VIP moved and until traffic flowed again, availability,
// answers per real server before, during and after the fault), and its
// pictures: an SVG timeline and a Markdown report that embeds it. No I/O and
// no clock here: every time is passed in (scripts/review/drill.ts does the
// SSH, the polling and the files).
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";
import { notOption, quote } from "../../providers/transport/shell";
import type { ClusterStatus, StackFacts } from "./statusCore";

export type DrillFault = "master-stop" | "master-kill" | "link-cut" | "realserver-stop" | "haproxy-stop";

/** One line per fault: what it does. */
export const FAULTS: Record<DrillFault, string> = {
  "master-stop": "stop keepalived on the VRRP MASTER (a planned stop: it hands the VIP over with a priority-0 advert)",
  "master-kill": "kill keepalived with SIGKILL on the VRRP MASTER (a crash: the VIP stays on its interface, the BACKUP takes over)",
  "link-cut": "drop all traffic but SSH on the VIP holder's VRRP interface (iptables; heals by itself if the drill dies)",
  "realserver-stop": "stop the web server (nginx) on one real server (the health checks take it out)",
  "haproxy-stop": "stop HAProxy on the host holding the VIP (keepalived's check_haproxy moves the VIP)",
};

/** The faults, in the order of FAULTS. */
export const DRILL_FAULTS = Object.keys(FAULTS) as DrillFault[];

export interface FaultPlan {
  fault: DrillFault;
  /** The host the fault is injected on. */
  host: string;
  /** The command that injects the fault (run as root on `host`). */
  inject: string;
  /** The command that undoes it; idempotent: it may run more than once, and after a partial inject. */
  restore: string;
  /** a shell command that exits 0 once the fault is restored on the host */
  restored: string;
  /** One sentence for the confirmation and the report. */
  describe: string;
  /** Whether the fault should move the VIP to another host (the drill then measures when it moved). */
  movesVip: boolean;
}

export interface FaultPlanOptions {
  /** realserver-stop: the host to stop; default the first reachable host whose role says "real server" (or "web server"). */
  realServer?: string;
  /** realserver-stop: the systemd unit to stop. Default nginx. */
  unit?: string;
  /** The drill's duration: link-cut's safety net heals the link this + 120 s after the inject. Default 60. */
  durationSeconds?: number;
  /** link-cut: the SSH port left open on the cut interface. Default 22. */
  sshPort?: number;
}

/** The iptables chain link-cut fills, and the transient systemd unit that empties it if the drill dies. */
export const DRILL_CHAIN = "PULUMI_LVS_DRILL";
export const HEAL_UNIT = "pulumi-lvs-drill-heal";
/** Seconds link-cut's safety net adds to the drill's duration: it heals the link that long after the cut. */
export const HEAL_MARGIN_S = 120;

const DEFAULT_DURATION_S = 60;
const KEEPALIVED = "keepalived";

function unknownFault(fault: string): Error {
  return new Error(`unknown fault ${JSON.stringify(fault)}: the faults are ${DRILL_FAULTS.join(", ")}`);
}

function isFault(s: string): s is DrillFault {
  return Object.prototype.hasOwnProperty.call(FAULTS, s);
}

/** The VRRP group of the stack's VIP (else its first) and the one member holding its VIP now. */
function vipGroup(fault: DrillFault, facts: StackFacts, status: ClusterStatus): { group: VrrpGroupDescription; holder: string } {
  if (facts.vrrp.length === 0) {
    const other = DRILL_FAULTS.filter((f) => !["master-stop", "master-kill", "link-cut"].includes(f));
    throw new Error(
      `stack ${facts.stack} has no VRRP group (no keepalived pair in its \`vrrp\` output): ${fault} needs one; try ${other.join(" or ")}`,
    );
  }
  const group = facts.vrrp.find((g) => g.vip === facts.vip) ?? facts.vrrp[0];
  const holders = status.vrrp.find((g) => g.vip === group.vip)?.holders ?? [];
  const members = group.members.map((m) => m.host).join(", ");
  if (holders.length === 0)
    throw new Error(
      `stack ${facts.stack}: no member of the VRRP group of ${group.vip} (${members}) holds the VIP now, so there is no MASTER to ${fault}`,
    );
  if (holders.length > 1)
    throw new Error(
      `stack ${facts.stack}: ${holders.join(" and ")} all hold ${group.vip} (split brain); a drill needs one MASTER, fix that first`,
    );
  return { group, holder: holders[0] };
}

/** An interface name as it may reach iptables, ip and a systemd unit's command line (no '$' or '%' there). */
function ifaceName(iface: string): string {
  if (!/^[A-Za-z0-9_.:@-]+$/.test(iface) || iface.length > 15)
    throw new Error(`the VRRP interface ${JSON.stringify(iface)} is not an interface name (letters, digits, _ . : @ -, at most 15)`);
  return notOption(iface, "the VRRP interface");
}

/**
 * Commands that delete every address `vip/<any prefix>` from `iface`; the
 * prefix is read from `ip -o addr`, since the stack's output does not carry it.
 */
function dropVip(vip: string, iface: string): string {
  const i = quote(iface);
  return `ip -o addr show dev ${i} 2>/dev/null | while read -r n d f a rest; do case "$a" in ${quote(`${vip}/`)}*) ip addr del "$a" dev ${i};; esac; done`;
}

/** The commands of link-cut on `iface`: a dedicated chain, hooked into INPUT and OUTPUT on that interface. */
function linkCut(iface: string, sshPort: number, tables: string[], healAfterS: number): Pick<FaultPlan, "inject" | "restore" | "restored"> {
  const i = quote(iface);
  const port = String(sshPort);
  // Idempotent and free of '$' and '%' (systemd would expand those in the heal unit's command line).
  const heal = tables
    .map(
      (t) =>
        `while ${t} -D INPUT -i ${i} -j ${DRILL_CHAIN} 2>/dev/null; do :; done; ` +
        `while ${t} -D OUTPUT -o ${i} -j ${DRILL_CHAIN} 2>/dev/null; do :; done; ` +
        `${t} -F ${DRILL_CHAIN} 2>/dev/null; ${t} -X ${DRILL_CHAIN} 2>/dev/null`,
    )
    .concat("true")
    .join("; ");
  const clearTimer = `systemctl stop ${HEAL_UNIT}.timer 2>/dev/null; systemctl reset-failed ${HEAL_UNIT}.timer ${HEAL_UNIT}.service 2>/dev/null`;
  const cut = tables
    .map(
      (t) =>
        `{ ${t} -N ${DRILL_CHAIN} 2>/dev/null; ${t} -F ${DRILL_CHAIN}; } && ` +
        `${t} -A ${DRILL_CHAIN} -p tcp --dport ${port} -j RETURN && ` +
        `${t} -A ${DRILL_CHAIN} -p tcp --sport ${port} -j RETURN && ` +
        `${t} -A ${DRILL_CHAIN} -j DROP && ` +
        `{ ${t} -C INPUT -i ${i} -j ${DRILL_CHAIN} 2>/dev/null || ${t} -I INPUT 1 -i ${i} -j ${DRILL_CHAIN}; } && ` +
        `{ ${t} -C OUTPUT -o ${i} -j ${DRILL_CHAIN} 2>/dev/null || ${t} -I OUTPUT 1 -o ${i} -j ${DRILL_CHAIN}; }`,
    )
    .join(" && ");
  // The safety net is armed before the first rule: if it cannot be (no systemd-run), nothing is cut.
  const net = `systemd-run --quiet --unit=${HEAL_UNIT} --description=${quote("pulumi-lvs drill: heal a link-cut")} --on-active=${healAfterS}s /bin/sh -c ${quote(heal)}`;
  return {
    inject: `${clearTimer}; ${net} && ${cut}`,
    restore: `${heal}; ${clearTimer}; true`,
    restored: [...tables.map((t) => `! ${t} -S ${DRILL_CHAIN} >/dev/null 2>&1`), `! systemctl is-active --quiet ${HEAL_UNIT}.timer`].join(
      " && ",
    ),
  };
}

/** Roles that name a real server (the haproxy stack calls its real servers "web server"). */
const REAL_SERVER_ROLE = /real server|web server/i;

/**
 * The fault's commands on its host, from the stack's facts and its status
 * now. Throws, naming the stack, when the stack cannot take this fault (no
 * VRRP group, nobody or two hosts holding the VIP, no such host).
 */
export function faultPlan(fault: DrillFault, facts: StackFacts, status: ClusterStatus, opts: FaultPlanOptions = {}): FaultPlan {
  if (!isFault(fault)) throw unknownFault(String(fault));
  const durationSeconds = opts.durationSeconds ?? DEFAULT_DURATION_S;
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0)
    throw new Error(`durationSeconds must be a positive number; got ${durationSeconds}`);
  const sshPort = opts.sshPort ?? 22;
  if (!Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) throw new Error(`sshPort must be 1..65535; got ${sshPort}`);
  const hosts = Object.keys(facts.roles);
  const others = (g: VrrpGroupDescription, h: string) =>
    g.members
      .filter((m) => m.host !== h)
      .map((m) => m.host)
      .join(" or ") || "no other member";
  const declared = (g: VrrpGroupDescription, h: string) => g.members.find((m) => m.host === h)?.state ?? "?";

  switch (fault) {
    case "master-stop": {
      const { group, holder } = vipGroup(fault, facts, status);
      return {
        fault,
        host: holder,
        inject: `systemctl stop ${KEEPALIVED}`,
        restore: `systemctl start ${KEEPALIVED}`,
        restored: `systemctl is-active --quiet ${KEEPALIVED}`,
        describe: `stop keepalived on ${holder}, which holds ${group.vip} (declared ${declared(group, holder)}); ${others(group, holder)} should take the VIP over`,
        movesVip: true,
      };
    }
    case "master-kill": {
      const { group, holder } = vipGroup(fault, facts, status);
      const iface = ifaceName(group.interface);
      // After SIGKILL the VIP stays on the dead master's interface, as after a
      // crash. keepalived (>= 1.2.20, "Remove ip addresses left over from
      // previous failure") removes its VIPs itself when it starts on a plain
      // interface, in any state: vrrp_complete_instance() marks them set,
      // vrrp_restore_interfaces_startup() deletes them with force before the
      // state machine runs (keepalived/vrrp/vrrp.c). The restore deletes the
      // stale copy itself anyway, before the start, so that it does not depend
      // on the version or on use_vmac: while keepalived is dead on this host,
      // any copy of the VIP on its interface is stale, whether the host was
      // declared MASTER (it takes the VIP back by preemption once started) or
      // BACKUP. It does so only when keepalived is not active, so a second
      // restore never takes the VIP from a running MASTER.
      return {
        fault,
        host: holder,
        // `systemctl kill` signals every process of the unit (--kill-whom=all is the default), so the VRRP child
        // dies at once too and cannot release the VIP, even though keepalived's unit has KillMode=process.
        inject: `systemctl kill --signal=KILL ${KEEPALIVED}`,
        restore: `systemctl is-active --quiet ${KEEPALIVED} || { ${dropVip(group.vip, iface)}; systemctl reset-failed ${KEEPALIVED} 2>/dev/null; systemctl start ${KEEPALIVED}; }`,
        restored: `systemctl is-active --quiet ${KEEPALIVED}`,
        describe: `kill keepalived with SIGKILL on ${holder}, which holds ${group.vip} (declared ${declared(group, holder)}), as a crash: the VIP stays on its ${iface}; ${others(group, holder)} should take the VIP over`,
        movesVip: true,
      };
    }
    case "link-cut": {
      const { group, holder } = vipGroup(fault, facts, status);
      const iface = ifaceName(group.interface);
      const healAfter = Math.ceil(durationSeconds) + HEAL_MARGIN_S;
      // -w: wait (10 s at most) for the xtables lock that iptables-legacy takes, rather than fail at once.
      const tables = (group.vip.includes(":") ? ["iptables", "ip6tables"] : ["iptables"]).map((t) => `${t} -w 10`);
      return {
        fault,
        host: holder,
        ...linkCut(iface, sshPort, tables, healAfter),
        // ARP is not iptables' to drop: the cut host still answers ARP for the VIP (the BACKUP's gratuitous ARPs win).
        describe:
          `cut ${holder}'s ${iface}, which holds ${group.vip}: all traffic but SSH (tcp port ${sshPort}) dropped by iptables chain ${DRILL_CHAIN}; ` +
          `${others(group, holder)} should take the VIP over; the link heals by itself ${healAfter} s after the cut if the drill dies`,
        movesVip: true,
      };
    }
    case "realserver-stop": {
      const unit = opts.unit ?? "nginx";
      if (!/^[A-Za-z0-9@._:-]+$/.test(unit)) throw new Error(`the unit ${JSON.stringify(unit)} is not a systemd unit name`);
      notOption(unit, "the unit");
      let host: string;
      if (opts.realServer !== undefined) {
        if (!hosts.includes(opts.realServer))
          throw new Error(`${JSON.stringify(opts.realServer)} is not a host of stack ${facts.stack}; its hosts are ${hosts.join(", ")}`);
        const h = status.hosts.find((x) => x.host === opts.realServer);
        if (h && !h.reachable) throw new Error(`stack ${facts.stack}: ${opts.realServer} is unreachable${h.error ? ` (${h.error})` : ""}`);
        host = opts.realServer;
      } else {
        const rs = status.hosts.filter((h) => REAL_SERVER_ROLE.test(h.role));
        const up = rs.find((h) => h.reachable);
        if (!up)
          throw new Error(
            rs.length
              ? `stack ${facts.stack}: no real server is reachable (${rs.map((h) => h.host).join(", ")})`
              : `stack ${facts.stack} has no host whose role says "real server" or "web server"; name one with --real-server HOST (${hosts.join(", ")})`,
          );
        host = up.host;
      }
      return {
        fault,
        host,
        inject: `systemctl stop ${quote(unit)}`,
        restore: `systemctl start ${quote(unit)}`,
        restored: `systemctl is-active --quiet ${quote(unit)}`,
        describe: `stop ${unit} on ${host} (${facts.roles[host]}); the health checks should take it out and the others answer`,
        movesVip: false,
      };
    }
    case "haproxy-stop": {
      const members = facts.vrrp.flatMap((g) => g.members.map((m) => m.host));
      const candidates = hosts.filter((h) => /haproxy/i.test(facts.roles[h]) || (/haproxy/i.test(facts.stack) && members.includes(h)));
      if (candidates.length === 0)
        throw new Error(`stack ${facts.stack} has no HAProxy host (no role mentions HAProxy): haproxy-stop needs one`);
      const holders = status.vipHolders.filter((h) => candidates.includes(h));
      if (holders.length === 0)
        throw new Error(`stack ${facts.stack}: no HAProxy host (${candidates.join(", ")}) holds the VIP ${facts.vip} now`);
      if (holders.length > 1)
        throw new Error(`stack ${facts.stack}: ${holders.join(" and ")} all hold the VIP ${facts.vip} (split brain); fix that first`);
      const host = holders[0];
      const group = facts.vrrp.find((g) => g.members.some((m) => m.host === host));
      return {
        fault,
        host,
        inject: "systemctl stop haproxy",
        restore: "systemctl start haproxy",
        restored: "systemctl is-active --quiet haproxy",
        describe: group
          ? `stop haproxy on ${host}, which holds ${facts.vip}; keepalived's check should move the VIP to ${others(group, host)}`
          : `stop haproxy on ${host}, which holds ${facts.vip} (no VRRP group: the VIP stays)`,
        // The VIP moves only where keepalived tracks HAProxy (a VRRP member).
        movesVip: group !== undefined,
      };
    }
  }
  throw unknownFault(String(fault));
}

/**
 * The check that clients are served again after a drill: three requests in a row answered (2xx/3xx) from the
 * client. A healed partition can leave the client's ARP entry on the former BACKUP's MAC; until it is
 * refreshed, the VIP holder looks right and yet no request arrives.
 */
export function servedCommand(url: string): string {
  if (!/^https?:\/\/\S+$/.test(url)) throw new Error(`the URL must be http(s)://... without spaces; got ${JSON.stringify(url)}`);
  const u = quote(notOption(url, "the URL"));
  return `for i in 1 2 3; do c=$(curl -s -o /dev/null --noproxy '*' -m 2 -w '%{http_code}' ${u}) || exit 1; case "$c" in 2??|3??) ;; *) exit 1;; esac; done`;
}

export interface RequestLoopOptions {
  url: string;
  /** Requests per second (the pace; > 0). */
  rps: number;
  durationSeconds: number;
  /** curl's -m: the longest one request may take. */
  timeoutSeconds: number;
  /** The loop stops before its next request once this file exists. */
  stopFile: string;
}

/**
 * The request loop, one bash command line for the client host: at most
 * rps*durationSeconds requests, request i starting at t0 + i/rps (at once
 * when late), one `curl -s -m timeoutSeconds` each, one line printed per
 * request: `<start> <end> <ok|fail> <http code> <first line of the body>`
 * (epoch seconds, from bash's EPOCHREALTIME; a failure prints `curl exit N` or
 * `HTTP N` in place of the body). A request is ok when curl exits 0 with an
 * HTTP status 2xx or 3xx. Each request starts on its own schedule (t0 +
 * i/rps) in the background, as independent clients would: a slow or timed-out
 * request never delays the next one, so the stream keeps its pace through a
 * failover (the lines may come out of order; parseRequestLog sorts them). The
 * loop stops starting requests at t0 + durationSeconds (those under way then
 * finish, at most timeoutSeconds later) or when
 * `stopFile` exists; so it ends by itself when the SSH session that started
 * it dies. The caller removes `stopFile` before. Needs bash 5, coreutils and
 * curl; requests bypass any proxy set in the environment (the drill measures
 * the path to the VIP).
 */
export function requestLoopCommand(o: RequestLoopOptions): string {
  const positive = (n: number, what: string) => {
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number; got ${n}`);
    return n;
  };
  positive(o.rps, "rps");
  positive(o.durationSeconds, "durationSeconds");
  positive(o.timeoutSeconds, "timeoutSeconds");
  if (!/^https?:\/\/\S+$/.test(o.url)) throw new Error(`the URL must be http(s)://... without spaces; got ${JSON.stringify(o.url)}`);
  if (o.stopFile === "") throw new Error("the stop file must be a path");
  const periodUs = Math.max(1, Math.round(1e6 / o.rps));
  const durationUs = Math.round(o.durationSeconds * 1e6);
  const count = Math.max(1, Math.floor(o.rps * o.durationSeconds + 1e-9));
  // curl's -m takes a decimal number of seconds (not 1e-7).
  const timeout = Math.max(0.001, Number(o.timeoutSeconds.toFixed(3)));
  // Clocks from bash's EPOCHREALTIME (no process per reading); a request is one background subshell and one curl.
  const script = [
    "export LC_ALL=C",
    `command -v curl >/dev/null || { echo "curl is not installed on $(hostname)" >&2; exit 127; }`,
    `[ -n "\${EPOCHREALTIME:-}" ] || { echo "bash 5 or later is needed on $(hostname) (EPOCHREALTIME)" >&2; exit 127; }`,
    `url=${quote(notOption(o.url, "the URL"))}; stop=${quote(o.stopFile)}; n=${count}; period=${periodUs}; nl=$'\\n'; cr=$'\\r'`,
    `us() { local t=$EPOCHREALTIME; REPLY=$(( \${t%.*} * 1000000 + 10#\${t#*.} )); }`,
    `request() {`,
    `  local s=$EPOCHREALTIME r rc e code body first`,
    `  r=$(curl -s --noproxy '*' -m ${timeout} -w "$nl%{http_code}" "$url" 2>/dev/null); rc=$?`,
    `  e=$EPOCHREALTIME`,
    `  case "$r" in *"$nl"*) code=\${r##*"$nl"}; body=\${r%"$nl"*};; *) code=000; body=;; esac`,
    `  first=\${body%%"$nl"*}; first=\${first%"$cr"}`,
    `  if [ "$rc" -ne 0 ]; then printf '%s %s fail %s curl exit %s\\n' "$s" "$e" "\${code:-000}" "$rc"`,
    `  else case "$code" in 2??|3??) printf '%s %s ok %s %s\\n' "$s" "$e" "$code" "$first";; *) printf '%s %s fail %s HTTP %s\\n' "$s" "$e" "$code" "$code";; esac; fi`,
    `}`,
    `us; t0=$REPLY; deadline=$((t0 + ${durationUs})); i=0`,
    `while [ "$i" -lt "$n" ] && [ ! -e "$stop" ]; do`,
    `  us; now=$REPLY; [ "$now" -ge "$deadline" ] && break`,
    `  at=$((t0 + i * period))`,
    `  if [ "$at" -gt "$now" ]; then d=$((at - now)); printf -v frac %06d $((d % 1000000)); sleep "$((d / 1000000)).$frac"; fi`,
    `  request &`,
    `  i=$((i + 1))`,
    `done`,
    `wait`,
    `exit 0`,
  ].join("\n");
  return `bash -c ${quote(script)}`;
}

export interface RequestRecord {
  /** Epoch seconds (client clock). */
  start: number;
  end: number;
  ok: boolean;
  /** The HTTP status ("000" when there was no answer). */
  code: string;
  /** The first line of the body ("this is nginx1"), "" on failure. */
  answer: string;
  /** For a failure, why: "curl exit 28" (timeout), "curl exit 7" (refused), "HTTP 503". */
  detail?: string;
}

const LINE = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (ok|fail) (\S+)(?: (.*))?$/;

/** The loop's output, one record per line; lines of another form (a partial last line, a banner) are skipped. */
export function parseRequestLog(text: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const raw of text.split("\n")) {
    const m = LINE.exec(raw.replace(/\r$/, ""));
    if (!m) continue;
    const ok = m[3] === "ok";
    const rest = m[5] ?? "";
    out.push({ start: Number(m[1]), end: Number(m[2]), ok, code: m[4], answer: ok ? rest : "", ...(ok ? {} : { detail: rest }) });
  }
  return out.sort((x, y) => x.start - y.start);
}

export interface DrillEvents {
  /** Client clock, epoch seconds: the loop was started. */
  start: number;
  /** The inject command returned. */
  faultAt: number;
  /** The restore command returned and the host said it was restored. */
  restoredAt: number;
  /** The loop ended. */
  end: number;
  /** The first poll that saw the VIP on a host that did not hold it before. */
  vipMovedAt?: number;
  /** The first poll after the restore that saw the VIP on its holders before the drill. */
  vipBackAt?: number;
}

export interface PhaseCounts {
  before: number;
  during: number;
  after: number;
}

export interface DrillFigures {
  requests: number;
  answered: number;
  failed: number;
  /** The longest time between two answered requests' ends inside [start, end], also start -> first answer and last answer -> end. */
  longestGapSeconds: number;
  /** vipMovedAt - faultAt, when the VIP was seen moving. */
  vipMoveSeconds?: number;
  /** vipBackAt - restoredAt, when the VIP was seen back on its holders. */
  vipBackSeconds?: number;
  /**
   * The measured MTTR: from the fault to the end of the first answered request after the last failure that began
   * after the fault; 0 when no request failed after the fault. When the failures never stopped (no answer after
   * the last failure), measured to the drill's end and `recovered` is false: a lower bound.
   */
  recoverySeconds: number;
  /** False when no request was answered after the last failure (recoverySeconds is then a lower bound). */
  recovered: boolean;
  /** answered / requests, over the drill window. */
  availability: number;
  /** Answers per answer text (real server), by the request's start: before the fault, during it (fault..restore), after. */
  byServer: { answer: string; before: number; during: number; after: number }[];
  /** Failed requests in the same phases. */
  failures: PhaseCounts;
}

function phase(t: number, ev: DrillEvents): keyof PhaseCounts {
  return t < ev.faultAt ? "before" : t < ev.restoredAt ? "during" : "after";
}

/** The drill's figures from its requests and events. Throws on no request (nothing to measure) or events out of order. */
/** How long answers must keep coming, unbroken, for traffic to count as flowing again. */
export const STEADY_S = 1;

export function analyzeDrill(requests: RequestRecord[], ev: DrillEvents): DrillFigures {
  const times: [string, number | undefined][] = [
    ["start", ev.start],
    ["faultAt", ev.faultAt],
    ["restoredAt", ev.restoredAt],
    ["end", ev.end],
    ["vipMovedAt", ev.vipMovedAt],
    ["vipBackAt", ev.vipBackAt],
  ];
  for (const [k, v] of times) if (v !== undefined && !Number.isFinite(v)) throw new Error(`the drill's ${k} is not a time: ${v}`);
  if (!(ev.start <= ev.faultAt && ev.faultAt <= ev.restoredAt && ev.restoredAt <= ev.end))
    throw new Error(
      `the drill's events are out of order: start ${ev.start}, fault ${ev.faultAt}, restored ${ev.restoredAt}, end ${ev.end}`,
    );
  if (requests.length === 0)
    throw new Error(
      "the drill has no request to measure: the request loop printed no line (is curl on the client host? does the client reach the URL?)",
    );

  const answered = requests.filter((r) => r.ok);
  const ends = answered
    .map((r) => r.end)
    .filter((t) => t >= ev.start && t <= ev.end)
    .sort((a, b) => a - b);
  const points = [ev.start, ...ends, ev.end];
  let longestGapSeconds = 0;
  for (let i = 1; i < points.length; i++) longestGapSeconds = Math.max(longestGapSeconds, points[i] - points[i - 1]);

  const byStart = [...requests].sort((a, b) => a.start - b.start);
  // Recovery: from the fault to the end of the first answer after the fault's first failure that opens a
  // steady second (every request started in the STEADY_S after it answered, to the end of the drill at most).
  // A failure later on (an overloaded client, the VIP moving back) counts in the availability, not here.
  const firstFailure = byStart.find((r) => !r.ok && r.start >= ev.faultAt);
  let recoverySeconds = 0;
  let recovered = true;
  if (firstFailure) {
    // nextFailure[i]: the start of the first failed request after the i-th (by start), Infinity when none.
    const nextFailure = new Array<number>(byStart.length);
    let next = Infinity;
    for (let i = byStart.length - 1; i >= 0; i--) {
      nextFailure[i] = next;
      if (!byStart[i].ok) next = byStart[i].start;
    }
    const steady = byStart.find((r, i) => r.ok && r.start > firstFailure.start && nextFailure[i] > r.start + STEADY_S);
    recovered = steady !== undefined;
    recoverySeconds = (steady ? steady.end : ev.end) - ev.faultAt;
  }

  const counts = new Map<string, PhaseCounts>();
  const failures: PhaseCounts = { before: 0, during: 0, after: 0 };
  for (const r of requests) {
    const p = phase(r.start, ev);
    if (!r.ok) {
      failures[p]++;
      continue;
    }
    let c = counts.get(r.answer);
    if (!c) counts.set(r.answer, (c = { before: 0, during: 0, after: 0 }));
    c[p]++;
  }
  return {
    requests: requests.length,
    answered: answered.length,
    failed: requests.length - answered.length,
    longestGapSeconds,
    ...(ev.vipMovedAt !== undefined ? { vipMoveSeconds: ev.vipMovedAt - ev.faultAt } : {}),
    ...(ev.vipBackAt !== undefined ? { vipBackSeconds: ev.vipBackAt - ev.restoredAt } : {}),
    recoverySeconds,
    recovered,
    availability: answered.length / requests.length,
    byServer: [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([answer, c]) => ({ answer, ...c })),
    failures,
  };
}

export interface DrillResult {
  stack: string;
  fault: DrillFault;
  host: string;
  describe: string;
  rps: number;
  durationSeconds: number;
  events: DrillEvents;
  figures: DrillFigures;
  requests: RequestRecord[];
}

/** Text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd");
}

const secs = (s: number) => `${s.toFixed(2)} s`;
const percent = (a: number) => `${(a * 100).toFixed(3)} %`;
/** An answer's label: the empty body shows as such. */
const answerLabel = (a: string) => (a === "" ? "(empty body)" : a);

/** A tick step of 1, 2 or 5 times a power of ten (or 15, 30 s, minutes) giving at most ~10 ticks over `span` seconds. */
function tickStep(span: number): number {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  return steps.find((s) => span / s <= 10) ?? Math.ceil(span / 10 / 3600) * 3600;
}

const LANE_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
const FAIL_COLOR = "#d62728";

/**
 * The drill as an SVG timeline (self-contained, 900 wide): one lane per
 * answer (real server) and a red "failed" lane, a dot per request at its
 * start, the fault and the restore (and the VIP's move) as marked vertical
 * lines, seconds from the start on the x axis; every label is a <text>.
 */
export function timelineSvg(r: DrillResult): string {
  const ev = r.events;
  const f = r.figures;
  const answers = [...new Set([...f.byServer.map((b) => b.answer), ...r.requests.filter((q) => q.ok).map((q) => q.answer)])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const lanes = [
    ...answers.map((a, i) => ({ label: answerLabel(a), color: LANE_COLORS[i % LANE_COLORS.length] })),
    { label: "failed", color: FAIL_COLOR },
  ];
  const W = 900;
  const left = 170;
  const right = 30;
  const top = 100;
  const laneH = 30;
  const plotH = lanes.length * laneH;
  const axisY = top + plotH;
  const H = axisY + 88;
  const span = r.requests.reduce((m, q) => Math.max(m, q.start - ev.start), Math.max(1e-6, ev.end - ev.start));
  const x = (t: number) => left + (Math.min(Math.max(t - ev.start, 0), span) / span) * (W - left - right);
  const laneY = (i: number) => top + i * laneH + laneH / 2;
  const n = (v: number) => v.toFixed(1);
  const out: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = "") =>
    `<text x="${n(tx)}" y="${n(ty)}"${attrs ? ` ${attrs}` : ""}>${xmlEscape(s)}</text>`;

  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
  );
  out.push(`<title>${xmlEscape(`drill ${r.fault} on ${r.host} (stack ${r.stack})`)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(text(left, 24, `Drill on stack ${r.stack}: ${r.fault} on ${r.host}`, `font-size="16" font-weight="bold" class="title"`));
  out.push(
    text(
      left,
      44,
      `${f.answered}/${f.requests} answered, ${f.failed} failed, longest gap ${secs(f.longestGapSeconds)}, ` +
        `recovery ${secs(f.recoverySeconds)}${f.recovered ? "" : " (not recovered)"}, availability ${percent(f.availability)}`,
      `class="summary" fill="#333333"`,
    ),
  );

  // The fault window, shaded, under everything else.
  out.push(
    `<rect x="${n(x(ev.faultAt))}" y="${top}" width="${n(Math.max(0, x(ev.restoredAt) - x(ev.faultAt)))}" height="${plotH}" fill="#fde0dd" class="fault-window"/>`,
  );
  // Lanes with their labels.
  lanes.forEach((l, i) => {
    out.push(`<line x1="${left}" y1="${n(laneY(i))}" x2="${W - right}" y2="${n(laneY(i))}" stroke="#dddddd"/>`);
    const label = l.label.length > 26 ? `${l.label.slice(0, 25)}…` : l.label;
    out.push(text(left - 8, laneY(i) + 4, label, `text-anchor="end" fill="${l.color}" class="lane"`));
  });
  // Axis with ticks.
  out.push(`<line x1="${left}" y1="${axisY}" x2="${W - right}" y2="${axisY}" stroke="#333333"/>`);
  const step = tickStep(span);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const tx = x(ev.start + t);
    out.push(`<line x1="${n(tx)}" y1="${axisY}" x2="${n(tx)}" y2="${axisY + 5}" stroke="#333333"/>`);
    out.push(text(tx, axisY + 18, `${Number(t.toFixed(1))}`, `text-anchor="middle" class="tick"`));
  }
  out.push(text(left + (W - left - right) / 2, axisY + 36, "seconds from the start", `text-anchor="middle" class="axis-label"`));
  // A dot per request; requests at the same point of a lane (a tenth of a pixel) are drawn once. Dots shrink
  // when the requests are closer than a dot (a steady stream then shows as a band, a gap as a gap).
  const perLane = r.requests.length / lanes.length;
  const radius = (W - left - right) / Math.max(1, perLane) >= 6 ? 3 : 2;
  const laneOf = new Map(answers.map((a, i) => [a, i]));
  const drawn = new Set<string>();
  for (const q of r.requests) {
    const i = q.ok ? (laneOf.get(q.answer) ?? 0) : lanes.length - 1;
    const dot = `<circle cx="${n(x(q.start))}" cy="${n(laneY(i))}" r="${radius}" fill="${lanes[i].color}" class="request ${q.ok ? "ok" : "failed"}"/>`;
    if (drawn.has(dot)) continue;
    drawn.add(dot);
    out.push(dot);
  }
  // Events.
  const marks: { t: number; label: string; color: string; dash: string }[] = [
    { t: ev.faultAt, label: "fault", color: FAIL_COLOR, dash: "" },
    { t: ev.restoredAt, label: "restore", color: "#2ca02c", dash: "" },
  ];
  if (ev.vipMovedAt !== undefined) marks.push({ t: ev.vipMovedAt, label: "VIP moved", color: "#ff7f0e", dash: ` stroke-dasharray="5,3"` });
  if (ev.vipBackAt !== undefined) marks.push({ t: ev.vipBackAt, label: "VIP back", color: "#ff7f0e", dash: ` stroke-dasharray="2,3"` });
  // Each label on the lowest of three rows above the plot where it overlaps no other (about 6.5 px a character).
  // The labels come after every line, with a white halo, so that a line crossing a label leaves it legible.
  const rowEnds: number[] = [];
  const labels: string[] = [];
  for (const m of [...marks].sort((a, b) => a.t - b.t)) {
    const mx = x(m.t);
    const width = m.label.length * 6.5;
    // Near the right edge the label goes left of its line, so that it is not cut off.
    const flip = mx + 4 + width > W - 4;
    const from = flip ? mx - 4 - width : mx;
    let row = rowEnds.findIndex((end) => end < from);
    if (row < 0) row = rowEnds.length < 3 ? rowEnds.length : 2;
    rowEnds[row] = flip ? mx + 2 : mx + 6 + width;
    const ty = top - 8 - row * 14;
    out.push(
      `<line x1="${n(mx)}" y1="${ty - 10}" x2="${n(mx)}" y2="${axisY}" stroke="${m.color}" stroke-width="2"${m.dash} class="event-line"/>`,
    );
    labels.push(
      text(
        flip ? mx - 4 : mx + 4,
        ty,
        m.label,
        `${flip ? 'text-anchor="end" ' : ""}fill="${m.color}" stroke="#ffffff" stroke-width="3" paint-order="stroke" class="event"`,
      ),
    );
  }
  out.push(...labels);
  // Legend.
  const ly = H - 22;
  let lx = left;
  const legend: [string, string][] = [
    ["answered", LANE_COLORS[0]],
    ["failed", FAIL_COLOR],
  ];
  for (const [label, color] of legend) {
    out.push(`<circle cx="${lx}" cy="${ly - 4}" r="4" fill="${color}"/>`);
    out.push(text(lx + 8, ly, label, `class="legend"`));
    lx += 90;
  }
  for (const m of marks) {
    out.push(`<line x1="${lx}" y1="${ly - 10}" x2="${lx}" y2="${ly + 2}" stroke="${m.color}" stroke-width="2"${m.dash}/>`);
    out.push(text(lx + 6, ly, m.label, `class="legend"`));
    lx += 100;
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** A table cell: no pipe or line break breaks the table. */
const cell = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** The report: a heading, the figures, the answers per real server, the timeline. */
export function drillMarkdown(r: DrillResult, svgFile: string): string {
  const f = r.figures;
  const ev = r.events;
  const rel = (t: number) => `+${(t - ev.start).toFixed(1)} s`;
  const lines: string[] = [];
  lines.push(`# Drill: ${r.fault} on ${r.host} (stack ${r.stack})`, "");
  lines.push(
    `${r.rps} requests per second for ${r.durationSeconds} s through the VIP; the fault at ${rel(ev.faultAt)}, restored at ${rel(
      ev.restoredAt,
    )} (${(ev.restoredAt - ev.faultAt).toFixed(1)} s later).`,
    "",
  );
  const vipMoved =
    f.vipMoveSeconds !== undefined ? secs(f.vipMoveSeconds) : "not seen (this fault does not move it, or no poll saw it move)";
  lines.push("| figure | value |", "| --- | --- |");
  const rows: [string, string][] = [
    ["what was done", r.describe],
    ["answered / failed", `${f.answered} / ${f.failed} of ${f.requests}`],
    ["longest gap", secs(f.longestGapSeconds)],
    ["VIP moved after", vipMoved],
    ...(f.vipBackSeconds !== undefined ? ([["VIP back after the restore", secs(f.vipBackSeconds)]] as [string, string][]) : []),
    [
      "traffic flowed again after (MTTR)",
      f.recovered ? secs(f.recoverySeconds) : `not within the drill (more than ${secs(f.recoverySeconds)})`,
    ],
    ["availability over the drill", percent(f.availability)],
  ];
  for (const [k, v] of rows) lines.push(`| ${cell(k)} | ${cell(v)} |`);
  lines.push("", "## Answers per real server", "");
  lines.push("| answer | before the fault | during the fault | after the restore |", "| --- | ---: | ---: | ---: |");
  for (const b of f.byServer) lines.push(`| ${cell(answerLabel(b.answer))} | ${b.before} | ${b.during} | ${b.after} |`);
  lines.push(`| failed | ${f.failures.before} | ${f.failures.during} | ${f.failures.after} |`);
  const target = /[\s()<>]/.test(svgFile) ? `<${svgFile.replace(/[<>]/g, encodeURIComponent)}>` : svgFile;
  lines.push("", `![timeline](${target})`, "");
  return lines.join("\n");
}

/** The ranges parseDrillArgs accepts. */
export const DRILL_LIMITS = {
  rps: { min: 1, max: 100, default: 10 },
  durationSeconds: { min: 10, max: 3600, default: 60 },
} as const;

export const DRILL_USAGE =
  `usage: npm run drill -- <stack> [--fault ${DRILL_FAULTS.join("|")}] ` +
  `[--requests-per-second ${DRILL_LIMITS.rps.min}..${DRILL_LIMITS.rps.max} (default ${DRILL_LIMITS.rps.default})] ` +
  `[--duration ${DRILL_LIMITS.durationSeconds.min}..${DRILL_LIMITS.durationSeconds.max} seconds (default ${DRILL_LIMITS.durationSeconds.default})] ` +
  `[--yes] [--out DIR] [--client HOST] [--real-server HOST] [--unit UNIT]\n` +
  `faults (default master-stop):\n${DRILL_FAULTS.map((f) => `  ${f.padEnd(16)} ${FAULTS[f]}`).join("\n")}`;

export interface DrillArgs {
  stack: string;
  fault: DrillFault;
  rps: number;
  durationSeconds: number;
  yes: boolean;
  out?: string;
  client?: string;
  realServer?: string;
  /** realserver-stop's unit (default nginx). */
  unit?: string;
}

/** `npm run drill`'s arguments; a usage error names the faults and the ranges. */
export function parseDrillArgs(args: string[]): DrillArgs {
  const usage = (problem: string) => new Error(`${problem}\n${DRILL_USAGE}`);
  const valued = ["--fault", "--requests-per-second", "--rps", "--duration", "--out", "--client", "--real-server", "--unit"];
  const values = new Map<string, string>();
  const positional: string[] = [];
  let yes = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--yes" || a === "-y") {
      yes = true;
      continue;
    }
    if (a === "--help" || a === "-h") throw usage("help:");
    if (a.startsWith("-")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (!valued.includes(name)) throw usage(`unknown option ${JSON.stringify(name)}`);
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === "" || (eq < 0 && v.startsWith("-"))) throw usage(`${name} needs a value`);
      const key = name === "--rps" ? "--requests-per-second" : name;
      if (values.has(key)) throw usage(`${name} given twice`);
      values.set(key, v);
      continue;
    }
    positional.push(a);
  }
  if (positional.length === 0) throw usage("name the stack to drill");
  if (positional.length > 1) throw usage(`one stack only; got ${positional.map((p) => JSON.stringify(p)).join(", ")}`);
  const fault = values.get("--fault") ?? "master-stop";
  if (!isFault(fault)) throw usage(`unknown fault ${JSON.stringify(fault)}: the faults are ${DRILL_FAULTS.join(", ")}`);
  const int = (key: string, what: string, lim: { min: number; max: number; default: number }) => {
    const v = values.get(key);
    if (v === undefined) return lim.default;
    const x = Number(v);
    if (!/^\d+$/.test(v) || x < lim.min || x > lim.max)
      throw usage(`${what} must be a whole number ${lim.min}..${lim.max}; got ${JSON.stringify(v)}`);
    return x;
  };
  const rps = int("--requests-per-second", "--requests-per-second", DRILL_LIMITS.rps);
  const durationSeconds = int("--duration", "--duration (seconds)", DRILL_LIMITS.durationSeconds);
  const opt = (key: string) => values.get(key);
  return {
    stack: positional[0],
    fault,
    rps,
    durationSeconds,
    yes,
    ...(opt("--out") !== undefined ? { out: opt("--out") } : {}),
    ...(opt("--client") !== undefined ? { client: opt("--client") } : {}),
    ...(opt("--real-server") !== undefined ? { realServer: opt("--real-server") } : {}),
    ...(opt("--unit") !== undefined ? { unit: opt("--unit") } : {}),
  };
}
