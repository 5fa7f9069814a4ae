// KeepalivedInstance on the dr preset, through the real engine: the seed's
// director pair (MASTER 120 / BACKUP 100, VRID 51, auth PASS with a random.RandomPassword
// secret, VIP 192.168.118.100 on ens33:0, a DR virtual_server with TCP_CHECK
// on both real servers). The VIP sits on the master, moves to the backup when
// keepalived stops there, and comes back on restart (preempt). A second
// instance on one host coexists and leaves without disturbing the first
// (reload, same PID). A hand edit is drift; the golden configs pass
// `keepalived -t`; destroy restores the stock state.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { connectionArgs, loadInventory } from "../../../stacks/inventory";
import * as lab from "../../../lab/lab";
import * as random from "@pulumi/random";
import { KeepalivedInstance } from "../../../providers";
import { inlineStack } from "../../support/engine";
import { GOLDEN_ROOT } from "../../support/golden";
import { useLabStacks } from "../../support/labStack";

const VIP = "192.168.118.100";
const EXTRA_VIP = "192.168.118.101";

function program(extra: boolean) {
  return async () => {
    const inv = loadInventory();
    const conn = (h: string) => pulumi.secret(connectionArgs(inv.hosts[h]));
    const rip = (h: string) => inv.hosts[h].addresses.ens33.split("/")[0];
    const authPass = new random.RandomPassword("vrrp-auth", { length: 8, special: false });
    const directors: [string, "MASTER" | "BACKUP", number][] = [
      ["director1", "MASTER", 120],
      ["director2", "BACKUP", 100],
    ];
    for (const [host, state, priority] of directors) {
      new KeepalivedInstance(`${host}-lvs`, {
        connection: conn(host),
        name: "lvs",
        globalDefs: { routerId: `LVS_${host.toUpperCase()}` },
        vrrp: {
          name: "VI_1",
          state,
          interface: "ens33",
          virtualRouterId: 51,
          priority,
          advertInt: 1,
          authentication: { type: "PASS", pass: authPass.result },
          virtualIpaddress: [{ address: VIP, prefix: 24, dev: "ens33", label: "ens33:0" }],
        },
        virtualServers: [
          {
            address: VIP,
            port: 80,
            delayLoop: 6,
            lbAlgo: "rr",
            lbKind: "DR",
            persistenceTimeout: 0,
            realServers: ["rs1", "rs2"].map((h) => ({
              address: rip(h),
              port: 80,
              weight: 1,
              check: { type: "TCP_CHECK" as const, connectPort: 80, connectTimeout: 3, retry: 3, delayBeforeRetry: 4 },
            })),
          },
        ],
      });
    }
    if (extra) {
      new KeepalivedInstance("director1-extra", {
        connection: conn("director1"),
        name: "extra",
        vrrp: {
          name: "VI_2",
          state: "BACKUP",
          interface: "ens33",
          virtualRouterId: 52,
          priority: 50,
          virtualIpaddress: [{ address: EXTRA_VIP, prefix: 24, dev: "ens33" }],
        },
      });
    }
    return { vip: VIP, authPass: authPass.result };
  };
}

const holds = (host: string, vip = VIP) =>
  new RegExp(`inet ${vip.replace(/\./g, "\\.")}/`).test(lab.run(host, "ip -o -4 addr show dev ens33"));

/** Milliseconds from running `action` on `from` until `vip` appears (present) or disappears on `on`. */
async function timeUntil(on: string, present: boolean, from: string, action: string, limitS = 20): Promise<number> {
  const test = present ? "" : "!";
  const waiter = lab.execAsync(
    on,
    `end=$(( $(date +%s) + ${limitS} )); while ${test} ip -o -4 addr show dev ens33 | grep -q 'inet ${VIP}/'; [ $? -ne 0 ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done; date +%s%N`,
  );
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Number(lab.run(from, `date +%s%N; ${action} >/dev/null`).trim().split("\n")[0]);
  const r = await waiter;
  return (Number(r.stdout.trim()) - t0) / 1e6;
}

describe("KeepalivedInstance on the dr preset (real engine)", function () {
  this.timeout(900000);
  const hosts = ["director1", "director2"];
  const snapshot = () =>
    hosts
      .map((h) =>
        lab.run(
          h,
          "ls -A /etc/keepalived; systemctl is-enabled keepalived || true; systemctl is-active keepalived || true; ip -o -4 addr; ipvsadm -Sn",
        ),
      )
      .join("\n");
  let bare: string;
  const ctx = useLabStacks("dr", () => (bare = snapshot()));

  it("up: the VIP is on the master only, keepalived built the IPVS service, the auth secret stays out of the state file", async () => {
    ctx.stack = await inlineStack(ctx.backend, "keepalived-lab", "dr", program(false));
    const t0 = Date.now();
    let log = "";
    const up = await ctx.stack.up({ onOutput: (o) => (log += o) });
    console.log(`      up (2 instances + secret): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(up.summary.result, "succeeded");
    const pass = up.outputs.authPass.value as string;
    assert.equal(up.outputs.authPass.secret, true);
    assert.match(pass, /^[A-Za-z0-9]{8}$/);
    // No wait: up returned once the MASTER held the VIP and keepalived had both real servers in IPVS.
    assert.ok(holds("director1"), "the master holds the VIP");
    assert.ok(!holds("director2"), "the backup does not");
    assert.match(lab.run("director1", "ip -o -4 addr show dev ens33"), /ens33:0/);
    assert.match(lab.run("director2", "cat /etc/keepalived/conf.d/lvs.conf"), new RegExp(`auth_pass ${pass}`));
    assert.match(
      lab.run("director1", "ipvsadm -Sn"),
      /-a -t 192\.168\.118\.100:80 -r 192\.168\.118\.30:80 -g -w 1[\s\S]*192\.168\.118\.40:80 -g -w 1/,
    );
    const state = fs.readFileSync(path.join(ctx.backend.dir, "state", ".pulumi", "stacks", "keepalived-lab", "dr.json"), "utf8");
    assert.ok(!state.includes(pass), "the VRRP auth_pass is not in the state file in plaintext");
    assert.ok(!log.includes(pass), "nor in the output of up");
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("stopping keepalived on the master moves the VIP to the backup within 3 x advert_int + 1 s; a restart takes it back", async () => {
    const failover = await timeUntil("director2", true, "director1", "systemctl stop keepalived");
    console.log(`      failover: VIP on the backup ${failover.toFixed(0)} ms after the master's keepalived stopped`);
    assert.ok(holds("director2") && !holds("director1"), "the backup holds the VIP alone");
    assert.ok(failover <= 4000, `failover took ${failover} ms`);
    const back = await timeUntil("director1", true, "director1", "systemctl start keepalived");
    console.log(`      preempt: VIP back on the master ${back.toFixed(0)} ms after keepalived started`);
    for (let i = 0; i < 50 && holds("director2"); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(holds("director1") && !holds("director2"), "the master holds the VIP again");
    assert.ok(back <= 10000, `preempt took ${back} ms`);
  });

  it("a second instance on the master coexists, and removing it reloads without touching the first", async () => {
    ctx.stack = await inlineStack(ctx.backend, "keepalived-lab", "dr", program(true));
    await ctx.stack.up();
    for (let i = 0; i < 50 && !holds("director1", EXTRA_VIP); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(holds("director1", EXTRA_VIP) && holds("director1"), "both VIPs on director1");
    const pid = lab.run("director1", "systemctl show -p MainPID --value keepalived").trim();
    ctx.stack = await inlineStack(ctx.backend, "keepalived-lab", "dr", program(false));
    const up = await ctx.stack.up();
    assert.equal(up.summary.resourceChanges?.delete, 1);
    for (let i = 0; i < 50 && holds("director1", EXTRA_VIP); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(!holds("director1", EXTRA_VIP), "the removed instance's VIP is gone");
    assert.ok(holds("director1"), "the first instance's VIP stays");
    assert.equal(lab.run("director1", "systemctl show -p MainPID --value keepalived").trim(), pid, "reloaded, not restarted");
  });

  it("a hand edit of the instance file shows as drift on refresh and up repairs it", async () => {
    const stack = ctx.stack!;
    lab.run("director2", "sed -i 's/priority 100/priority 110/' /etc/keepalived/conf.d/lvs.conf");
    const refresh = await stack.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
    await stack.up();
    assert.match(lab.run("director2", "cat /etc/keepalived/conf.d/lvs.conf"), /priority 100/);
    await stack.preview({ expectNoChanges: true });
  });

  it("a restarted director comes back with keepalived running its config, and refresh finds no drift", async () => {
    lab.stop("director2");
    await lab.start("director2");
    for (let i = 0; i < 40 && lab.exec("director2", "systemctl is-active -q keepalived").code !== 0; i++)
      await new Promise((r) => setTimeout(r, 500));
    await ctx.stack!.refresh({ expectNoChanges: true });
    assert.ok(holds("director1") && !holds("director2"), "the master keeps the VIP");
  });

  it("the seed's configs, as rendered, pass the real keepalived -t", () => {
    // every-option.conf renders every field, including combinations check
    // refuses (nopreempt with preempt_delay): it is a renderer golden only.
    const dir = path.join(GOLDEN_ROOT, "keepalived");
    const files = fs.readdirSync(dir).filter((x) => x.startsWith("seed-"));
    for (const f of files)
      assert.equal(
        lab.exec("director2", `mkdir -p /tmp/golden && cat > /tmp/golden/${f}`, fs.readFileSync(path.join(dir, f), "utf8")).code,
        0,
      );
    for (const f of files) {
      const r = lab.exec("director2", `keepalived -t -l -f /tmp/golden/${f} < /dev/null`);
      assert.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`);
    }
    lab.run("director2", "rm -rf /tmp/golden");
  });

  it("destroy restores the stock keepalived state on both directors", async () => {
    await ctx.stack?.destroy();
    ctx.stack = undefined;
    assert.equal(snapshot(), bare);
  });
});
