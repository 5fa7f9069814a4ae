// Adopting a hand-built NAT director (the seed's commands, typed on the
// hosts): `npm run adopt` reads the lab's hosts and writes a program of its
// own; installed with the packed package, its check says the first up only
// adopts; up then changes nothing on any host (IPVS table, addresses, routes,
// NAT rules, sysctls, files, daemon PIDs) while requests through the VIP keep
// succeeding; refresh and preview find no change; a weight edit in the
// generated code applies in place; destroy (keepOnDestroy, the generated
// default) leaves every object on its host. What pulumi-lvs does not manage
// (the seed's hand-typed SNAT rule) is listed in the program, and stays.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as lab from "../../../lab/lab";
import { snapshot } from "../../../scripts/lib/snapshot";
import { adoptHandBuilt, destroyKeepsAll, firstUpChangesNothing, noChange, programText } from "../../support/adopt";

const HOSTS = ["director", "rs1", "rs2", "client"];

/**
 * The seed's NAT lab, typed by hand: ip_forward, the service and its masq real servers, SNAT, the RS gateways, a WAN
 * alias. The lab's image has no net-tools: ifconfig and route are written as the `ip` commands that set the same state.
 */
const HAND_BUILT: Record<string, string[]> = {
  director: [
    "echo 1 > /proc/sys/net/ipv4/ip_forward",
    "ipvsadm -A -t 12.0.0.20:80 -s wrr",
    "ipvsadm -a -t 12.0.0.20:80 -r 192.168.118.30:80 -m -w 2",
    "ipvsadm -a -t 12.0.0.20:80 -r 192.168.118.40:80 -m -w 3",
    "iptables -t nat -A POSTROUTING -s 192.168.118.0/24 -o ens36 -j SNAT --to 12.0.0.20",
    "ip addr add 12.0.0.100/24 brd + dev ens36 label ens36:0", // ifconfig ens36:0 12.0.0.100 netmask 255.255.255.0 up
  ],
  rs1: ["ip route add default via 192.168.118.20"], // route add default gw 192.168.118.20
  rs2: ["ip route add default via 192.168.118.20"],
};

/** Host state compared before and after: the bare-state text plus the main PIDs of sshd and nginx (a restart changes them). */
function hostState(): string {
  return snapshot(HOSTS, ["echo main pids $(systemctl show -p MainPID --value ssh nginx)"]);
}

describe("adopt: a hand-built NAT director brought under pulumi-lvs without a change (nat preset, real engine)", function () {
  this.timeout(1800000);
  const t = adoptHandBuilt(
    "nat",
    HOSTS,
    async () => {
      for (const [host, cmds] of Object.entries(HAND_BUILT)) lab.run(host, cmds.join(" && "));
    },
    hostState,
  );

  it("discovery only read: every host is as it was; the program declares what is live and lists the SNAT rule it leaves alone", () => {
    assert.equal(hostState(), t.built, "adopt changed a host");
    // One line per statement, whatever the formatter's line breaks.
    const program = programText(t.a.dir);
    for (const want of [
      /new IpvsService\("director-tcp-12\.0\.0\.20-80", \{[^}]*scheduler: "wrr"/,
      /address: "192\.168\.118\.30", port: 80, method: "masq", weight: 2/,
      /address: "192\.168\.118\.40", port: 80, method: "masq", weight: 3/,
      /values: \{ "net\.ipv4\.ip_forward": "1" \}, persist: false/,
      /address: "12\.0\.0\.100", prefix: 24, interface: "ens36", label: "ens36:0", persist: false/,
      /new Route\("rs1-route-default", \{ connection: rs1, destination: "default", via: "192\.168\.118\.20"/,
      /\/\/ director: iptables -t nat -A POSTROUTING -s 192\.168\.118\.0\/24 -o ens36 -j SNAT --to-source 12\.0\.0\.20/,
    ])
      assert.match(program, want);
  });

  it("the check passes, and up changes nothing on the hosts; no request through the VIP fails meanwhile", async () => {
    await firstUpChangesNothing(t.a, "http://12.0.0.20/", hostState, t.built);
  });

  it("refresh and preview find no change", async () => {
    await noChange(t.a);
    assert.equal(hostState(), t.built);
  });

  it("a weight edit in the generated code applies in place", async () => {
    const file = path.join(t.a.dir, "index.ts");
    const program = fs.readFileSync(file, "utf8");
    const edited = program.replace(/(address: "192\.168\.118\.40", port: 80, method: "masq", weight: )3/, "$15");
    assert.notEqual(edited, program);
    fs.writeFileSync(file, edited);
    const up = await t.a.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: up.summary.resourceChanges?.same, update: 1 });
    assert.match(lab.run("director", "ipvsadm -Sn"), /-a -t 12\.0\.0\.20:80 -r 192\.168\.118\.40:80 -m -w 5/);
  });

  it("destroy with keepOnDestroy stops managing: every object stays on its host", async () => {
    await destroyKeepsAll(t.a, hostState);
    assert.match(lab.run("client", "curl -s -m 3 http://12.0.0.20/"), /nginx/);
  });
});
