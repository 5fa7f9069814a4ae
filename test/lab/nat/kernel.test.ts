// The kernel-level resources (IpvsService, IpvsRealServer, SysctlSet,
// VipAlias) through the real engine on the lab's nat preset: the seed's
// state is created exactly, a second up changes nothing, edits are in place,
// identity changes replace, hand-made changes show on refresh and are
// repaired, a restarted host restores itself, destroy leaves the lab's state.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { Stack } from "@pulumi/pulumi/automation";
import { connectionArgs, loadInventory } from "../../../stacks/inventory";
import * as lab from "../../../lab/lab";
import { countSince, cursors } from "../../../bench/hostCounts";
import { IpvsRealServer, IpvsService, SysctlSet, VipAlias } from "../../../providers";
import { closeAll, sshTransport } from "../../../providers/transport/ssh";
import { inlineStack } from "../../support/engine";
import { useLabStacks } from "../../support/labStack";

interface Knobs {
  scheduler: string;
  weights: [number, number];
  vip: string;
}

/** The seed's NAT director: ip_forward, 12.0.0.20:80 with rs1/rs2 in masq mode, plus a VIP alias on ens36:0. */
function natProgram(k: Knobs) {
  return async () => {
    const inv = loadInventory();
    const director = connectionArgs(inv.hosts.director);
    const secretConn = pulumi.secret(director);
    new SysctlSet("director-forwarding", { connection: secretConn, name: "90-lvs-nat", values: { "net.ipv4.ip_forward": "1" } });
    const svc = new IpvsService("web", { connection: secretConn, address: "12.0.0.20", port: 80, scheduler: k.scheduler });
    new IpvsRealServer("rs1", {
      connection: secretConn,
      service: svc.key,
      address: "192.168.118.30",
      port: 80,
      method: "masq",
      weight: k.weights[0],
    });
    new IpvsRealServer("rs2", {
      connection: secretConn,
      service: svc.key,
      address: "192.168.118.40",
      port: 80,
      method: "masq",
      weight: k.weights[1],
    });
    const vip = new VipAlias("wan-vip", { connection: secretConn, address: k.vip, prefix: 24, interface: "ens36", label: "ens36:0" });
    return { service: svc.key, vip: vip.address };
  };
}

const director = (cmd: string) => lab.run("director", cmd);

/** SSH connections opened to the director by `fn`, counted in its sshd's journal read from the VM (adds none). */
async function connectionsDuring(fn: () => Promise<unknown>): Promise<number> {
  const from = cursors(["director"]);
  await fn();
  return countSince(from).director.connections;
}

describe("kernel-level resources on the nat preset (real engine)", function () {
  this.timeout(900000);
  let base: { ipvs: string; forward: string; addrs: string };
  const ctx = useLabStacks("nat", () => {
    base = {
      ipvs: director("ipvsadm -Sn"),
      forward: director("sysctl -n net.ipv4.ip_forward"),
      addrs: director("ip -o -4 addr show dev ens36"),
    };
  });

  async function deploy(k: Knobs) {
    ctx.stack = await inlineStack(ctx.backend, "kernel", "nat", natProgram(k));
    return ctx.stack.up();
  }
  const stack = () => ctx.stack as Stack;

  it("up creates exactly the seed's director state, over one SSH connection", async () => {
    const t0 = Date.now();
    let up: Awaited<ReturnType<typeof deploy>> | undefined;
    const conns = await connectionsDuring(async () => (up = await deploy({ scheduler: "rr", weights: [1, 1], vip: "12.0.0.100" })));
    console.log(`      up: ${((Date.now() - t0) / 1000).toFixed(1)}s, SSH connections to the director: ${conns}`);
    assert.equal(up?.summary.result, "succeeded");
    assert.equal(
      director("ipvsadm -Sn"),
      [
        "-A -t 12.0.0.20:80 -s rr",
        "-a -t 12.0.0.20:80 -r 192.168.118.30:80 -m -w 1",
        "-a -t 12.0.0.20:80 -r 192.168.118.40:80 -m -w 1",
        "",
      ].join("\n"),
    );
    assert.equal(director("sysctl -n net.ipv4.ip_forward").trim(), "1");
    assert.match(director("ip -o addr show dev ens36"), /inet 12\.0\.0\.100\/24 .*ens36:0/);
    assert.equal(director("cat /etc/sysctl.d/90-lvs-nat.conf").includes("net.ipv4.ip_forward = 1"), true);
    assert.match(director("cat /etc/ipvsadm.rules"), /-A -t 12\.0\.0\.20:80 -s rr/);
    assert.equal(conns, 1, "one SSH connection for the whole up");
  });

  it("a second up changes nothing and does not touch the host", async () => {
    const t0 = Date.now();
    let changes: Record<string, number> | undefined;
    const conns = await connectionsDuring(async () => (changes = (await stack().up()).summary.resourceChanges));
    console.log(`      no-op up: ${((Date.now() - t0) / 1000).toFixed(1)}s, SSH connections: ${conns}`);
    assert.deepEqual(changes, { same: 6 });
    assert.equal(conns, 0, "no-op up opens no SSH connection");
    const pre = await stack().preview({ expectNoChanges: true });
    assert.deepEqual(pre.changeSummary, { same: 6 });
  });

  it("refresh of an unchanged host finds no drift, reading the IPVS table once", async () => {
    const t0 = Date.now();
    const conns = await connectionsDuring(() => stack().refresh({ expectNoChanges: true }));
    console.log(`      refresh: ${((Date.now() - t0) / 1000).toFixed(1)}s, SSH connections: ${conns}`);
    assert.equal(conns, 1);
  });

  it("scheduler and weight changes are in-place edits; the service never disappears", async () => {
    // Poll the table on the host while the update runs.
    const poll = lab.exec(
      "director",
      "rm -f /tmp/poll.stop; nohup sh -c 'while [ ! -e /tmp/poll.stop ]; do ipvsadm -Ln -t 12.0.0.20:80 >/dev/null 2>&1 || echo missing; sleep 0.05; done > /tmp/poll.log 2>&1' >/dev/null 2>&1 &",
    );
    assert.equal(poll.code, 0);
    const up = await deploy({ scheduler: "wrr", weights: [2, 3], vip: "12.0.0.100" });
    assert.deepEqual(up.summary.resourceChanges, { same: 3, update: 3 });
    assert.equal(
      director("ipvsadm -Sn"),
      [
        "-A -t 12.0.0.20:80 -s wrr",
        "-a -t 12.0.0.20:80 -r 192.168.118.30:80 -m -w 2",
        "-a -t 12.0.0.20:80 -r 192.168.118.40:80 -m -w 3",
        "",
      ].join("\n"),
    );
    director("touch /tmp/poll.stop; sleep 1");
    assert.equal(director("grep -c missing /tmp/poll.log || true").trim(), "0", "the service was never absent");
  });

  it("weight 0 is honoured (quiesce), not dropped", async () => {
    await deploy({ scheduler: "wrr", weights: [0, 3], vip: "12.0.0.100" });
    assert.match(director("ipvsadm -Sn"), /-r 192\.168\.118\.30:80 -m -w 0/);
    await deploy({ scheduler: "wrr", weights: [2, 3], vip: "12.0.0.100" });
  });

  it("a VIP change replaces the alias", async () => {
    const up = await deploy({ scheduler: "wrr", weights: [2, 3], vip: "12.0.0.101" });
    assert.equal(up.summary.resourceChanges?.replace, 1);
    const addrs = director("ip -o addr show dev ens36");
    assert.match(addrs, /12\.0\.0\.101\/24/);
    assert.doesNotMatch(addrs, /12\.0\.0\.100\//);
    assert.match(director("systemctl is-enabled pulumi-lvs-vip-ens36-0.service"), /enabled/, "the boot unit of the new VIP is in place");
    assert.match(director("cat /etc/systemd/system/pulumi-lvs-vip-ens36-0.service"), /12\.0\.0\.101\/24/);
  });

  it("hand-made changes show as drift on refresh and up repairs them", async () => {
    director("ipvsadm -d -t 12.0.0.20:80 -r 192.168.118.40:80 && sysctl -qw net.ipv4.ip_forward=0 && ip addr del 12.0.0.101/24 dev ens36");
    const refresh = await stack().refresh();
    const changes = refresh.summary.resourceChanges ?? {};
    assert.equal(changes.delete, 1, `the removed real server is gone from state: ${JSON.stringify(changes)}\n${refresh.stdout}`);
    assert.equal(changes.update, 2, "sysctl and VIP drift");
    const up = await stack().up();
    assert.equal(up.summary.result, "succeeded");
    assert.match(director("ipvsadm -Sn"), /-r 192\.168\.118\.40:80 -m -w 3/);
    assert.equal(director("sysctl -n net.ipv4.ip_forward").trim(), "1");
    assert.match(director("ip -o addr show dev ens36"), /12\.0\.0\.101\/24/);
    await stack().preview({ expectNoChanges: true });
  });

  it("a stopped and started director gets its rules, VIP and sysctls back on its own", async () => {
    const want = director("ipvsadm -Sn");
    lab.stop("director");
    await lab.start("director");
    assert.equal(director("ipvsadm -Sn"), want);
    assert.equal(director("sysctl -n net.ipv4.ip_forward").trim(), "1");
    assert.match(director("ip -o addr show dev ens36"), /12\.0\.0\.101\/24/);
    await stack().refresh({ expectNoChanges: true });
  });

  it("refuses bad input at preview without touching the host", async () => {
    const conns = await connectionsDuring(async () => {
      const bad = await inlineStack(ctx.backend, "kernel-bad", "nat", async () => {
        const conn = connectionArgs(loadInventory().hosts.director);
        new IpvsService("bad", { connection: conn, address: "12.0.0.300", port: 80, scheduler: "fastest" });
      });
      await assert.rejects(bad.preview(), (err: Error) => {
        assert.match(err.message, /address must be an IPv4 or IPv6 address; got "12\.0\.0\.300"/);
        assert.match(err.message, /scheduler must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh; got "fastest"/);
        return true;
      });
    });
    assert.equal(conns, 0, "a refused preview opens no SSH connection to the director");
  });

  it("the transport pins host keys and names host, command, exit code and stderr in errors", async () => {
    const inv = loadInventory();
    const conn = connectionArgs(inv.hosts.director);
    try {
      await assert.rejects(
        sshTransport({ ...conn, hostKeySha256: inv.hosts.rs1.hostKeySha256 }).run("true"),
        new RegExp(
          `ssh root@127\\.0\\.0\\.1:${conn.port}: host key mismatch: expected ${inv.hosts.rs1.hostKeySha256.replace(/[+/]/g, "\\$&")}, got ${conn.hostKeySha256?.replace(/[+/]/g, "\\$&")}; refusing to connect`,
        ),
      );
      await assert.rejects(
        sshTransport({ ...conn, hostKeySha256: undefined }).run("true"),
        /no host key pin \(hostKeySha256\) given; the host offers SHA256:/,
      );
      const t = sshTransport(conn);
      await assert.rejects(
        t.run("echo oops >&2; exit 3"),
        new RegExp(`^CommandError: ssh root@127\\.0\\.0\\.1:${conn.port}: "echo oops >&2; exit 3" exited 3: oops$`),
      );
      assert.equal((await t.exec("cat", "through stdin")).stdout, "through stdin");
      await t.writeFileAtomic("/tmp/pulumi-lvs-atomic", "a'b\n$(x)\n", { mode: "0600" });
      assert.equal(director("stat -c %a /tmp/pulumi-lvs-atomic; cat /tmp/pulumi-lvs-atomic"), "600\na'b\n$(x)\n");
      assert.equal(await t.readFile("/nonexistent/file"), undefined);
    } finally {
      await closeAll();
    }
  });

  it("destroy leaves the director as the lab made it", async () => {
    const t0 = Date.now();
    await stack().destroy();
    console.log(`      destroy: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    assert.equal(director("ipvsadm -Sn"), base.ipvs);
    assert.equal(director("sysctl -n net.ipv4.ip_forward"), base.forward);
    assert.equal(director("ip -o -4 addr show dev ens36"), base.addrs);
    assert.equal(lab.exec("director", "test -e /etc/sysctl.d/90-lvs-nat.conf").code, 1);
    assert.equal(director("ls /etc/systemd/system | grep -c pulumi-lvs || true").trim(), "0");
  });
});
