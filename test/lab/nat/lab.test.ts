// The lab itself on the nat preset.
import { strict as assert } from "node:assert";
import { loadInventory } from "../../../stacks/inventory";
import * as lab from "../../../lab/lab";
import { allHostsPinned, ok, reaches, sshPinned, usePreset } from "../../support/labChecks";

describe("lab: preset nat", function () {
  this.timeout(600000);
  usePreset("nat");

  it("every host answers SSH with its pinned host key, and a wrong pin is refused", async () => {
    await allHostsPinned(["client", "director", "rs1", "rs2"]);
    const inv = loadInventory();
    const d = inv.hosts.director;
    await assert.rejects(sshPinned(d, inv.hosts.rs1.hostKeySha256, "true"), /verif|handshake/i);
  });

  it("has the seed's addresses and groups; the real servers have no gateway", () => {
    const inv = loadInventory();
    assert.deepEqual(inv.hosts.director.addresses, { ens33: "192.168.118.20/24", ens36: "12.0.0.20/24" });
    assert.deepEqual(inv.groups.realservers, ["rs1", "rs2"]);
    assert.match(ok("director", "ip -br addr show ens36"), /12\.0\.0\.20\/24/);
    assert.match(ok("client", "ip route show default"), /via 12\.0\.0\.20/);
    assert.equal(ok("rs1", "ip route show default").trim(), "");
    assert.equal(ok("rs1", "curl -s http://127.0.0.1/").trim(), "this is nginx1");
    assert.equal(ok("rs2", "curl -s http://127.0.0.1/").trim(), "this is nginx2");
  });

  it("hosts reach each other only on the seed's subnets", () => {
    assert.ok(reaches("client", "12.0.0.20"), "client -> director WAN");
    assert.ok(reaches("director", "192.168.118.30"), "director -> rs1");
    assert.ok(reaches("rs1", "192.168.118.40"), "rs1 -> rs2");
    assert.ok(!reaches("client", "192.168.118.30"), "client must not reach rs1 (other subnet)");
    assert.ok(!reaches("rs1", "12.0.0.10"), "rs1 must not reach the client (no gateway)");
  });

  it("runs kernel IPVS on the director", () => {
    ok("director", "ipvsadm -A -t 12.0.0.20:80 -s rr && ipvsadm -a -t 12.0.0.20:80 -r 192.168.118.30:80 -m");
    assert.match(ok("director", "ipvsadm -Sn"), /-A -t 12\.0\.0\.20:80 -s rr/);
    ok("director", "ipvsadm -C");
  });

  it("stop/start resets a host's kernel state and keeps its files", async () => {
    ok("director", "ipvsadm -A -t 12.0.0.20:80 -s wrr && sysctl -qw net.ipv4.ip_forward=1 && echo kept > /root/marker");
    lab.stop("director");
    assert.equal(lab.status().hosts.find((h) => h.name === "director")?.running, false);
    assert.notEqual(lab.exec("director", "true").code, 0, "a stopped host does not answer");
    await lab.start("director");
    assert.equal(ok("director", "ipvsadm -Sn").trim(), "", "IPVS table is empty after a restart");
    assert.equal(ok("director", "sysctl -n net.ipv4.ip_forward").trim(), "0");
    assert.equal(ok("director", "cat /root/marker").trim(), "kept");
    assert.match(ok("director", "ip -br addr show ens36"), /12\.0\.0\.20\/24/);
  });

  it("exec passes output and exit code through", () => {
    const r = lab.exec("rs1", "echo out; echo err >&2; exit 7");
    assert.deepEqual(r, { code: 7, stdout: "out\n", stderr: "err\n" });
  });
});
