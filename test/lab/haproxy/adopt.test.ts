// Adopting a hand-built HAProxy pair (haproxy.cfg typed into both hosts with
// static-rr 2:3 and a stats page behind `stats auth`, keepalived holding the
// VIP with a check_haproxy script): `npm run adopt` writes a program that
// declares each host's haproxy.cfg and keepalived.conf whole, their
// passwords stack secrets, and lists the check script it leaves as it is.
// The first up changes nothing on any host (HAProxy's and keepalived's PIDs
// included) while requests through the VIP keep succeeding; refresh and
// preview find no change; a weight edit is validated (haproxy -c), swapped
// in and reloaded on both hosts and the traffic split follows; destroy
// (keepOnDestroy) leaves every object on its host.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as lab from "../../../lab/lab";
import { snapshot } from "../../../scripts/lib/snapshot";
import { adoptHandBuilt, destroyKeepsAll, firstUpChangesNothing, noChange, programText } from "../../support/adopt";
import { answers, holdsVip, tally, until } from "../../support/stacks";

const HOSTS = ["haproxy1", "haproxy2", "rs1", "rs2", "client"];
const VIP = "192.168.118.100";
const STATS_PASSWORD = "statspw9";
const VRRP_PASSWORD = "vrrppw52";

const HAPROXY_CFG = [
  "global",
  "    log /dev/log local0",
  "    maxconn 4096",
  "defaults",
  "    mode http",
  "    timeout connect 5s",
  "    timeout client 30s",
  "    timeout server 30s",
  "listen web",
  "    bind 0.0.0.0:80",
  "    balance static-rr",
  "    option httpchk GET /",
  "    server web1 192.168.118.30:80 weight 2 check inter 2000 fall 3",
  "    server web2 192.168.118.40:80 weight 3 check inter 2000 fall 3",
  "listen stats",
  "    bind 0.0.0.0:8404",
  "    stats enable",
  "    stats uri /stats",
  `    stats auth admin:${STATS_PASSWORD}`,
  "",
].join("\n");

const CHECK_SCRIPT = "#!/bin/sh\nexec systemctl is-active --quiet haproxy\n";

function keepalivedConf(state: "MASTER" | "BACKUP", priority: number): string {
  return [
    "vrrp_script check_haproxy {",
    '    script "/etc/keepalived/check_haproxy.sh"',
    "    interval 1",
    "    weight -30",
    "}",
    "vrrp_instance VI_1 {",
    `    state ${state}`,
    "    interface ens33",
    "    virtual_router_id 52",
    `    priority ${priority}`,
    "    advert_int 1",
    "    authentication {",
    "        auth_type PASS",
    `        auth_pass ${VRRP_PASSWORD}`,
    "    }",
    "    virtual_ipaddress {",
    `        ${VIP}/24 dev ens33 label ens33:0`,
    "    }",
    "    track_script {",
    "        check_haproxy",
    "    }",
    "}",
    "",
  ].join("\n");
}

function hostState(): string {
  return snapshot(HOSTS, [
    "echo main pids $(systemctl show -p MainPID --value ssh nginx haproxy keepalived)",
    "md5sum /etc/keepalived/keepalived.conf /etc/keepalived/check_haproxy.sh 2>/dev/null || true",
  ]);
}

describe("adopt: a hand-built HAProxy pair brought under pulumi-lvs without a change (haproxy preset, real engine)", function () {
  this.timeout(1800000);
  const t = adoptHandBuilt(
    "haproxy",
    HOSTS,
    async () => {
      const pair: [string, "MASTER" | "BACKUP", number][] = [
        ["haproxy1", "MASTER", 120],
        ["haproxy2", "BACKUP", 100],
      ];
      for (const [host, state, priority] of pair) {
        const steps: [string, string][] = [
          ["cat > /etc/haproxy/haproxy.cfg && systemctl restart haproxy", HAPROXY_CFG],
          ["cat > /etc/keepalived/check_haproxy.sh && chmod 755 /etc/keepalived/check_haproxy.sh", CHECK_SCRIPT],
          ["cat > /etc/keepalived/keepalived.conf && systemctl start keepalived", keepalivedConf(state, priority)],
        ];
        for (const [cmd, input] of steps) {
          const w = lab.exec(host, cmd, input);
          assert.equal(w.code, 0, `${host}: ${cmd}: ${w.stderr}`);
        }
      }
      await until("the VIP on haproxy1 answering", 30, () => holdsVip("haproxy1") && !answers(`http://${VIP}/`, 1)[0].includes("FAILED"));
    },
    hostState,
  );

  it("discovery only read; haproxy.cfg and keepalived.conf declared whole, passwords as stack secrets, the check script listed", () => {
    assert.equal(hostState(), t.built, "adopt changed a host");
    const raw = fs.readFileSync(path.join(t.a.dir, "index.ts"), "utf8");
    const stackFile = fs.readFileSync(path.join(t.a.dir, "Pulumi.adopted.yaml"), "utf8");
    for (const secret of [STATS_PASSWORD, VRRP_PASSWORD]) {
      assert.ok(!raw.includes(secret), "no password in the program");
      assert.ok(!stackFile.includes(secret), "the stack config holds them encrypted");
    }
    const program = programText(t.a.dir);
    for (const want of [
      /new ManagedFile\("haproxy1-haproxy-conf", \{ connection: haproxy1, path: "\/etc\/haproxy\/haproxy\.cfg", content: pulumi\.interpolate`/,
      /stats auth admin:\$\{config\.requireSecret\("haproxy2-haproxy-secret-1"\)\}/,
      /validate: "haproxy -c -q -f %s", reload: "systemctl reload haproxy"/,
      /auth_pass \$\{config\.requireSecret\("haproxy1-keepalived-secret-1"\)\}/,
      /\/\/ haproxy1: \/etc\/keepalived\/check_haproxy\.sh: a script \/etc\/keepalived\/keepalived\.conf runs; left as it is/,
    ])
      assert.match(program, want);
    assert.match(stackFile, /haproxy1-haproxy-secret-1:\s+secure:/);
  });

  it("the check passes, and up changes nothing on the hosts; no request through the VIP fails meanwhile", async () => {
    await firstUpChangesNothing(t.a, `http://${VIP}/`, hostState, t.built);
  });

  it("refresh and preview find no change", async () => {
    await noChange(t.a);
  });

  it("a weight edit in the generated haproxy.cfg is validated, swapped in and reloaded on both hosts; the split follows", async () => {
    const file = path.join(t.a.dir, "index.ts");
    const program = fs.readFileSync(file, "utf8");
    const edited = program.replace(/(server web2 192\.168\.118\.40:80 weight )3/g, "$15");
    assert.equal(edited.split("weight 5").length - 1, 2, "both hosts' configs edited");
    fs.writeFileSync(file, edited);
    const pid = lab.run("haproxy1", "systemctl show -p MainPID --value haproxy").trim();
    const up = await t.a.stack.up();
    assert.equal(up.summary.resourceChanges?.update, 2, JSON.stringify(up.summary.resourceChanges));
    assert.equal(lab.run("haproxy1", "systemctl show -p MainPID --value haproxy").trim(), pid, "reloaded, not restarted");
    assert.deepEqual(tally(answers(`http://${VIP}/`, 14)), { "this is nginx1": 4, "this is nginx2": 10 });
    assert.ok(holdsVip("haproxy1") && !holdsVip("haproxy2"), "the VIP stayed on haproxy1");
  });

  it("destroy with keepOnDestroy stops managing: every object stays on its host", async () => {
    await destroyKeepsAll(t.a, hostState);
  });
});
