// A team's shared state: the real engine with a PostgreSQL backend (a private
// server from Debian's package, test/support/postgres.ts) and a fake host.
//   - a stack moved from the file backend to PostgreSQL (stack export/import)
//     keeps its resources, and preview and refresh then show no change;
//   - two `up`s of the same stack started together from two checkouts: at most
//     one runs, every other fails fast with Pulumi's lock message, and the
//     host and the state hold each real server exactly once;
//   - an `up` killed with SIGKILL (the CLI and its provider plugin) while it
//     adds real servers, a VIP and a keepalived instance: the stack stays
//     locked; `pulumi cancel`, then `refresh --clear-pending-creates`, then
//     `up` converge: host and state agree, nothing orphaned or doubled.
// The figures go to docs/reliability.md.
import * as assert from "node:assert/strict";
import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack, UpOptions } from "@pulumi/pulumi/automation";
import * as P from "../../providers";
import { FAKE_HOSTS_ENV } from "../../providers/transport/seam";
import { inlineStack, TestBackend, testBackend } from "../support/engine";
import { projectRoot } from "../support/toolchain";
import { FakeHost, startFakeHost, writeFakeHostsDir } from "../support/fakeHost";
import { Postgres, startPostgres } from "../support/postgres";
import { Deployment, TEAM_PASSPHRASE, deployment, pendingText, sharedCheckout, stateServers, upKilledWhen } from "../support/team";

const VIP = "12.0.0.40";
const PROJECT = "team-director";
const STACK = "prod";

/** A director: ip_forward, the VIP, one service and `servers` real servers; with `extra`, a second VIP and a keepalived instance. */
function director(connection: P.ConnectionArgs, servers: number, extra = false) {
  return async () => {
    const fwd = new P.SysctlSet("forward", { connection, name: "90-lvs", values: { "net.ipv4.ip_forward": "1" } });
    new P.VipAlias("vip", { connection, address: VIP, interface: "ens33", label: "ens33:0" });
    const svc = new P.IpvsService("web", { connection, address: VIP, port: 80, scheduler: "wrr" }, { dependsOn: [fwd] });
    for (let i = 1; i <= servers; i++) {
      new P.IpvsRealServer(`rs${i}`, {
        connection,
        service: svc.key,
        address: `192.168.118.${100 + i}`,
        port: 80,
        method: "masq",
        weight: 1,
      });
    }
    if (extra) {
      new P.VipAlias("vip2", { connection, address: "12.0.0.41", interface: "ens33", label: "ens33:1" });
      new P.KeepalivedInstance("vrrp", {
        connection,
        name: "vi_team",
        readiness: { probe: { type: "none" } },
        vrrp: {
          name: "VI_TEAM",
          state: "MASTER",
          interface: "ens33",
          virtualRouterId: 61,
          priority: 120,
          virtualIpaddress: [{ address: "12.0.0.42" }],
        },
      });
    }
  };
}

/** The real servers in the host's IPVS table, as "address:port" lines, sorted. */
async function liveServers(h: FakeHost): Promise<string[]> {
  const rules = (await h.sh("ipvsadm -Sn")).split("\n").filter((l) => l.startsWith("-a "));
  return rules.map((l) => / -r (\S+)/.exec(l)?.[1] ?? l).sort();
}

describe("team: a PostgreSQL state backend, concurrent and interrupted runs", function () {
  this.timeout(600000);
  let pg: Postgres | undefined;
  let host: FakeHost | undefined;
  let fileBackend: TestBackend | undefined;
  const checkouts: TestBackend[] = [];

  /** Another checkout of the project on the shared backend: its own work directory, the same PULUMI_BACKEND_URL. */
  function checkout(): TestBackend {
    if (!pg || !fileBackend) throw new Error("setup failed");
    const b = sharedCheckout(pg.url, fileBackend.env);
    checkouts.push(b);
    return b;
  }

  before(async () => {
    pg = await startPostgres();
    host = await startFakeHost();
    fileBackend = testBackend("team-");
    const dir = path.join(fileBackend.dir, "fake-hosts");
    writeFakeHostsDir(dir, [host]);
    fileBackend.env[FAKE_HOSTS_ENV] = dir;
    // A team's own passphrase: the lab's is refused on a shared backend (scripts/lib.sh).
    fileBackend.env.PULUMI_CONFIG_PASSPHRASE = TEAM_PASSPHRASE;
  });

  after(() => {
    for (const b of checkouts) b.dispose();
    fileBackend?.dispose();
    host?.stop();
    pg?.stop();
  });

  it("a stack moved from the file backend to PostgreSQL keeps its resources; preview and refresh there show no change", async () => {
    if (!host || !fileBackend || !pg) throw new Error("setup failed");
    const onFile = await inlineStack(fileBackend, PROJECT, STACK, director(host.connection, 4));
    const up = await onFile.up();
    assert.equal(up.summary.result, "succeeded");
    const exported = await onFile.exportStack();

    const a = checkout();
    const t0 = Date.now();
    const onPg = await inlineStack(a, PROJECT, STACK, director(host.connection, 4));
    await onPg.importStack(exported);
    const migrateMs = Date.now() - t0;
    const keys = pg.sql("SELECT key FROM pulumi_state ORDER BY key").split("\n");
    assert.ok(
      keys.some((k) => k.endsWith(`stacks/${PROJECT}/${STACK}.json`)),
      `the stack's checkpoint is a row in PostgreSQL; rows: ${keys.join(", ")}`,
    );
    assert.deepEqual(stateServers(await deployment(onPg)), stateServers(exported.deployment as Deployment));
    assert.equal(stateServers(await deployment(onPg)).length, 4);
    const preview = await onPg.preview();
    assert.deepEqual(preview.changeSummary, { same: 8 }, "the stack, ip_forward, the VIP, the service and 4 real servers");
    const refresh = await onPg.refresh();
    assert.equal(refresh.summary.result, "succeeded");
    assert.deepEqual(refresh.summary.resourceChanges, { same: 8 });
    // The file backend's copy is retired as the docs say: `stack rm --preserve-config --force` there.
    await onFile.workspace.removeStack(STACK, { force: true });
    console.log(`      migration: export + import ${migrateMs} ms; ${keys.length} rows`);
    // `npm run pulumi` (scripts/pulumi.sh) takes the shared backend as set: it lists the stack there.
    const ls = cp.spawnSync("bash", [path.join(projectRoot, "scripts/pulumi.sh"), "stack", "ls", "--project", PROJECT, "--json"], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_BACKEND_URL: pg.url, PULUMI_CONFIG_PASSPHRASE: TEAM_PASSPHRASE },
    });
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual(
      (JSON.parse(ls.stdout) as { name: string }[]).map((x) => x.name),
      [`organization/${PROJECT}/${STACK}`],
    );
  });

  it("two ups of one stack from two checkouts: one starting while the other runs fails fast with the lock message; started together, at most one runs; each real server exactly once", async () => {
    if (!host) throw new Error("setup failed");
    const c = host.connection;
    const [a, b] = [checkout(), checkout()];
    const timed = async (s: Stack, opts?: UpOptions) => {
      const t0 = Date.now();
      try {
        await s.up(opts);
        return { ok: true, ms: Date.now() - t0, error: "" };
      } catch (err) {
        return { ok: false, ms: Date.now() - t0, error: String(err) };
      }
    };
    const lockMessage =
      /the stack is currently locked by \d+ lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`/;

    // B starts while A runs.
    const sa = await inlineStack(a, PROJECT, STACK, director(c, 10));
    const sb = await inlineStack(b, PROJECT, STACK, director(c, 10));
    let startB: () => void = () => undefined;
    const aRunning = new Promise<void>((resolve) => (startB = resolve));
    // A's first event (the prelude) comes once it holds the lock, before its program runs: B then starts while A
    // has its whole update ahead (several seconds), however slow the machine.
    const runA = timed(sa, { onEvent: () => startB() });
    await aRunning;
    const rb = await timed(sb);
    const ra = await runA;
    assert.ok(ra.ok, `A ran: ${ra.error.slice(0, 2000)}`);
    assert.equal(rb.ok, false, "B ran while A held the stack");
    assert.match(rb.error, lockMessage, rb.error.slice(0, 2000));
    const want = Array.from({ length: 10 }, (_, i) => `192.168.118.${101 + i}:80`).sort();
    assert.deepEqual(await liveServers(host), want);
    assert.deepEqual(stateServers(await deployment(sa)), want);
    // B runs again once A is done: nothing is left to do.
    assert.deepEqual((await sb.up()).summary.resourceChanges, { same: 14 });

    // Started in the same instant (6 more real servers): both may see the other's lock; never do both run.
    const sa2 = await inlineStack(a, PROJECT, STACK, director(c, 16));
    const sb2 = await inlineStack(b, PROJECT, STACK, director(c, 16));
    const together = await Promise.all([timed(sa2), timed(sb2)]);
    assert.ok(together.filter((r) => r.ok).length <= 1, "both ups ran at once");
    for (const r of together.filter((x) => !x.ok)) assert.match(r.error, lockMessage, r.error.slice(0, 2000));
    const last = await sb2.up();
    assert.equal(last.summary.result, "succeeded");
    const want16 = Array.from({ length: 16 }, (_, i) => `192.168.118.${101 + i}:80`).sort();
    assert.deepEqual(await liveServers(host), want16);
    assert.deepEqual(stateServers(await deployment(sb2)), want16);
    assert.equal((await host.sh("ipvsadm -Sn")).trim(), (await host.sh("cat /etc/ipvsadm.rules")).trim(), "boot rules equal the table");
    console.log(
      `      B started during A: refused in ${rb.ms} ms (A ran ${ra.ms} ms); started together: ` +
        together.map((r) => `${r.ok ? "ran" : "refused"} in ${r.ms} ms`).join(", "),
    );
  });

  it("an up killed with SIGKILL while adding 12 real servers, a VIP and a keepalived instance: cancel, refresh --clear-pending-creates and up converge", async () => {
    if (!host) throw new Error("setup failed");
    const h = host;
    const c = h.connection;
    const stack = await inlineStack(checkout(), PROJECT, STACK, director(c, 22, true));
    // Killed while the second VIP and the keepalived instance are being created, after some real servers.
    const k = await upKilledWhen(stack, (started, creates) => creates >= 3 && started.has("vip2") && started.has("vrrp"));
    assert.equal(k.outcome === "finished", false, "the up finished before it could be killed");
    assert.ok(k.killed.length >= 2, `killed the CLI and its plugin (pids ${k.killed.join(", ")})`);
    console.log(`      killed ${k.killed.length} processes after ${k.creates} creates, ${k.ms} ms into the up`);

    // The lock stays: the next run that changes the stack is refused until someone cancels (a preview takes no lock).
    assert.ok(pg?.sql("SELECT key FROM pulumi_state").includes("/locks/"), "the killed up left its lock");
    await assert.rejects(stack.refresh(), /the stack is currently locked by 1 lock\(s\)/);
    await stack.cancel();
    assert.equal(pg?.sql("SELECT key FROM pulumi_state").includes("/locks/"), false, "cancel removed the lock");
    const pending = (await deployment(stack)).pending_operations ?? [];
    console.log(`      pending operations after the kill: ${pendingText(await deployment(stack))}`);

    // In the middle: creates were in flight, or real servers were still to be added when it died.
    const onHost = (await liveServers(h)).length;
    assert.ok(pending.length > 0 || onHost < 22, `the kill came after the up's last change (${onHost} real servers on the host)`);
    const refresh = await stack.refresh({ clearPendingCreates: true });
    assert.equal(refresh.summary.result, "succeeded");
    assert.equal((await deployment(stack)).pending_operations?.length ?? 0, 0, "no pending operation left");
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    const want = Array.from({ length: 22 }, (_, i) => `192.168.118.${101 + i}:80`).sort();
    assert.deepEqual(await liveServers(h), want, "each real server once on the host");
    assert.deepEqual(stateServers(await deployment(stack)), want, "each real server once in the state");
    assert.equal((await h.sh("ipvsadm -Sn")).trim(), (await h.sh("cat /etc/ipvsadm.rules")).trim(), "boot rules equal the table");
    const addrs = await h.sh("ip -o addr show dev ens33");
    assert.equal(addrs.match(/inet 12\.0\.0\.41\//g)?.length, 1, `the second VIP once:\n${addrs}`);
    assert.equal((await h.sh("ls /etc/keepalived/conf.d")).trim(), "vi_team.conf");
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { same: 28 }, "host and state agree");

    const destroy = await stack.destroy();
    assert.equal(destroy.summary.result, "succeeded");
    assert.deepEqual(await liveServers(h), [], "nothing orphaned: destroy removed every real server");
    assert.doesNotMatch(await h.sh("ip -o addr show dev ens33"), /12\.0\.0\.4[01]/);
    assert.equal(fs.existsSync(path.join(h.root, "upper/etc/keepalived/conf.d/vi_team.conf")), false);
  });

  it("rotating the passphrase (stack change-secrets-provider passphrase, the new one on stdin): the new one reads the stack's secret, the old one no longer does", async () => {
    if (!host) throw new Error("setup failed");
    const a = checkout();
    const stack = await inlineStack(a, PROJECT, STACK, director(host.connection, 0));
    await stack.setConfig("pulumi-lvs:privateKey", { value: "not-a-real-key", secret: true });
    const cli = (args: string[], passphrase: string, input?: string) =>
      cp.spawnSync("pulumi", [...args, "--stack", STACK], {
        cwd: stack.workspace.workDir,
        encoding: "utf8",
        input,
        env: { ...a.env, PULUMI_CONFIG_PASSPHRASE: passphrase },
      });
    const rotated = cli(["stack", "change-secrets-provider", "passphrase"], TEAM_PASSPHRASE, "rotated-passphrase\n");
    assert.equal(rotated.status, 0, rotated.stderr);
    const withNew = cli(["config", "get", "pulumi-lvs:privateKey"], "rotated-passphrase");
    assert.equal(withNew.status, 0, withNew.stderr);
    assert.equal(withNew.stdout.trim(), "not-a-real-key");
    const withOld = cli(["config", "get", "pulumi-lvs:privateKey"], TEAM_PASSPHRASE);
    assert.notEqual(withOld.status, 0, "the old passphrase still reads the secret");
    assert.match(withOld.stderr, /incorrect passphrase/i);
  });
});
