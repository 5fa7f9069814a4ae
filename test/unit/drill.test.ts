// `npm run drill`'s pure core (scripts/review/drillCore.ts): each fault's
// commands from a stack's facts and status, run for real under sh against
// stand-ins of systemctl, ip, iptables and systemd-run that keep state (so
// inject, restore, restored, a second restore and link-cut's safety net are
// checked by their effect, not by their text); the request loop run for real
// with bash and curl against a local HTTP server; the parse of its output;
// the figures (examples, edge cases and properties with fast-check); the SVG
// timeline and the Markdown report; the command-line arguments.
import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  analyzeDrill,
  DRILL_CHAIN,
  DRILL_FAULTS,
  DrillEvents,
  DrillFault,
  DrillResult,
  drillMarkdown,
  FAULTS,
  faultPlan,
  HEAL_UNIT,
  parseDrillArgs,
  parseRequestLog,
  RequestRecord,
  requestLoopCommand,
  servedCommand,
  STEADY_S,
  timelineSvg,
  xmlEscape,
} from "../../scripts/review/drillCore";
import { ClusterStatus, clusterStatus, HostReading, StackFacts } from "../../scripts/review/statusCore";

const VIP = "192.168.118.100";

const DR_FACTS: StackFacts = {
  stack: "dr-keepalived",
  vip: VIP,
  roles: {
    director1: "director, keepalived MASTER 120",
    director2: "director, keepalived BACKUP 100",
    rs1: "real server (VIP on lo:0)",
    rs2: "real server (VIP on lo:0)",
    client: "client",
  },
  vrrp: [
    {
      vip: VIP,
      virtualRouterId: 51,
      interface: "ens33",
      members: [
        { host: "director1", address: "192.168.118.10", state: "MASTER", priority: 120 },
        { host: "director2", address: "192.168.118.11", state: "BACKUP", priority: 100 },
      ],
      virtualServers: [{ address: VIP, port: 80, realServers: [] }],
    },
  ],
};

const HAPROXY_FACTS: StackFacts = {
  stack: "haproxy",
  vip: VIP,
  roles: {
    haproxy1: "HAProxy, keepalived MASTER 120",
    haproxy2: "HAProxy, keepalived BACKUP 100",
    rs1: "web server, weight 2",
    rs2: "web server, weight 3",
  },
  vrrp: [
    {
      vip: VIP,
      virtualRouterId: 52,
      interface: "ens33",
      members: [
        { host: "haproxy1", address: "192.168.118.20", state: "MASTER", priority: 120 },
        { host: "haproxy2", address: "192.168.118.21", state: "BACKUP", priority: 100 },
      ],
      virtualServers: [],
    },
  ],
};

/** A host's reading: its ens33 addresses (the VIP among them when it holds it), its active daemons. */
function reading(host: string, addresses: string[], active: string[] = [], error?: string): HostReading {
  return {
    host,
    addresses: error ? {} : { ens33: addresses, lo: ["127.0.0.1"] },
    active,
    services: [],
    haproxy: [],
    ...(error ? { error } : {}),
  };
}

/** The status of `facts` with `holders` holding the VIP; `down` hosts unreachable. */
function statusOf(facts: StackFacts, holders: string[], down: string[] = []): ClusterStatus {
  const readings = Object.keys(facts.roles).map((h, i) =>
    down.includes(h)
      ? reading(h, [], [], "connect ETIMEDOUT")
      : reading(h, [`192.168.118.${30 + i}`, ...(holders.includes(h) ? [facts.vip] : [])], ["keepalived", "haproxy", "nginx"]),
  );
  return clusterStatus(facts, readings);
}

// ---------------------------------------------------------------------------------------------------------------
// Stand-ins with state for the commands the faults run, under sh (dash), as the SSH transport runs them.

const STANDINS: Record<string, string> = {
  // Units are active while $S/active-<unit> exists.
  systemctl: `#!/bin/bash
echo "systemctl $*" >> "$S/log"
case $1 in
  is-active) shift; [ "$1" = --quiet ] && shift; [ -e "$S/active-$1" ];;
  start) touch "$S/active-$2";;
  stop) for u in "\${@:2}"; do rm -f "$S/active-$u"; done;;
  kill) rm -f "$S/active-$3";;
  reset-failed) exit 0;;
  *) exit 3;;
esac`,
  // Keeps the timer's command line in $S/heal; the test runs it as the timer would.
  "systemd-run": `#!/bin/bash
echo "systemd-run $*" >> "$S/log"
unit=
while [ $# -gt 0 ]; do case $1 in --unit=*) unit=\${1#--unit=}; shift;; --*) shift;; *) break;; esac; done
[ -e "$S/active-$unit.timer" ] && { echo "Unit $unit.timer already exists" >&2; exit 1; }
[ "$1" = /bin/sh ] && [ "$2" = -c ] || exit 4
printf '%s' "$3" > "$S/heal"; touch "$S/active-$unit.timer"`,
  // ip -o addr show dev I prints $S/addrs; ip addr del A dev I deletes A's line.
  ip: `#!/bin/bash
echo "ip $*" >> "$S/log"
if [ "$1" = -o ] && [ "$2" = addr ] && [ "$3" = show ]; then cat "$S/addrs"; exit 0; fi
if [ "$1" = addr ] && [ "$2" = del ]; then
  grep -q " inet $3 " "$S/addrs" || { echo "RTNETLINK answers: Cannot assign requested address" >&2; exit 2; }
  grep -v " inet $3 " "$S/addrs" > "$S/t"; mv "$S/t" "$S/addrs"; exit 0
fi
exit 5`,
  // Chains in $S/chains (INPUT and OUTPUT built in), rules as "<chain> <spec>" lines in $S/rules.
  iptables: `#!/bin/bash
echo "iptables $*" >> "$S/log"
touch "$S/chains" "$S/rules"
[ "$1" = -w ] && shift 2
op=$1; c=$2; shift 2
exists() { [ "$1" = INPUT ] || [ "$1" = OUTPUT ] || grep -qxF -- "$1" "$S/chains"; }
case $op in
  -N) exists "$c" && { echo "iptables: Chain already exists." >&2; exit 1; }; echo "$c" >> "$S/chains";;
  -F) exists "$c" || exit 1; grep -v "^$c " "$S/rules" > "$S/t"; mv "$S/t" "$S/rules";;
  -X) exists "$c" || exit 1; grep -q -- "-j $c\$" "$S/rules" && { echo "iptables: Too many links." >&2; exit 1; }
      grep -q "^$c " "$S/rules" && exit 1; grep -vxF -- "$c" "$S/chains" > "$S/t"; mv "$S/t" "$S/chains";;
  -A) exists "$c" || exit 1; echo "$c $*" >> "$S/rules";;
  -I) exists "$c" || exit 1; shift; { echo "$c $*"; cat "$S/rules"; } > "$S/t"; mv "$S/t" "$S/rules";;
  -C) grep -qxF -- "$c $*" "$S/rules";;
  -D) line="$c $*"; grep -qxF -- "$line" "$S/rules" || exit 1
      done=0; : > "$S/t"
      while IFS= read -r l; do if [ $done = 0 ] && [ "$l" = "$line" ]; then done=1; else echo "$l" >> "$S/t"; fi; done < "$S/rules"
      mv "$S/t" "$S/rules";;
  -S) exists "$c" || { echo "iptables: No chain/target/match by that name." >&2; exit 1; }; grep "^$c " "$S/rules"; exit 0;;
  *) exit 2;;
esac`,
};

interface Sandbox {
  dir: string;
  /** Runs a command line under sh with the stand-ins first on PATH; never throws. */
  sh(line: string): { code: number; out: string };
  read(file: string): string;
  log(): string[];
  active(unit: string): boolean;
}

function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-test-"));
  const bin = path.join(dir, "bin");
  const state = path.join(dir, "state");
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  for (const [name, body] of Object.entries(STANDINS)) fs.writeFileSync(path.join(bin, name), body + "\n", { mode: 0o755 });
  for (const f of ["log", "chains", "rules", "addrs"]) fs.writeFileSync(path.join(state, f), "");
  const read = (f: string) => (fs.existsSync(path.join(state, f)) ? fs.readFileSync(path.join(state, f), "utf8") : "");
  return {
    dir,
    sh(line) {
      try {
        const out = execFileSync("sh", ["-c", line], { env: { PATH: `${bin}:/usr/bin:/bin`, S: state }, encoding: "utf8", stdio: "pipe" });
        return { code: 0, out };
      } catch (err) {
        const e = err as { status?: number; stdout?: string };
        return { code: e.status ?? -1, out: e.stdout ?? "" };
      }
    },
    read,
    log: () => read("log").split("\n").filter(Boolean),
    active: (unit) => fs.existsSync(path.join(state, `active-${unit}`)),
  };
}

const ADDRS = [
  `2: ens33    inet 192.168.118.10/24 brd 192.168.118.255 scope global ens33\\       valid_lft forever preferred_lft forever`,
  `2: ens33    inet 192.168.118.1000/24 scope global secondary ens33\\       valid_lft forever preferred_lft forever`,
  `2: ens33    inet ${VIP}/32 scope global ens33:0\\       valid_lft forever preferred_lft forever`,
  `2: ens33    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever`,
].join("\n");

describe("drill: faultPlan", () => {
  const dr = statusOf(DR_FACTS, ["director1"]);

  it("master-stop stops keepalived on the member holding the VIP (also when that is the declared BACKUP)", () => {
    const p = faultPlan("master-stop", DR_FACTS, dr);
    assert.equal(p.host, "director1");
    assert.equal(p.inject, "systemctl stop keepalived");
    assert.equal(p.restore, "systemctl start keepalived");
    assert.equal(p.restored, "systemctl is-active --quiet keepalived");
    assert.equal(p.movesVip, true);
    assert.match(p.describe, /director1.*192\.168\.118\.100.*director2/);
    const after = faultPlan("master-stop", DR_FACTS, statusOf(DR_FACTS, ["director2"]));
    assert.equal(after.host, "director2");
    assert.match(after.describe, /declared BACKUP/);
  });

  it("the VRRP faults refuse a stack without a VRRP group, nobody holding the VIP, or two holders, naming the stack", () => {
    const noVrrp: StackFacts = { ...DR_FACTS, stack: "dr", vrrp: [] };
    for (const f of ["master-stop", "master-kill", "link-cut"] as const) {
      assert.throws(
        () => faultPlan(f, noVrrp, statusOf(noVrrp, ["director1"])),
        (e: Error) => /stack dr has no VRRP group/.test(e.message) && e.message.includes(f),
      );
      assert.throws(() => faultPlan(f, DR_FACTS, statusOf(DR_FACTS, [])), /stack dr-keepalived: no member .* holds the VIP now/);
      assert.throws(
        () => faultPlan(f, DR_FACTS, statusOf(DR_FACTS, ["director1", "director2"])),
        /stack dr-keepalived: director1 and director2 all hold/,
      );
    }
  });

  it("an unknown fault is refused naming the allowed ones", () => {
    assert.throws(
      () => faultPlan("reboot" as DrillFault, DR_FACTS, dr),
      (e: Error) => e.message.includes('"reboot"') && DRILL_FAULTS.every((f) => e.message.includes(f)),
    );
  });

  it("master-kill: SIGKILL to the whole unit; the restore drops the stale VIP, then starts keepalived; a second restore does nothing", () => {
    const p = faultPlan("master-kill", DR_FACTS, dr);
    assert.equal(p.host, "director1");
    assert.equal(p.inject, "systemctl kill --signal=KILL keepalived");
    assert.equal(p.movesVip, true);
    const s = sandbox();
    fs.writeFileSync(path.join(s.dir, "state", "addrs"), ADDRS + "\n");
    s.sh("systemctl start keepalived");
    assert.equal(s.sh(p.inject).code, 0);
    assert.equal(s.active("keepalived"), false);
    assert.notEqual(s.sh(p.restored).code, 0, "restored must fail while keepalived is dead");
    assert.match(s.read("addrs"), /inet 192\.168\.118\.100\/32/, "the kill leaves the VIP, as a crash does");

    assert.equal(s.sh(p.restore).code, 0);
    assert.equal(s.active("keepalived"), true);
    assert.doesNotMatch(s.read("addrs"), /inet 192\.168\.118\.100\//, "the stale VIP is gone");
    assert.match(s.read("addrs"), /inet 192\.168\.118\.10\/24/, "the host's own address stays");
    assert.match(s.read("addrs"), /inet 192\.168\.118\.1000\/24/, "an address that only starts like the VIP stays");
    const log = s.log();
    const del = log.indexOf("ip addr del 192.168.118.100/32 dev ens33");
    const start = log.lastIndexOf("systemctl start keepalived");
    assert.ok(del >= 0 && del < start, log.join("\n"));
    assert.equal(s.sh(p.restored).code, 0);

    // keepalived running again (it may hold the VIP as MASTER): a second restore must not touch the VIP.
    fs.writeFileSync(path.join(s.dir, "state", "addrs"), ADDRS + "\n");
    const before = s.log().length;
    assert.equal(s.sh(p.restore).code, 0);
    assert.deepEqual(
      s
        .log()
        .slice(before)
        .filter((l) => !l.startsWith("systemctl is-active")),
      [],
    );
    assert.match(s.read("addrs"), /inet 192\.168\.118\.100\/32/);
  });

  it("link-cut: a safety net first, then a chain dropping all but SSH on the interface; restore and the net both heal, idempotently", () => {
    const p = faultPlan("link-cut", DR_FACTS, dr, { durationSeconds: 60 });
    assert.equal(p.host, "director1");
    assert.equal(p.movesVip, true);
    assert.match(p.inject, /systemd-run --quiet --unit=pulumi-lvs-drill-heal .*--on-active=180s /);
    const s = sandbox();
    assert.equal(s.sh(p.inject).code, 0, s.read("log"));
    const rules = () => s.read("rules").split("\n").filter(Boolean);
    assert.deepEqual(rules(), [
      `OUTPUT -o ens33 -j ${DRILL_CHAIN}`,
      `INPUT -i ens33 -j ${DRILL_CHAIN}`,
      `${DRILL_CHAIN} -p tcp --dport 22 -j RETURN`,
      `${DRILL_CHAIN} -p tcp --sport 22 -j RETURN`,
      `${DRILL_CHAIN} -j DROP`,
    ]);
    assert.ok(s.active(`${HEAL_UNIT}.timer`));
    const log = s.log();
    const armed = log.findIndex((l) => l.startsWith("systemd-run"));
    assert.ok(armed >= 0 && armed < log.findIndex((l) => l.startsWith("iptables -w 10 -A")), "the net is armed before the first rule");
    assert.notEqual(s.sh(p.restored).code, 0, "restored must fail while cut");

    // A second inject (a retried drill, its timer still armed) re-arms the net and does not stack the jumps.
    assert.equal(s.sh(p.inject).code, 0);
    assert.equal(rules().length, 5);

    assert.equal(s.sh(p.restore).code, 0);
    assert.deepEqual(rules(), []);
    assert.equal(s.read("chains").trim(), "");
    assert.equal(s.active(`${HEAL_UNIT}.timer`), false);
    assert.equal(s.sh(p.restored).code, 0);
    assert.equal(s.sh(p.restore).code, 0, "a second restore succeeds");
    assert.equal(s.sh(p.restored).code, 0);

    // The drill died: the timer's command alone heals the link.
    assert.equal(s.sh(p.inject).code, 0);
    const heal = s.read("heal");
    assert.doesNotMatch(heal, /[$%]/, "systemd would expand $ and % in the unit's command line");
    assert.equal(s.sh(heal).code, 0);
    assert.deepEqual(rules(), []);
    assert.equal(s.read("chains").trim(), "");
  });

  it("link-cut: no systemd-run, no cut; another SSH port is kept open; an IPv6 VIP cuts ip6tables too; a hostile interface is refused", () => {
    const p = faultPlan("link-cut", DR_FACTS, dr, { sshPort: 2222 });
    assert.match(p.inject, /--dport 2222 -j RETURN/);
    assert.match(p.inject, /--sport 2222 -j RETURN/);
    const s = sandbox();
    fs.unlinkSync(path.join(s.dir, "bin", "systemd-run"));
    assert.notEqual(s.sh(p.inject).code, 0);
    assert.equal(s.read("rules"), "");
    const v6: StackFacts = { ...DR_FACTS, vip: "2001:db8::100", vrrp: [{ ...DR_FACTS.vrrp[0], vip: "2001:db8::100" }] };
    const st: ClusterStatus = {
      ...statusOf(DR_FACTS, ["director1"]),
      vip: "2001:db8::100",
      vrrp: [{ vip: "2001:db8::100", holders: ["director1"], members: [] }],
    };
    assert.match(faultPlan("link-cut", v6, st).inject, /ip6tables -w 10 -A PULUMI_LVS_DRILL -j DROP/);
    for (const bad of ["-H evil", "ens33;reboot", "e$(x)", "eth0 1"]) {
      const facts: StackFacts = { ...DR_FACTS, vrrp: [{ ...DR_FACTS.vrrp[0], interface: bad }] };
      assert.throws(() => faultPlan("link-cut", facts, dr), /interface/);
      assert.throws(() => faultPlan("master-kill", facts, dr), /interface/);
    }
  });

  it("realserver-stop: the first reachable real server, or the one named; the unit quoted; unknown hosts and units refused", () => {
    const p = faultPlan("realserver-stop", DR_FACTS, dr);
    assert.deepEqual(
      [p.host, p.inject, p.restore, p.restored, p.movesVip],
      ["rs1", "systemctl stop nginx", "systemctl start nginx", "systemctl is-active --quiet nginx", false],
    );
    assert.equal(faultPlan("realserver-stop", DR_FACTS, statusOf(DR_FACTS, ["director1"], ["rs1"])).host, "rs2");
    assert.equal(faultPlan("realserver-stop", DR_FACTS, dr, { realServer: "rs2", unit: "tomcat9" }).inject, "systemctl stop tomcat9");
    assert.equal(faultPlan("realserver-stop", DR_FACTS, dr, { unit: "nginx@web.service" }).inject, "systemctl stop nginx@web.service");
    assert.equal(faultPlan("realserver-stop", HAPROXY_FACTS, statusOf(HAPROXY_FACTS, ["haproxy1"])).host, "rs1", '"web server" counts');
    assert.throws(
      () => faultPlan("realserver-stop", DR_FACTS, dr, { realServer: "rs9" }),
      (e: Error) => e.message.includes('"rs9"') && e.message.includes("dr-keepalived") && e.message.includes("rs1, rs2"),
    );
    assert.throws(
      () => faultPlan("realserver-stop", DR_FACTS, statusOf(DR_FACTS, ["director1"], ["rs2"]), { realServer: "rs2" }),
      /rs2 is unreachable/,
    );
    assert.throws(
      () => faultPlan("realserver-stop", DR_FACTS, statusOf(DR_FACTS, ["director1"], ["rs1", "rs2"])),
      /no real server is reachable \(rs1, rs2\)/,
    );
    for (const unit of ["-H other", "nginx; reboot", "a b", "$(id)"])
      assert.throws(() => faultPlan("realserver-stop", DR_FACTS, dr, { unit }), /unit/);
    const none: StackFacts = { ...DR_FACTS, roles: { director1: "director" } };
    assert.throws(() => faultPlan("realserver-stop", none, statusOf(none, [])), /--real-server HOST/);
  });

  it("haproxy-stop: the HAProxy host holding the VIP; refused on a stack without HAProxy or without a holder", () => {
    const p = faultPlan("haproxy-stop", HAPROXY_FACTS, statusOf(HAPROXY_FACTS, ["haproxy2"]));
    assert.deepEqual(
      [p.host, p.inject, p.restore, p.restored, p.movesVip],
      ["haproxy2", "systemctl stop haproxy", "systemctl start haproxy", "systemctl is-active --quiet haproxy", true],
    );
    assert.match(p.describe, /haproxy1/);
    assert.throws(() => faultPlan("haproxy-stop", DR_FACTS, dr), /stack dr-keepalived has no HAProxy host/);
    assert.throws(
      () => faultPlan("haproxy-stop", HAPROXY_FACTS, statusOf(HAPROXY_FACTS, [])),
      /stack haproxy: no HAProxy host \(haproxy1, haproxy2\) holds/,
    );
  });

  it("every fault has a one-line description", () => {
    for (const f of DRILL_FAULTS) assert.match(FAULTS[f], /^[^\n]{10,}$/);
    assert.deepEqual(DRILL_FAULTS, ["master-stop", "master-kill", "link-cut", "realserver-stop", "haproxy-stop"]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const EV: DrillEvents = { start: 1000, faultAt: 1005, restoredAt: 1015, end: 1020 };
const req = (start: number, ok: boolean, answer = "this is nginx1", dur = 0.01): RequestRecord => ({
  start,
  end: start + dur,
  ok,
  code: ok ? "200" : "000",
  answer: ok ? answer : "",
  ...(ok ? {} : { detail: "curl exit 7" }),
});

describe("drill: parseRequestLog", () => {
  it("reads ok and failed lines, answers with spaces, CRLF; skips a partial last line and other text", () => {
    const text = [
      "1700000000.100000001 1700000000.105000000 ok 200 this is nginx1",
      "1700000000.200000000 1700000000.210000000 ok 204 ",
      "1700000000.300000000 1700000001.300000000 fail 000 curl exit 28\r",
      "1700000001.400000000 1700000001.410000000 fail 503 HTTP 503",
      "Warning: something on stdout",
      "",
      "1700000001.500000000 1700000001.51",
    ].join("\n");
    const r = parseRequestLog(text);
    assert.equal(r.length, 4);
    assert.deepEqual(r[0], { start: 1700000000.100000001, end: 1700000000.105, ok: true, code: "200", answer: "this is nginx1" });
    assert.equal(r[1].answer, "");
    assert.deepEqual(r[2], { start: 1700000000.3, end: 1700000001.3, ok: false, code: "000", answer: "", detail: "curl exit 28" });
    assert.equal(r[3].detail, "HTTP 503");
    assert.deepEqual(parseRequestLog(""), []);
  });
});

describe("drill: analyzeDrill", () => {
  it("measures a failover: gap, recovery, VIP move, availability, answers per phase", () => {
    const requests: RequestRecord[] = [];
    for (let t = 1000; t < 1020; t += 0.5) {
      const failing = t >= 1005 && t < 1008; // 6 failures at 1005..1007.5
      requests.push(req(t, !failing, t < 1005 || t >= 1015 ? "this is nginx1" : "this is nginx2"));
    }
    const f = analyzeDrill(requests, { ...EV, vipMovedAt: 1006.2, vipBackAt: 1016 });
    assert.equal(f.requests, 40);
    assert.equal(f.failed, 6);
    assert.equal(f.answered, 34);
    // last answer before the fault ends 1004.51; the first after ends 1008.01
    assert.ok(Math.abs(f.longestGapSeconds - 3.5) < 1e-9, String(f.longestGapSeconds));
    assert.ok(Math.abs(f.recoverySeconds - 3.01) < 1e-9, String(f.recoverySeconds));
    assert.equal(f.recovered, true);
    assert.ok(Math.abs((f.vipMoveSeconds ?? NaN) - 1.2) < 1e-9);
    assert.ok(Math.abs((f.vipBackSeconds ?? NaN) - 1) < 1e-9);
    assert.equal(f.availability, 34 / 40);
    assert.deepEqual(f.byServer, [
      { answer: "this is nginx1", before: 10, during: 0, after: 10 },
      { answer: "this is nginx2", before: 0, during: 14, after: 0 },
    ]);
    assert.deepEqual(f.failures, { before: 0, during: 6, after: 0 });
  });

  it("recovery ends at the first steady second of answers: a stray failure later, or a lone answer amid failures, does not move it", () => {
    const requests: RequestRecord[] = [];
    for (let t = 1000; t < 1020; t += 0.25) {
      // Failures 1005..1007, one lone answer at 1006 amid them; a stray failure at 1012 and at 1016 (the VIP moving back).
      const failing = (t >= 1005 && t < 1007.5 && t !== 1006) || t === 1012 || t === 1016;
      requests.push(req(t, !failing));
    }
    const f = analyzeDrill(requests, EV);
    assert.equal(f.recovered, true);
    assert.ok(Math.abs(f.recoverySeconds - 2.51) < 1e-9, `from the fault to the end of the answer at 1007.5: ${f.recoverySeconds}`);
    assert.deepEqual(f.failures, { before: 0, during: 10, after: 1 });
    assert.equal(STEADY_S, 1);
  });

  it("no failure after the fault: recovery 0 (failures before the fault do not count); gaps include start and end", () => {
    const requests = [req(1001, false), req(1002, true), req(1010, true), req(1018, true)];
    const f = analyzeDrill(requests, EV);
    assert.equal(f.recoverySeconds, 0);
    assert.equal(f.recovered, true);
    assert.equal(f.vipMoveSeconds, undefined);
    assert.ok(Math.abs(f.longestGapSeconds - 8) < 1e-9); // 1010.01 -> 1018.01
    const onlyStart = analyzeDrill([req(1019, true)], EV);
    assert.ok(Math.abs(onlyStart.longestGapSeconds - 19.01) < 1e-9, "start -> first answer counts");
    const onlyEarly = analyzeDrill([req(1000.5, true)], EV);
    assert.ok(Math.abs(onlyEarly.longestGapSeconds - 19.49) < 1e-9, "last answer -> end counts");
  });

  it("failures that never stop: recovery measured to the end and flagged as not recovered", () => {
    const f = analyzeDrill([req(1001, true), req(1006, false), req(1012, false), req(1019, false)], EV);
    assert.equal(f.recovered, false);
    assert.equal(f.recoverySeconds, 15);
    assert.equal(f.longestGapSeconds, 1020 - 1001.01);
    const none = analyzeDrill([req(1001, false)], EV);
    assert.equal(none.longestGapSeconds, 20, "no answer at all: the whole window");
    assert.equal(none.availability, 0);
  });

  it("a drill with no request, or events out of order, is an error saying why", () => {
    assert.throws(() => analyzeDrill([], EV), /no request to measure.*curl/);
    assert.throws(() => analyzeDrill([req(1001, true)], { ...EV, restoredAt: 1004 }), /out of order/);
    assert.throws(() => analyzeDrill([req(1001, true)], { ...EV, vipMovedAt: NaN }), /vipMovedAt is not a time/);
  });

  it("properties: counts add up, the longest gap bounds every gap, recovery within the window", () => {
    const arb = fc.record({
      faultAt: fc.double({ min: 0, max: 30, noNaN: true }),
      len: fc.double({ min: 0, max: 30, noNaN: true }),
      reqs: fc.array(
        fc.record({
          t: fc.double({ min: 0, max: 59, noNaN: true }),
          dur: fc.double({ min: 0, max: 1, noNaN: true }),
          ok: fc.boolean(),
          server: fc.constantFrom("this is nginx1", "this is nginx2", ""),
        }),
        { minLength: 1, maxLength: 80 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ faultAt, len, reqs }) => {
        const ev: DrillEvents = { start: 0, faultAt, restoredAt: faultAt + len, end: 60 };
        const requests = reqs.sort((a, b) => a.t - b.t).map((q) => req(q.t, q.ok, q.server, q.dur));
        const f = analyzeDrill(requests, ev);
        assert.equal(f.answered + f.failed, f.requests);
        assert.equal(f.requests, requests.length);
        const perPhase = f.byServer.reduce((n, b) => n + b.before + b.during + b.after, 0);
        assert.equal(perPhase, f.answered);
        assert.equal(f.failures.before + f.failures.during + f.failures.after, f.failed);
        assert.ok(f.availability >= 0 && f.availability <= 1);
        const ends = requests
          .filter((q) => q.ok)
          .map((q) => q.end)
          .sort((a, b) => a - b);
        const pts = [ev.start, ...ends, ev.end];
        for (let i = 1; i < pts.length; i++) assert.ok(f.longestGapSeconds >= pts[i] - pts[i - 1] - 1e-9);
        assert.ok(f.longestGapSeconds <= ev.end - ev.start + 1e-9);
        assert.ok(f.recoverySeconds >= 0);
        assert.ok(f.recoverySeconds <= ev.end - ev.faultAt + 1 + 1e-9);
        if (!requests.some((q) => !q.ok && q.start >= faultAt)) assert.equal(f.recoverySeconds, 0);
      }),
      { seed: 2222, numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

function result(requests: RequestRecord[], over: Partial<DrillResult> = {}): DrillResult {
  const events: DrillEvents = over.events ?? { ...EV, vipMovedAt: 1006 };
  return {
    stack: "dr-keepalived",
    fault: "master-kill",
    host: "director1",
    describe: "kill keepalived with SIGKILL on director1",
    rps: 2,
    durationSeconds: 20,
    events,
    figures: analyzeDrill(requests, events),
    requests,
    ...over,
  };
}

const SAMPLE = [
  req(1001, true, "this is nginx1"),
  req(1003, true, "this is nginx2"),
  req(1006, false),
  req(1009, true, "this is nginx2"),
  req(1016, true),
];

/** Elements of an SVG: a minimal well-formedness check (tags balanced, attributes quoted, no raw & or <). */
function elements(svg: string): { name: string; attrs: Record<string, string>; text: string }[] {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: { name: string; attrs: Record<string, string>; text: string }[] = [];
  const all: { name: string; attrs: Record<string, string>; text: string }[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(body))) {
    at = re.lastIndex;
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], /&(?!(amp|lt|gt|quot|apos);)/, `raw & in ${m[5]}`);
      if (stack.length) stack[stack.length - 1].text += m[5];
      else assert.match(m[5], /^\s*$/);
      continue;
    }
    if (m[1]) {
      const open = stack.pop();
      assert.equal(open?.name, m[2], `</${m[2]}> closes <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    const el = { name: m[2], attrs, text: "" };
    all.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(at, body.length, `not XML at ${body.slice(at, at + 60)}`);
  assert.equal(stack.length, 0, "unclosed elements");
  return all;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

describe("drill: timelineSvg", () => {
  it("is one self-contained SVG with a title, one lane per answer and a failed lane, a dot per request, the events and an axis", () => {
    const svg = timelineSvg(result(SAMPLE));
    const els = elements(svg);
    assert.equal(els[0].name, "svg");
    assert.equal(els[0].attrs.width, "900");
    assert.doesNotMatch(svg.replace('xmlns="http://www.w3.org/2000/svg"', ""), /https?:|href|<image|<script|url\(/);
    const texts = els.filter((e) => e.name === "text").map((e) => unescape(e.text));
    assert.ok(
      texts.some((t) => t.includes("dr-keepalived") && t.includes("master-kill")),
      "title",
    );
    for (const t of ["this is nginx1", "this is nginx2", "failed", "fault", "restore", "VIP moved", "seconds from the start", "answered"])
      assert.ok(texts.includes(t), `${t} in ${JSON.stringify(texts)}`);
    for (const t of ["0", "2", "10", "20"]) assert.ok(texts.includes(t), `tick ${t}`);
    const dots = els.filter((e) => e.name === "circle" && e.attrs.class?.startsWith("request"));
    assert.equal(dots.length, SAMPLE.length);
    assert.equal(dots.filter((d) => d.attrs.fill === "#d62728" && d.attrs.class === "request failed").length, 1, "one red dot");
    // The failed dot sits on the failed lane, to the right of the fault line.
    const red = dots.find((d) => d.attrs.fill === "#d62728");
    const fault = els.find((e) => e.name === "line" && e.attrs.stroke === "#d62728");
    assert.ok(red && fault && Number(red.attrs.cx) > Number(fault.attrs.x1));
    assert.equal(timelineSvg(result(SAMPLE, { events: { ...EV } })).includes("VIP moved"), false, "no VIP line when not known");
  });

  it("escapes every text for XML", () => {
    const evil = `<script>alert("x")</script> & 'q'`;
    const svg = timelineSvg(result([req(1001, true, evil), req(1002, false)], { stack: "a<b&c", host: `h"1` }));
    assert.doesNotMatch(svg, /<script>/);
    const texts = elements(svg)
      .filter((e) => e.name === "text")
      .map((e) => unescape(e.text));
    assert.ok(texts.some((t) => t.includes("a<b&c") && t.includes(`h"1`)));
    assert.ok(texts.some((t) => t.startsWith(`<script>alert("x")</scri`)));
    assert.equal(xmlEscape(`<&>"'`), "&lt;&amp;&gt;&quot;&apos;");
  });

  it("stays small for a long drill: dots at the same point of a lane are drawn once", () => {
    const many: RequestRecord[] = [];
    for (let i = 0; i < 100 * 3600; i++) many.push(req(1000 + i / 100, i % 7 !== 0, `this is nginx${i % 2}`));
    const ev: DrillEvents = { start: 1000, faultAt: 2000, restoredAt: 3000, end: 4600 };
    const svg = timelineSvg({ ...result(SAMPLE), events: ev, requests: many, figures: analyzeDrill(many, ev) });
    assert.ok(svg.length < 2_000_000, `${svg.length} bytes`);
    elements(svg);
  });
});

describe("drill: drillMarkdown", () => {
  it("has a heading, the figures, the answers per server and the picture", () => {
    const md = drillMarkdown(result(SAMPLE, { describe: "cut a|b" }), "timeline.svg");
    assert.match(md, /^# Drill: master-kill on director1 \(stack dr-keepalived\)\n/);
    assert.match(md, /\| longest gap \| \d+\.\d\d s \|/);
    assert.match(md, /\| answered \/ failed \| 4 \/ 1 of 5 \|/);
    assert.match(md, /\| VIP moved after \| 1\.00 s \|/);
    assert.match(md, /\| traffic flowed again after \(MTTR\) \| 4\.01 s \|/);
    assert.match(md, /\| availability over the drill \| 80\.000 % \|/);
    assert.match(md, /\| what was done \| cut a\\\|b \|/);
    assert.match(md, /\| this is nginx2 \| 1 \| 1 \| 0 \|/);
    assert.match(md, /\| failed \| 0 \| 1 \| 0 \|/);
    assert.match(md, /!\[timeline\]\(timeline\.svg\)\n/);
    assert.match(drillMarkdown(result(SAMPLE), "my drill.svg"), /!\[timeline\]\(<my drill\.svg>\)/);
    const never = drillMarkdown(result([req(1001, true), req(1010, false)], { events: EV }), "t.svg");
    assert.match(never, /not within the drill \(more than 15\.00 s\)/);
    assert.match(never, /VIP moved after \| not seen/);
    assert.match(drillMarkdown(result([req(1001, true), req(1002, true), req(1003, false)]), "t.svg"), /66\.667 %/);
  });
});

describe("drill: parseDrillArgs", () => {
  it("reads the stack, the fault, the pace and the options, with defaults", () => {
    assert.deepEqual(parseDrillArgs(["dr-keepalived"]), {
      stack: "dr-keepalived",
      fault: "master-stop",
      rps: 10,
      durationSeconds: 60,
      yes: false,
    });
    assert.deepEqual(
      parseDrillArgs([
        "haproxy",
        "--fault",
        "haproxy-stop",
        "--requests-per-second=20",
        "--duration",
        "30",
        "--yes",
        "--out",
        "/tmp/d",
        "--client",
        "client",
        "--real-server",
        "rs2",
        "--unit=nginx",
      ]),
      {
        stack: "haproxy",
        fault: "haproxy-stop",
        rps: 20,
        durationSeconds: 30,
        yes: true,
        out: "/tmp/d",
        client: "client",
        realServer: "rs2",
        unit: "nginx",
      },
    );
    assert.equal(parseDrillArgs(["s", "--rps", "5"]).rps, 5);
  });

  it("a usage error names the faults and the ranges", () => {
    const usage = (args: string[], what: RegExp) =>
      assert.throws(
        () => parseDrillArgs(args),
        (e: Error) =>
          what.test(e.message) &&
          DRILL_FAULTS.every((f) => e.message.includes(f)) &&
          /1\.\.100/.test(e.message) &&
          /10\.\.3600/.test(e.message),
      );
    usage([], /name the stack/);
    usage(["s", "--fault", "reboot"], /unknown fault "reboot"/);
    usage(["s", "--requests-per-second", "0"], /--requests-per-second must be a whole number 1\.\.100; got "0"/);
    usage(["s", "--requests-per-second", "101"], /1\.\.100/);
    usage(["s", "--requests-per-second", "2.5"], /whole number/);
    usage(["s", "--duration", "5"], /--duration \(seconds\) must be a whole number 10\.\.3600/);
    usage(["s", "--duration", "abc"], /got "abc"/);
    usage(["s", "--bogus"], /unknown option "--bogus"/);
    usage(["s", "--fault"], /--fault needs a value/);
    usage(["s", "--client", "--yes"], /--client needs a value/);
    usage(["a", "b"], /one stack only/);
    usage(["s", "--duration", "20", "--duration", "30"], /given twice/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The request loop for real: bash and curl on this machine against a local server.

function hasCurl(): boolean {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command line under sh (as a remote login shell would), asynchronously: the server answers meanwhile. */
function run(line: string): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile("sh", ["-c", line], { encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

describe("drill: requestLoopCommand, run with bash and curl against a local server", function () {
  this.timeout(30000);
  let server: http.Server;
  let base = "";
  let hits = 0;
  const paths: string[] = [];
  let tmp = "";

  before(async function () {
    if (!hasCurl()) throw new Error("curl is not installed on this machine: the request loop test needs it (apt-get install curl)");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drill-loop-"));
    server = http.createServer((rq, rs) => {
      paths.push(rq.url ?? "");
      if (rq.url === "/down") {
        rs.writeHead(503);
        rs.end("no server is available\n");
        return;
      }
      if (rq.url === "/slow") {
        setTimeout(() => {
          rs.writeHead(200);
          rs.end("late\n");
        }, 3000);
        return;
      }
      hits++;
      rs.writeHead(200, { "content-type": "text/plain" });
      rs.end(`this is nginx${(hits % 2) + 1}\r\nsecond line\n`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("sends about rps*duration requests paced at rps, and parseRequestLog reads what it prints", async () => {
    const stopFile = path.join(tmp, "stop-1");
    const r = await run(requestLoopCommand({ url: `${base}/`, rps: 20, durationSeconds: 1, timeoutSeconds: 1, stopFile }));
    assert.equal(r.code, 0, r.stderr);
    const recs = parseRequestLog(r.stdout);
    assert.equal(recs.length, r.stdout.trim().split("\n").length, `every line parses:\n${r.stdout}`);
    assert.ok(recs.length >= 15 && recs.length <= 20, `${recs.length} requests`);
    assert.ok(recs.every((q) => q.ok && q.code === "200"));
    assert.deepEqual([...new Set(recs.map((q) => q.answer))].sort(), ["this is nginx1", "this is nginx2"]);
    const starts = recs.map((q) => q.start);
    const spread = starts[starts.length - 1] - starts[0];
    // The last start is due at 0.95 s; a loaded machine starts a process a few tens of ms late.
    assert.ok(spread > 0.6 && spread < 1.25, `paced over ${spread} s`);
    // Request i starts on its slot (i/rps after t0), never before it; a late one is sent at once (the first may be late too).
    for (let i = 1; i < recs.length; i++) assert.ok(starts[i] - starts[0] >= i * 0.05 - 0.05, `paced at 1/rps: ${starts.join(" ")}`);
    const now = Date.now() / 1000;
    assert.ok(Math.abs(recs[0].start - now) < 10, "epoch seconds");
    assert.ok(r.seconds < 3, `ended after ${r.seconds} s`);
  });

  it("reports failures: a refused connection, an HTTP error, a timeout", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const refused = parseRequestLog(
      (
        await run(
          requestLoopCommand({
            url: `http://127.0.0.1:${closed}/`,
            rps: 10,
            durationSeconds: 0.3,
            timeoutSeconds: 1,
            stopFile: path.join(tmp, "x"),
          }),
        )
      ).stdout,
    );
    assert.equal(refused.length, 3);
    assert.ok(
      refused.every((q) => !q.ok && q.code === "000" && q.answer === "" && q.detail === "curl exit 7"),
      JSON.stringify(refused),
    );

    const down = parseRequestLog(
      (
        await run(
          requestLoopCommand({ url: `${base}/down`, rps: 10, durationSeconds: 0.2, timeoutSeconds: 1, stopFile: path.join(tmp, "x") }),
        )
      ).stdout,
    );
    assert.deepEqual(
      down.map((q) => [q.ok, q.code, q.answer, q.detail]),
      [
        [false, "503", "", "HTTP 503"],
        [false, "503", "", "HTTP 503"],
      ],
    );

    const slow = await run(
      requestLoopCommand({ url: `${base}/slow`, rps: 10, durationSeconds: 0.5, timeoutSeconds: 0.4, stopFile: path.join(tmp, "x") }),
    );
    const recs = parseRequestLog(slow.stdout);
    assert.ok(recs.length >= 4 && recs.length <= 5, `each request on its own schedule, slow ones in the background:\n${slow.stdout}`);
    assert.ok(
      recs.every((q) => !q.ok && q.detail === "curl exit 28" && q.end - q.start >= 0.35),
      slow.stdout,
    );
    assert.ok(slow.seconds < 2, `the loop ends at its deadline plus the last request's timeout (${slow.seconds} s)`);
  });

  it("servedCommand: 0 when three requests in a row are answered, 1 on an HTTP error or a refused connection", async () => {
    assert.equal((await run(servedCommand(`${base}/`))).code, 0);
    assert.equal((await run(servedCommand(`${base}/down`))).code, 1);
    assert.equal((await run(servedCommand("http://127.0.0.1:1/"))).code, 1);
    assert.throws(() => servedCommand("-K/etc/passwd"), /URL/);
  });

  it("stops before its next request once the stop file exists", async () => {
    const stopFile = path.join(tmp, "stop-2");
    const running = run(requestLoopCommand({ url: `${base}/`, rps: 10, durationSeconds: 20, timeoutSeconds: 1, stopFile }));
    await new Promise((r) => setTimeout(r, 700));
    fs.writeFileSync(stopFile, "");
    const r = await running;
    assert.equal(r.code, 0);
    const n = parseRequestLog(r.stdout).length;
    assert.ok(n >= 4 && n <= 10, `${n} requests`);
    assert.ok(r.seconds < 3, `${r.seconds} s`);
  });

  it("passes a URL and a stop file with shell characters as they are", async () => {
    const marker = path.join(tmp, "pwned");
    const url = `${base}/a'b$(touch${"${IFS}"}${marker})\`id\`;c`;
    const stopFile = path.join(tmp, "it's $(touch ${marker}) stop");
    const r = await run(requestLoopCommand({ url, rps: 5, durationSeconds: 0.2, timeoutSeconds: 1, stopFile }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(marker), false);
    assert.ok(
      paths.some((p) => p.startsWith("/a'b$(touch")),
      JSON.stringify(paths.slice(-3)),
    );
  });

  it("refuses bad arguments", () => {
    const ok = { url: "http://192.168.118.100/", rps: 10, durationSeconds: 10, timeoutSeconds: 1, stopFile: "/tmp/s" };
    assert.throws(() => requestLoopCommand({ ...ok, rps: 0 }), /rps/);
    assert.throws(() => requestLoopCommand({ ...ok, durationSeconds: NaN }), /durationSeconds/);
    assert.throws(() => requestLoopCommand({ ...ok, timeoutSeconds: -1 }), /timeoutSeconds/);
    assert.throws(() => requestLoopCommand({ ...ok, url: "-K/etc/passwd" }), /URL/);
    assert.throws(() => requestLoopCommand({ ...ok, url: "http://a b/" }), /URL/);
    assert.throws(() => requestLoopCommand({ ...ok, stopFile: "" }), /stop file/);
    assert.match(requestLoopCommand(ok), /^bash -c '/);
    assert.match(requestLoopCommand(ok), /n=100;/);
  });
});
