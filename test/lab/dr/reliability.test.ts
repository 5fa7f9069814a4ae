// Reliability on the dr preset, through the real engine, with figures: no
// failed request during a weight change or a graceful real-server removal
// under load; an SSH connection killed in the middle of `up` leaves a state
// the next `up` converges from, without duplicates; a host stopped during
// `refresh` is an error and nothing leaves the state; a restarted host comes
// back with its VIP, sysctls and nginx and refresh finds no drift; a failing
// reload puts the old file back; 3 runs of parallel changes to one director
// keep the saved IPVS rules equal to the kernel's table (the real
// `ipvsadm -Sn` format); on a PostgreSQL backend, a second `up` of the stack
// is refused with the lock message and an `up` killed with SIGKILL converges
// after cancel, refresh --clear-pending-creates and up. The 20-run proof of parallel changes, which needs no
// kernel, is on the fake tier: test/fake/ipvsParallel.test.ts.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { IpvsRealServer, IpvsService, KeepalivedInstance, ManagedFile, VipAlias } from "../../../providers";
import { DrCluster } from "../../../stacks/components/drCluster";
import { hostsFromConfig } from "../../../stacks/hosts";
import type { Stack } from "@pulumi/pulumi/automation";
import { inlineStack } from "../../support/engine";
import { startPostgres } from "../../support/postgres";
import { deployment, pendingText, sharedCheckout, stateServers, upKilledWhen } from "../../support/team";
import { loadDuring } from "../../support/load";
import { useLabStacks } from "../../support/labStack";
import { snapshot } from "../../../scripts/lib/snapshot";
import { answers, assertAlternates, tally, until } from "../../support/stacks";

const URL = "http://192.168.118.100/";
const HOSTS = ["director1", "rs1", "rs2", "client"];
const BULK = Array.from({ length: 12 }, (_, i) => `192.168.118.${201 + i}`);

interface Shape {
  scheduler: string;
  weights: Record<string, number>;
  /** Weight of the 12 real servers of the bulk service (absent: no bulk service). */
  bulk?: number;
  /** nginx snippet on rs2 written without a validator, reloaded with systemctl. */
  snippet?: string;
}

function program(s: Shape) {
  return async () => {
    const hosts = hostsFromConfig();
    const d = hosts.host("director1");
    new DrCluster("dr", {
      director: d,
      nic: "ens33",
      vipPrefix: 24,
      vip: "192.168.118.100",
      scheduler: s.scheduler,
      realServers: Object.entries(s.weights).map(([h, weight]) => ({ host: hosts.host(h), weight })),
    });
    if (s.bulk !== undefined) {
      const svc = new IpvsService("bulk", { connection: d.connection, address: "192.168.118.150", port: 8080, scheduler: "wrr" });
      for (const a of BULK) {
        new IpvsRealServer(
          `bulk-${a}`,
          {
            connection: d.connection,
            service: { protocol: "tcp", address: "192.168.118.150", port: 8080 },
            address: a,
            method: "route",
            weight: s.bulk,
          },
          { dependsOn: [svc] },
        );
      }
    }
    if (s.snippet !== undefined) {
      new ManagedFile("rs2-snippet", {
        connection: hosts.host("rs2").connection,
        path: "/etc/nginx/conf.d/zz-snippet.conf",
        content: s.snippet,
        reload: "systemctl reload nginx",
      });
    }
    return {};
  };
}

const BASE: Shape = { scheduler: "rr", weights: { rs1: 1, rs2: 1 } };

/** The team test's program (its own objects on director1, beside the dr stack's): a service with 12 real servers, a VIP, a keepalived instance. */
const TEAM_VIP = "192.168.118.160";
const TEAM_SERVERS = Array.from({ length: 12 }, (_, i) => `192.168.118.${221 + i}`);
async function teamProgram() {
  const d = hostsFromConfig().host("director1").connection;
  const svc = new IpvsService("team-svc", { connection: d, address: TEAM_VIP, port: 8080, scheduler: "wrr" });
  for (const address of TEAM_SERVERS) {
    new IpvsRealServer(`team-${address}`, { connection: d, service: svc.key, address, port: 8080, method: "route", weight: 1 });
  }
  new VipAlias("team-vip", { connection: d, address: "192.168.118.161", interface: "ens33", label: "ens33:7" });
  new KeepalivedInstance("team-vrrp", {
    connection: d,
    name: "vi-team",
    vrrp: {
      name: "VI_TEAM",
      state: "BACKUP",
      interface: "ens33",
      virtualRouterId: 71,
      priority: 50,
      virtualIpaddress: [{ address: "192.168.118.162" }],
    },
  });
  return {};
}

describe("reliability on the dr preset (real engine)", function () {
  this.timeout(1500000);
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot(HOSTS)));
  const up = async (s: Shape) => {
    ctx.stack = await inlineStack(ctx.backend, "reliability", "dr", program(s));
    return ctx.stack.up();
  };

  it("under load, a weight change and a graceful removal of a real server fail no request", async () => {
    await up(BASE);
    assertAlternates(answers(URL, 10), "this is nginx1", "this is nginx2");
    const weight = await loadDuring("client", URL, async () => {
      await up({ ...BASE, weights: { rs1: 3, rs2: 1 } });
    });
    console.log(`      weight change under load: ${weight.ok} requests ok, ${weight.failed} failed`);
    assert.equal(weight.failed, 0);
    const t0 = Date.now();
    const removal = await loadDuring("client", URL, async () => {
      const r = await up({ ...BASE, weights: { rs1: 3 } });
      // rs2's IPVS entry, its VIP on lo:0 and its ARP sysctls.
      assert.equal(r.summary.resourceChanges?.delete, 3);
    });
    console.log(
      `      graceful removal of rs2 under load (${((Date.now() - t0) / 1000).toFixed(1)} s): ${removal.ok} requests ok, ${removal.failed} failed`,
    );
    assert.equal(removal.failed, 0);
    assert.deepEqual(tally(answers(URL, 6)), { "this is nginx1": 6 });
  });

  it("an SSH connection killed in the middle of up: the next up converges, with no duplicate or orphan", async () => {
    await up(BASE);
    // Kill every SSH session on director1 except the killer's own, for 6 s,
    // while up edits the service and both real servers.
    // (`nott[y]` keeps pgrep from matching this very command line.)
    const killer = lab.execAsync(
      "director1",
      "end=$(( $(date +%s) + 6 )); n=0; while [ $(date +%s) -lt $end ]; do for p in $(pgrep -f '^sshd: root@nott[y]'); do if [ $p != $PPID ]; then kill $p && n=$((n+1)); fi; done; sleep 0.2; done; echo $n",
    );
    let first: string;
    try {
      await up({ scheduler: "wrr", weights: { rs1: 2, rs2: 3 } });
      first = "succeeded (the transport reconnected)";
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      // The error names the host and says the session was cut.
      assert.match(msg, /ssh root@127\.0\.0\.1:\d+: [\s\S]*(was cut off|could not run|cannot connect|exit -1)/);
      first = `failed: ${
        msg
          .split("\n")
          .find((l) => /ssh root@/.test(l))
          ?.replace(/.*(ssh root@)/, "$1") ?? ""
      }`;
    }
    const killed = (await killer).stdout.trim();
    console.log(`      ${killed} sessions killed during up; up ${first}`);
    const again = await up({ scheduler: "wrr", weights: { rs1: 2, rs2: 3 } });
    assert.equal(again.summary.result, "succeeded");
    const table = lab.run("director1", "ipvsadm -Sn");
    assert.equal(
      table,
      "-A -t 192.168.118.100:80 -s wrr\n-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 2\n-a -t 192.168.118.100:80 -r 192.168.118.40:80 -g -w 3\n",
    );
    assert.equal(lab.run("director1", "cat /etc/ipvsadm.rules"), table, "the saved rules equal the kernel's");
    await ctx.stack!.preview({ expectNoChanges: true });
  });

  it("a host stopped during refresh is an error naming it, and nothing leaves the state; restarted, it comes back with no drift", async () => {
    await up(BASE);
    const before = (await ctx.stack!.exportStack()).deployment.resources.length;
    lab.stop("rs1");
    try {
      await assert.rejects(ctx.stack!.refresh(), /ssh root@127\.0\.0\.1:\d+.*(cannot connect|ECONNREFUSED|timed out|could not run)/i);
      assert.equal((await ctx.stack!.exportStack()).deployment.resources.length, before, "no resource left the state");
    } finally {
      await lab.start("rs1");
    }
    // The VIP on lo:0 (boot unit), the ARP sysctls (sysctl.d) and nginx come back by themselves.
    await ctx.stack!.refresh({ expectNoChanges: true });
    // The lab gives a restarted host a new MAC address: the director's ARP
    // entry must refresh before rs1 answers through the VIP again.
    const s = await until("rs1 answers through the VIP again", 60, () => {
      const a = answers(URL, 4);
      return a.includes("this is nginx1") && !a.includes("FAILED");
    });
    console.log(`      rs1 stopped and started: no drift; answering through the VIP ${s.toFixed(1)} s after its boot`);
    assertAlternates(answers(URL, 10), "this is nginx1", "this is nginx2");
  });

  it("a reload that fails puts the old file back and nginx keeps serving", async () => {
    await up({ ...BASE, snippet: "# snippet v1\n" });
    await assert.rejects(
      up({ ...BASE, snippet: "this is not nginx syntax\n" }),
      /reloading after writing \/etc\/nginx\/conf\.d\/zz-snippet\.conf failed[\s\S]*previous file was put back/,
    );
    assert.equal(lab.run("rs2", "cat /etc/nginx/conf.d/zz-snippet.conf"), "# snippet v1\n");
    assert.equal(lab.run("rs2", "systemctl is-active nginx").trim(), "active");
    // Every request is answered and rs2 (the reloaded nginx) answers. Not an exact
    // alternation: after the load tests above, a client port reused while IPVS still
    // holds its old entry (FIN_WAIT in DR mode, conn_reuse_mode 1) goes to that
    // entry's real server without scheduling.
    const got = tally(answers(URL, 10));
    assert.deepEqual(Object.keys(got).sort(), ["this is nginx1", "this is nginx2"], JSON.stringify(got));
  });

  // 3 runs (weights 2, 5, 2) through the real engine and kernel: the saved file
  // matches the real `ipvsadm -Sn`. The 20-run proof that parallel changes never
  // leave the saved file differing from the table is test/fake/ipvsParallel.test.ts.
  it("3 runs of 12 real servers changed in parallel through the real engine keep /etc/ipvsadm.rules equal to the kernel's table (the real ipvsadm -Sn format)", async () => {
    const t0 = Date.now();
    for (let run = 0; run < 3; run++) {
      const w = run % 2 === 0 ? 2 : 5;
      await up({ ...BASE, bulk: w });
      const table = lab.run("director1", "ipvsadm -Sn");
      assert.equal(lab.run("director1", "cat /etc/ipvsadm.rules"), table, `run ${run}: saved rules differ from the kernel's`);
      const bulk = table.split("\n").filter((l) => l.startsWith("-a -t 192.168.118.150:8080"));
      assert.equal(bulk.length, BULK.length, `run ${run}: ${bulk.length} bulk real servers`);
      assert.ok(
        bulk.every((l) => l.endsWith(`-w ${w}`)),
        `run ${run}: every weight is ${w}`,
      );
    }
    console.log(`      3 runs of 12 parallel weight changes: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("on a PostgreSQL backend: an up started while another runs is refused with the lock message; an up killed with SIGKILL while adding 12 real servers, a VIP and a keepalived instance converges after cancel, refresh --clear-pending-creates and up", async () => {
    const pg = await startPostgres();
    const [a, b] = [sharedCheckout(pg.url, ctx.backend.env), sharedCheckout(pg.url, ctx.backend.env)];
    let team: Stack | undefined;
    try {
      team = await inlineStack(a, "team", "prod", teamProgram);
      const other = await inlineStack(b, "team", "prod", teamProgram);
      // B starts as soon as A creates its first resource; A is killed once B was refused and A is in the middle.
      let refusal: Promise<string> | undefined;
      let refused: string | undefined;
      const k = await upKilledWhen(team, (started, creates) => {
        if (started.size > 0 && !refusal) {
          const t0 = Date.now();
          refusal = other.up().then(
            () => "ran",
            (err: unknown) => `${String(err)}\n(after ${Date.now() - t0} ms)`,
          );
          void refusal.then((r) => (refused = r));
        }
        return refused !== undefined && creates >= 3 && started.has("team-vip") && started.has("team-vrrp");
      });
      assert.notEqual(k.outcome, "finished", "the up finished before it could be killed");
      assert.ok(refused, "B's up ended");
      assert.match(refused, /the stack is currently locked by 1 lock\(s\)/, refused.slice(0, 2000));
      const pendingAfter = pendingText(await deployment(team));
      console.log(
        `      B refused ${/\(after (\d+) ms\)$/.exec(refused)?.[1]} ms after it started; A killed (${k.killed.length} processes) after ${k.creates} creates, ${k.ms} ms in; pending: ${pendingAfter}`,
      );
      await assert.rejects(other.refresh(), /the stack is currently locked/);
      const t1 = Date.now();
      await other.cancel();
      const refresh = await other.refresh({ clearPendingCreates: true });
      assert.equal(refresh.summary.result, "succeeded");
      const up = await other.up();
      assert.equal(up.summary.result, "succeeded");
      console.log(`      recovery (cancel, refresh --clear-pending-creates, up): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      const table = lab.run("director1", "ipvsadm -Sn");
      const servers = table.split("\n").filter((l) => l.startsWith(`-a -t ${TEAM_VIP}:8080`));
      assert.deepEqual(
        servers.map((l) => / -r (\S+):8080/.exec(l)?.[1]).sort(),
        [...TEAM_SERVERS].sort(),
        `each real server once on the host:\n${table}`,
      );
      assert.deepEqual(
        stateServers(await deployment(other)),
        TEAM_SERVERS.map((x) => `${x}:8080`).sort(),
        "each real server once in the state",
      );
      assert.equal(lab.run("director1", "cat /etc/ipvsadm.rules"), table, "the saved rules equal the kernel's");
      assert.equal(lab.run("director1", "ip -o addr show dev ens33").match(/inet 192\.168\.118\.161\//g)?.length, 1, "the VIP once");
      assert.equal(lab.run("director1", "ls /etc/keepalived/conf.d").trim(), "vi-team.conf");
      assert.equal(lab.run("director1", "systemctl is-active keepalived").trim(), "active");
      await other.preview({ expectNoChanges: true });
      team = other;
    } finally {
      try {
        if (team) await team.destroy();
      } finally {
        a.dispose();
        b.dispose();
        pg.stop();
      }
    }
    assert.equal(lab.run("director1", "ipvsadm -Sn").includes(TEAM_VIP), false, "destroy removed the service");
  });

  it("destroy returns every host to the lab's bare state", async () => {
    await ctx.stack!.destroy();
    ctx.stack = undefined;
    assert.equal(snapshot(HOSTS), bare);
  });
});
