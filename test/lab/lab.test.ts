// The lab itself, on every preset: hosts reachable with pinned keys, kernel
// IPVS per host, the seed's subnets and nothing more, VRRP multicast between
// directors (and `cut` stopping it), stop/start resetting kernel state, and
// nothing left running after `down`.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { Client } from "ssh2";
import { InventoryHost, loadInventory } from "../../lab/inventory";
import * as lab from "../../lab/lab";

/** Connects with ssh2, accepting only the host key whose SHA256 fingerprint is `pin`; runs `command`. */
function sshPinned(h: InventoryHost, pin: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let out = "";
    c.on("ready", () => {
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        stream.on("data", (d: Buffer) => (out += d.toString()));
        stream.stderr.on("data", () => undefined);
        stream.on("close", () => {
          c.end();
          resolve(out);
        });
      });
    });
    c.on("error", reject);
    c.connect({
      host: h.sshHost,
      port: h.port,
      username: h.user,
      privateKey: fs.readFileSync(h.privateKeyPath),
      readyTimeout: 20000,
      hostVerifier: (key: Buffer) => "SHA256:" + crypto.createHash("sha256").update(key).digest("base64").replace(/=+$/, "") === pin,
    });
  });
}

function ok(host: string, command: string): string {
  return lab.run(host, command);
}

/** Does `from` reach `addr` (ICMP, 1 s)? */
function reaches(from: string, addr: string): boolean {
  return lab.exec(from, `ping -c1 -W1 ${addr} >/dev/null`).code === 0;
}

/** Number of VRRP (IP protocol 112) packets `host` sees on ens33 within `seconds`. */
function vrrpPackets(host: string, seconds: number): number {
  // tcpdump prints a bare newline when timeout stops it: count only VRRP lines.
  const r = lab.exec(host, `timeout ${seconds} tcpdump -l -n -i ens33 'ip proto 112' 2>/dev/null | grep -c VRRP`);
  return Number(r.stdout.trim());
}

/** Every host of the running lab answers SSH (ssh2) with the host key its inventory pins. */
async function allHostsPinned(names: string[]): Promise<void> {
  const inv = loadInventory();
  assert.deepEqual(Object.keys(inv.hosts).sort(), [...names].sort());
  for (const h of Object.values(inv.hosts)) assert.equal((await sshPinned(h, h.hostKeySha256, "hostname")).trim(), h.name);
}

function bootPreset(preset: string): void {
  before(async function () {
    this.timeout(600000);
    const r = await lab.up(preset);
    console.log(`      lab ${preset}: VM ${r.seconds.vm.toFixed(1)}s, all ${Object.keys(r.inventory.hosts).length} hosts SSH-ready at ${r.seconds.total.toFixed(1)}s, qemu RSS ${lab.status().qemuRssMiB} MiB`);
  });
}

describe("lab", function () {
  this.timeout(600000);

  after(async () => {
    const s = lab.labState();
    await lab.down();
    if (s) assert.equal(fs.existsSync(`/proc/${s.qemuPid}`), false, "qemu is gone after down");
  });

  describe("preset nat", () => {
    bootPreset("nat");

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

  describe("preset dr", () => {
    bootPreset("dr");

    it("every host answers SSH with its pinned host key", async () => {
      await allHostsPinned(["client", "director1", "director2", "rs1", "rs2"]);
      assert.equal(reaches("client", "192.168.118.100"), false, "the VIP is left free");
    });

    it("keeps IPVS state per host", () => {
      ok("director1", "ipvsadm -A -t 192.168.118.100:80 -s rr");
      assert.match(ok("director1", "ipvsadm -Sn"), /192\.168\.118\.100:80/);
      assert.equal(ok("director2", "ipvsadm -Sn").trim(), "");
      ok("director1", "ipvsadm -C");
    });

    it("passes VRRP multicast between the directors; cut stops it and heal restores it", () => {
      const conf = [
        "vrrp_instance VI_1 {",
        "  state MASTER", "  interface ens33", "  virtual_router_id 51", "  priority 120", "  advert_int 1",
        "  virtual_ipaddress {", "    192.168.118.100/24", "  }",
        "}",
      ].join("\n");
      ok("director1", `cat > /tmp/vrrp-test.conf <<'EOF'\n${conf}\nEOF\nkeepalived -f /tmp/vrrp-test.conf -p /run/vrrp-test.pid -r /run/vrrp-test-vrrp.pid`);
      try {
        assert.ok(vrrpPackets("director2", 4) >= 2, "director2 sees director1's adverts");
        lab.cut("director1", "director2");
        assert.equal(vrrpPackets("director2", 4), 0, "no adverts cross a cut link");
        assert.ok(reaches("client", "192.168.118.10"), "cut affects only that pair");
        lab.heal();
        assert.ok(vrrpPackets("director2", 4) >= 2, "adverts pass again after heal");
      } finally {
        lab.heal();
        lab.exec("director1", "kill $(cat /run/vrrp-test.pid) 2>/dev/null; rm -f /tmp/vrrp-test.conf");
      }
    });
  });

  describe("preset nginx-tomcat", () => {
    bootPreset("nginx-tomcat");

    it("has the dr hosts plus two tomcats answering on 8080", async () => {
      await allHostsPinned(["client", "director1", "director2", "rs1", "rs2", "tomcat1", "tomcat2"]);
      const inv = loadInventory();
      assert.deepEqual(inv.groups.tomcats, ["tomcat1", "tomcat2"]);
      for (const t of ["192.168.118.50", "192.168.118.60"]) {
        let code = "000";
        for (let i = 0; i < 90 && code === "000"; i++) {
          code = lab.exec("rs1", `curl -s -o /dev/null -m 5 -w '%{http_code}' http://${t}:8080/`).stdout.trim();
          if (code === "000") await new Promise((r) => setTimeout(r, 2000));
        }
        assert.match(code, /^[2-4]\d\d$/, `tomcat at ${t}:8080 answers HTTP (got ${code})`);
      }
    });
  });

  describe("preset haproxy", () => {
    bootPreset("haproxy");

    it("has two HAProxy hosts with haproxy installed and two nginx real servers", async () => {
      await allHostsPinned(["client", "haproxy1", "haproxy2", "rs1", "rs2"]);
      const inv = loadInventory();
      assert.deepEqual(inv.groups.haproxies, ["haproxy1", "haproxy2"]);
      for (const h of ["haproxy1", "haproxy2"]) {
        assert.match(ok(h, "haproxy -v"), /HAProxy version/);
        assert.equal(ok(h, "curl -s http://192.168.118.30/").trim(), "this is nginx1");
      }
      assert.equal(ok("client", "curl -s http://192.168.118.40/").trim(), "this is nginx2");
    });
  });
});
