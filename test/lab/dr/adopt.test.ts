// Adopting a hand-built keepalived DR pair (the seed's keepalived.conf typed
// into both directors, its real servers with the VIP on lo:0 and the ARP
// sysctls): `npm run adopt` writes a program that declares each director's
// keepalived.conf whole (validated and reloaded on change), its auth_pass a
// stack secret, and the real servers' lo:0 VIPs and sysctls; the VIP and
// the IPVS service that keepalived owns are left to it. The first up changes
// nothing on any host (keepalived's PID included) while requests through the
// VIP keep succeeding; refresh and preview find no change; a weight edit in
// the generated config applies through keepalived's reload; destroy
// (keepOnDestroy) leaves every object on its host.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as lab from "../../../lab/lab";
import { snapshot } from "../../../scripts/lib/snapshot";
import {
  adoptedCount,
  adoptHandBuilt,
  destroyKeepsAll,
  firstUpChangesNothing,
  noChange,
  programText,
  seedDrDirector,
  seedDrRealServer,
} from "../../support/adopt";
import { holdsVip, until } from "../../support/stacks";

const HOSTS = ["director1", "director2", "rs1", "rs2", "client"];
const VIP = "192.168.118.100";
const AUTH = "seedpw51";

/** The seed's keepalived.conf for a director of the pair. */
function keepalivedConf(state: "MASTER" | "BACKUP", priority: number): string {
  const server = (addr: string) =>
    [
      `    real_server ${addr} 80 {`,
      "        weight 1",
      "        TCP_CHECK {",
      "            connect_port 80",
      "            connect_timeout 3",
      "        }",
      "    }",
    ].join("\n");
  return [
    "! Configuration File for keepalived",
    "global_defs {",
    `   router_id LVS_${state}`,
    "}",
    "vrrp_instance VI_1 {",
    `    state ${state}`,
    "    interface ens33",
    "    virtual_router_id 51",
    `    priority ${priority}`,
    "    advert_int 1",
    "    authentication {",
    "        auth_type PASS",
    `        auth_pass ${AUTH}`,
    "    }",
    "    virtual_ipaddress {",
    `        ${VIP}/24 dev ens33 label ens33:0`,
    "    }",
    "}",
    `virtual_server ${VIP} 80 {`,
    "    delay_loop 3",
    "    lb_algo rr",
    "    lb_kind DR",
    "    protocol TCP",
    server("192.168.118.30"),
    server("192.168.118.40"),
    "}",
    "",
  ].join("\n");
}

function hostState(): string {
  return snapshot(HOSTS, [
    "echo main pids $(systemctl show -p MainPID --value ssh nginx keepalived)",
    "md5sum /etc/keepalived/keepalived.conf 2>/dev/null || true",
  ]);
}

describe("adopt: a hand-built keepalived DR pair brought under pulumi-lvs without a change (dr preset, real engine)", function () {
  this.timeout(1800000);
  const t = adoptHandBuilt(
    "dr",
    HOSTS,
    async () => {
      for (const rs of ["rs1", "rs2"]) lab.run(rs, seedDrRealServer(VIP));
      const pair: [string, "MASTER" | "BACKUP", number][] = [
        ["director1", "MASTER", 120],
        ["director2", "BACKUP", 100],
      ];
      for (const [host, state, priority] of pair) {
        const w = lab.exec(host, "cat > /etc/keepalived/keepalived.conf && systemctl start keepalived", keepalivedConf(state, priority));
        assert.equal(w.code, 0, w.stderr);
      }
      await until("the VIP on director1 and both real servers in its IPVS table", 30, () => {
        return holdsVip("director1") && (lab.run("director1", "ipvsadm -Sn").match(/-r /g) ?? []).length === 2;
      });
    },
    hostState,
  );

  it("discovery only read; each keepalived.conf is declared whole with its auth_pass a stack secret; keepalived's VIP and service are left to it", () => {
    assert.equal(hostState(), t.built, "adopt changed a host");
    const program = programText(t.a.dir);
    assert.ok(!fs.readFileSync(path.join(t.a.dir, "index.ts"), "utf8").includes(AUTH), "auth_pass stays out of the program");
    const stackFile = fs.readFileSync(path.join(t.a.dir, "Pulumi.adopted.yaml"), "utf8");
    assert.ok(!stackFile.includes(AUTH), "the stack config holds it encrypted");
    assert.match(stackFile, /director1-keepalived-secret-1:\s+secure:/);
    for (const want of [
      /new ManagedFile\("director1-keepalived-conf", \{ connection: director1, path: "\/etc\/keepalived\/keepalived\.conf", content: pulumi\.interpolate`/,
      /auth_pass \$\{config\.requireSecret\("director2-keepalived-secret-1"\)\}/,
      /validate: "keepalived -t -f %s", reload: "systemctl reload keepalived"/,
      /new VipAlias\("rs1-vip-192\.168\.118\.100-lo-0", \{ connection: rs1, address: "192\.168\.118\.100", prefix: 32, interface: "lo", label: "lo:0", hostRoute: true, persist: false \}/,
      /"net\.ipv4\.conf\.all\.arp_ignore": "1"/,
      /\/\/ director1: VIP 192\.168\.118\.100\/24 on ens33:0: keepalived's virtual_ipaddress owns it/,
      /\/\/ director1: IPVS service tcp 192\.168\.118\.100:80: keepalived's virtual_server owns it/,
    ])
      assert.match(program, want);
    assert.doesNotMatch(program, /new IpvsService\(/, "keepalived's service is not declared a second time");
  });

  it("the check passes, and up changes nothing on the hosts; no request through the VIP fails meanwhile", async () => {
    await firstUpChangesNothing(t.a, `http://${VIP}/`, hostState, t.built);
  });

  it("refresh and preview find no change", async () => {
    await noChange(t.a);
  });

  it("a weight edit in the generated keepalived.conf is validated, swapped in and reloaded on both directors", async () => {
    const file = path.join(t.a.dir, "index.ts");
    const program = fs.readFileSync(file, "utf8");
    const edited = program.replace(/(real_server 192\.168\.118\.40 80 \{\n\s*weight )1/g, "$13");
    assert.equal(edited.split("weight 3").length - 1, 2, "both directors' configs edited");
    fs.writeFileSync(file, edited);
    const pid = lab.run("director1", "systemctl show -p MainPID --value keepalived").trim();
    const up = await t.a.stack.up();
    assert.equal(up.summary.resourceChanges?.update, 2, JSON.stringify(up.summary.resourceChanges));
    await until("weight 3 in director1's IPVS table", 20, () =>
      /-r 192\.168\.118\.40:80 -g -w 3/.test(lab.run("director1", "ipvsadm -Sn")),
    );
    assert.equal(lab.run("director1", "systemctl show -p MainPID --value keepalived").trim(), pid, "reloaded, not restarted");
    assert.ok(holdsVip("director1") && !holdsVip("director2"), "the VIP stayed on director1");
  });

  it("destroy with keepOnDestroy stops managing: every object stays on its host", async () => {
    await destroyKeepsAll(t.a, hostState);
  });
});

// The seed's plain DR director and its lo:0 real servers (seedDrDirector, seedDrRealServer): DrCluster declares
// exactly that, so adopt writes one DrCluster whose every resource adopts its live object. The director also holds
// a firewall-mark rule an earlier pulumi-lvs stack wrote (its comment names it) and whose state is gone: adopt
// declares it as a NatRule (MARK, mangle).
const MARK_RULE = `iptables -w -t mangle -A PREROUTING -d ${VIP} -p tcp -m multiport --dports 8080,8443 -m comment --comment pulumi-lvs:web-mark -j MARK --set-mark 7`;

/** hostState, and director1's mangle table. */
function drState(): string {
  return `${hostState()}\n## director1 mangle\n${lab.run("director1", "iptables -w -t mangle -S")}`;
}

describe("adopt: the seed's hand-built DR director and lo:0 real servers become one DrCluster, without a change (dr preset, real engine)", function () {
  this.timeout(1800000);
  const hosts = ["director1", "rs1", "rs2"];
  const t = adoptHandBuilt(
    "dr",
    hosts,
    async () => {
      for (const rs of ["rs1", "rs2"]) lab.run(rs, seedDrRealServer(VIP));
      lab.run("director1", `${seedDrDirector(VIP)} && ${MARK_RULE}`);
    },
    drState,
  );

  it("discovery only read; the program is one DrCluster (adopt, persist false) with the live scheduler and weights, and the MARK rule", () => {
    assert.equal(drState(), t.built, "adopt changed a host");
    const program = programText(t.a.dir);
    assert.match(
      program,
      /new DrCluster\("director1-dr-192\.168\.118\.100-80", \{ director: hosts\.host\("director1"\), nic: "ens33", vip: "192\.168\.118\.100", port: 80, scheduler: "wrr", realServers: \[\{ host: hosts\.host\("rs1"\), weight: 3 \}, \{ host: hosts\.host\("rs2"\), weight: 1 \}\], persist: false, adopt: true \}, \{ retainOnDelete: keepOnDestroy \}\);/,
    );
    assert.match(
      program,
      /new NatRule\("director1-nat-web-mark", \{ connection: director1, chain: "PREROUTING", destination: "192\.168\.118\.100", protocol: "tcp", ports: \[8080, 8443\], name: "web-mark", target: "MARK", mark: 7, persist: false \}/,
    );
    // The cluster's 9, director1's other non-default sysctls, the MARK rule.
    assert.equal(adoptedCount(t.a), 11);
    for (const raw of ["IpvsService", "IpvsRealServer", "VipAlias"])
      assert.doesNotMatch(program, new RegExp(`new ${raw}\\(`), `nothing of the cluster declared raw (${raw})`);
  });

  it("the check passes, and up changes nothing on the hosts; no request through the VIP fails meanwhile", async () => {
    await firstUpChangesNothing(t.a, `http://${VIP}/`, drState, t.built);
  });

  it("refresh and preview find no change", async () => {
    await noChange(t.a);
  });

  it("a weight edit in the generated program applies in place (one real server updated)", async () => {
    const file = path.join(t.a.dir, "index.ts");
    const program = fs.readFileSync(file, "utf8");
    const edited = program.replace(/(host: hosts\.host\("rs2"\),\s*weight: )1/, "$14");
    assert.notEqual(edited, program, "the weight is in the program");
    fs.writeFileSync(file, edited);
    const up = await t.a.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 2 + adoptedCount(t.a) - 1, update: 1 });
    assert.match(lab.run("director1", "ipvsadm -Sn"), /-a -t 192\.168\.118\.100:80 -r 192\.168\.118\.40:80 -g -w 4/);
  });

  it("destroy with keepOnDestroy stops managing: every object stays on its host", async () => {
    await destroyKeepsAll(t.a, drState);
  });
});
