// `npm run status`'s pure core (scripts/review/statusCore.ts): the read-only
// command, the parse of `ipvsadm -Ln` with `--stats` and `--rate`, the VIP
// holders with split brain and no holder, real servers a checker took out.
import { strict as assert } from "node:assert";
import { clusterStatus, parseReading, renderStatus, STATUS_SEP, StackFacts, statusCommand } from "../../scripts/review/statusCore";

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.118.100:80 wrr persistent 300
  -> 192.168.118.30:80            Route   2      1          7
  -> 192.168.118.40:80            Route   0      0          3
FWM  10 rr
  -> [2001:db8::30]:80            Masq    1      0          0
`;
const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  192.168.118.100:80                  20      120        0     8000        0
  -> 192.168.118.30:80                   14       84        0     5600        0
  -> 192.168.118.40:80                    6       36        0     2400        0
FWM  10                                   0        0        0        0        0
  -> [2001:db8::30]:80                    0        0        0        0        0
`;
const RATE = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
  -> RemoteAddress:Port
TCP  192.168.118.100:80                  3       18        0     1200        0
  -> 192.168.118.30:80                   3       18        0     1200        0
  -> 192.168.118.40:80                   0        0        0        0        0
FWM  10                                   0        0        0        0        0
  -> [2001:db8::30]:80                    0        0        0        0        0
`;
const ADDR_MASTER = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: ens33    inet 192.168.118.10/24 brd 192.168.118.255 scope global ens33\\       valid_lft forever preferred_lft forever
2: ens33    inet 192.168.118.100/24 scope global secondary ens33\\       valid_lft forever preferred_lft forever
`;
const ADDR_BACKUP = `2: ens33    inet 192.168.118.11/24 brd 192.168.118.255 scope global ens33\\       valid_lft forever preferred_lft forever
`;
const ADDR_RS = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet 192.168.118.100/32 scope global lo:0\\       valid_lft forever preferred_lft forever
2: ens33    inet 192.168.118.30/24 scope global ens33\\       valid_lft forever preferred_lft forever
`;
const out = (addr: string, daemons: string, ipvs: [string, string, string] | undefined, haproxy = "") =>
  [addr, daemons, ...(ipvs ?? ["", "", ""]), haproxy].join(`${STATUS_SEP}\n`);

// HAProxy 2.6's `show stat` (the first columns of its header, as it prints them).
const HAPROXY_STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,
web,FRONTEND,,,1,3,3000,40,3200,9000,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,2,0,5,,,
web_back,rs1,0,0,1,2,,22,1700,5000,,0,,0,0,0,0,UP,2,1,0,0,0,300,0,,1,3,1,,22,,2,1,,3,L4OK,,
web_back,rs2,0,0,0,1,,18,1500,4000,,0,,0,0,0,0,DOWN,1,1,0,3,1,12,12,,1,3,2,,18,,2,0,,2,L4CON,,
web_back,BACKEND,0,0,1,3,300,40,3200,9000,0,0,,0,0,0,0,UP,3,2,0,,1,300,0,,1,3,0,,40,,1,2,,5,,,

`;

const FACTS: StackFacts = {
  stack: "dr-keepalived",
  vip: "192.168.118.100",
  roles: { director1: "director MASTER", director2: "director BACKUP", rs1: "real server" },
  vrrp: [
    {
      vip: "192.168.118.100",
      virtualRouterId: 51,
      interface: "ens33",
      members: [
        { host: "director1", address: "192.168.118.10", state: "MASTER", priority: 120 },
        { host: "director2", address: "192.168.118.11", state: "BACKUP", priority: 100 },
      ],
      virtualServers: [
        {
          address: "192.168.118.100",
          port: 80,
          realServers: [
            { address: "192.168.118.30", port: 80 },
            { address: "192.168.118.40", port: 80 },
            { address: "192.168.118.50", port: 80 },
          ],
        },
      ],
    },
  ],
};

describe("npm run status: the pure core", () => {
  it("reads with one command that writes nothing and loads no module", () => {
    const c = statusCommand();
    assert.match(c, /ipvsadm -Ln --exact/);
    assert.match(c, /\[ -e \/proc\/net\/ip_vs \]/, "ipvsadm runs only where ip_vs is loaded");
    assert.doesNotMatch(c.replace(/2>\/dev\/null/g, ""), /ipvsadm -[ACDEadeR]|modprobe|>|\brm\b|\bsysctl -w/);
    assert.equal(
      c.split(STATUS_SEP).length - 1,
      7,
      "two before the IPVS part, two in each of its branches, one before HAProxy's: six parts either way",
    );
    assert.match(c, /echo 'show stat'/);
  });

  it("parses the table with weights, connections, stats and rates; flags; fwmark and IPv6 servers", () => {
    const r = parseReading("director1", out(ADDR_MASTER, "active\ninactive\nactive\n", [LIST, STATS, RATE]));
    assert.deepEqual(r.addresses, { lo: ["127.0.0.1"], ens33: ["192.168.118.10", "192.168.118.100"] });
    assert.deepEqual(r.active, ["keepalived", "nginx"]);
    assert.equal(r.services.length, 2);
    const [web, fwm] = r.services;
    assert.deepEqual(
      { key: web.key, scheduler: web.scheduler, flags: web.flags, conns: web.conns, cps: web.cps, inBps: web.inBps },
      { key: "TCP 192.168.118.100:80", scheduler: "wrr", flags: "persistent 300", conns: 20, cps: 3, inBps: 1200 },
    );
    assert.deepEqual(web.realServers[0], {
      address: "192.168.118.30",
      port: 80,
      forward: "Route",
      weight: 2,
      activeConns: 1,
      inactiveConns: 7,
      conns: 14,
      cps: 3,
      health: "up",
    });
    assert.equal(web.realServers[1].health, "quiesced", "weight 0");
    assert.equal(fwm.key, "FWM 10");
    assert.deepEqual([fwm.realServers[0].address, fwm.realServers[0].port], ["2001:db8::30", 80]);
  });

  it("names the VRRP MASTER, ignores the VIP on a real server's lo, and lists a declared real server the checker took out", () => {
    const s = clusterStatus(FACTS, [
      parseReading("director1", out(ADDR_MASTER, "active\ninactive\ninactive\n", [LIST, STATS, RATE])),
      parseReading("director2", out(ADDR_BACKUP, "active\ninactive\ninactive\n", [LIST, STATS, RATE])),
      parseReading("rs1", out(ADDR_RS, "inactive\ninactive\nactive\n", undefined)),
    ]);
    assert.deepEqual(s.vipHolders, ["director1"]);
    assert.deepEqual(
      s.vrrp[0].members.map((m) => [m.host, m.holds, m.keepalived]),
      [
        ["director1", true, true],
        ["director2", false, true],
      ],
    );
    assert.equal(s.services.length, 2, "only the VIP holder's table");
    const removed = s.services[0].realServers.find((r) => r.address === "192.168.118.50");
    assert.equal(removed?.health, "removed");
    assert.deepEqual(s.warnings, ["192.168.118.50:80 is out of TCP 192.168.118.100:80 on director1 (its health check fails)"]);
    const text = renderStatus(s, new Date("2026-11-30T12:00:00Z"));
    assert.match(text, /^VIP 192\.168\.118\.100: held by director1$/m);
    assert.match(text, /director1 MASTER \(declared MASTER\), director2 BACKUP \(declared BACKUP\)/);
    assert.match(text, /192\.168\.118\.30:80\s+Route\s+2\s+1\s+7\s+14\s+3\s+up/);
  });

  it("reads HAProxy's servers from its stats socket and warns of a DOWN one", () => {
    const r = parseReading("haproxy1", out(ADDR_MASTER, "active\nactive\ninactive\n", undefined, HAPROXY_STAT));
    assert.deepEqual(r.haproxy, [
      { proxy: "web_back", server: "rs1", status: "UP", weight: 2, sessions: 1, total: 22, rate: 1, check: "L4OK" },
      { proxy: "web_back", server: "rs2", status: "DOWN", weight: 1, sessions: 0, total: 18, rate: 0, check: "L4CON" },
    ]);
    assert.deepEqual(parseReading("rs1", out(ADDR_RS, "inactive\n", undefined)).haproxy, [], "no socket, no rows");
    const s = clusterStatus({ ...FACTS, roles: { haproxy1: "haproxy, keepalived MASTER 120" }, vrrp: [] }, [r]);
    assert.deepEqual(
      s.haproxy.map((h) => [h.host, h.holdsVip, h.servers.length]),
      [["haproxy1", true, 2]],
    );
    assert.ok(s.warnings.includes("web_back/rs2 is DOWN in HAProxy on haproxy1 (check L4CON)"), s.warnings.join("\n"));
    assert.match(renderStatus(s), /HAProxy on haproxy1 \(holds the VIP\):\n.*\n  web_back\/rs1\s+UP\s+2\s+1\s+22\s+1\s+L4OK/);
  });

  it("warns loudly of split brain, of a VIP nobody holds, and of an unreachable host", () => {
    const both = clusterStatus(FACTS, [
      parseReading("director1", out(ADDR_MASTER, "active\n", [LIST, STATS, RATE])),
      parseReading("director2", out(ADDR_MASTER.replace("192.168.118.10/", "192.168.118.11/"), "active\n", [LIST, STATS, RATE])),
    ]);
    assert.deepEqual(both.vipHolders, ["director1", "director2"]);
    assert.ok(
      both.warnings.some((w) => w.startsWith("SPLIT BRAIN: director1 and director2 all hold the VIP")),
      both.warnings.join("\n"),
    );
    const none = clusterStatus(FACTS, [
      parseReading("director1", out(ADDR_BACKUP, "inactive\n", undefined)),
      { host: "director2", error: "ssh root@10.0.0.2:22: cannot connect", addresses: {}, active: [], services: [], haproxy: [] },
    ]);
    assert.ok(none.warnings.includes("NO HOST HOLDS THE VIP 192.168.118.100: clients get no answer"), none.warnings.join("\n"));
    assert.ok(none.warnings.includes("director2 unreachable: ssh root@10.0.0.2:22: cannot connect"));
    assert.match(renderStatus(none), /director2\s+director BACKUP\s+UNREACHABLE ssh root@10\.0\.0\.2:22/);
  });
});
