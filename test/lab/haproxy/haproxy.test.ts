// Config-managed services on the haproxy preset, through the real engine:
// the seed's L7 listen (httpchk, static-rr 2:3) and L4 frontend/backend on
// haproxy1, an nginx site and a plain file on the real servers. A listener
// that HAProxy refuses changes nothing while the old config keeps serving; a
// weight change reloads with no failed request; hand edits of every managed
// file show as drift on refresh and `up` repairs them; destroy puts back the
// stock configs. The golden HAProxy and nginx configs pass the real validators.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { connectionArgs, loadInventory } from "../../../stacks/inventory";
import * as lab from "../../../lab/lab";
import { HaproxyListener, ManagedFile, NginxSite } from "../../../providers";
import { inlineStack } from "../../support/engine";
import { GOLDEN_ROOT } from "../../support/golden";
import { useLabStacks } from "../../support/labStack";
import { countFailures, loadDuring } from "../../support/load";
import { tally } from "../../support/stacks";

const HAPROXY = "192.168.118.50";

interface Shape {
  weights: [number, number];
}

function program(shape: Shape) {
  return async () => {
    const inv = loadInventory();
    const conn = (h: string) => pulumi.secret(connectionArgs(inv.hosts[h]));
    const rip = (h: string) => inv.hosts[h].addresses.ens33.split("/")[0];
    const servers = (weights: [number, number]) =>
      ["rs1", "rs2"].map((h, i) => ({ name: h, address: rip(h), port: 80, weight: weights[i], inter: 2000, fall: 3 }));
    new HaproxyListener("web", {
      connection: conn("haproxy1"),
      name: "web",
      bind: [{ port: 80 }],
      balance: "static-rr",
      httpCheck: { method: "GET", uri: "/index.html" },
      servers: servers(shape.weights),
    });
    new HaproxyListener("l4", {
      connection: conn("haproxy1"),
      name: "l4",
      style: "frontend-backend",
      mode: "tcp",
      bind: [{ port: 8080 }],
      balance: "roundrobin",
      servers: servers([1, 1]),
    });
    for (const h of ["rs1", "rs2"]) {
      new NginxSite(`${h}-site`, {
        connection: conn(h),
        name: "pulumi-lvs-web",
        defaultServer: true,
        locations: [{ match: "/", tryFiles: ["$uri", "$uri/", "=404"] }],
      });
      new ManagedFile(`${h}-health`, { connection: conn(h), path: "/var/www/html/health.txt", content: `ok ${h}\n` });
    }
    return { url: `http://${HAPROXY}/` };
  };
}

/** Which nginx answered each of n requests from the client. */
function pages(port: number, n: number): string[] {
  return lab.run("client", `for i in $(seq 1 ${n}); do curl -s -m 3 http://${HAPROXY}:${port}/ || echo FAILED; done`).trim().split("\n");
}

describe("HAProxy, nginx and files on the haproxy preset (real engine)", function () {
  this.timeout(900000);
  const snapshot = () =>
    [
      lab.run(
        "haproxy1",
        "md5sum /etc/haproxy/haproxy.cfg /etc/default/haproxy; ls /etc/haproxy; systemctl is-enabled haproxy || true; systemctl is-active haproxy || true",
      ),
      ...["rs1", "rs2"].map((h) =>
        lab.run(
          h,
          "ls -l /etc/nginx/sites-enabled /etc/nginx/conf.d /var/www/html | sed 's/ [A-Z][a-z][a-z] .* / /'; systemctl is-active nginx",
        ),
      ),
    ].join("\n");
  let bare: string;
  const ctx = useLabStacks("haproxy", () => (bare = snapshot()));

  it("the golden configs pass the real haproxy -c and nginx -t", () => {
    const put = (host: string, dir: string, sub: string) => {
      for (const f of fs.readdirSync(path.join(GOLDEN_ROOT, sub))) {
        const r = lab.exec(host, `mkdir -p ${dir} && cat > ${dir}/${f}`, fs.readFileSync(path.join(GOLDEN_ROOT, sub, f), "utf8"));
        assert.equal(r.code, 0, r.stderr);
      }
    };
    put("haproxy1", "/tmp/golden/haproxy", "haproxy");
    const listeners = fs.readdirSync(path.join(GOLDEN_ROOT, "haproxy")).filter((f) => f !== "haproxy.cfg");
    const hp = lab.exec("haproxy1", `cd /tmp/golden/haproxy && haproxy -c -f haproxy.cfg ${listeners.map((f) => `-f ${f}`).join(" ")}`);
    assert.equal(hp.code, 0, hp.stdout + hp.stderr);
    assert.doesNotMatch(hp.stdout + hp.stderr, /WARNING|ALERT/);

    put("rs1", "/tmp/golden/nginx", "nginx");
    for (const f of fs.readdirSync(path.join(GOLDEN_ROOT, "nginx"))) {
      const r = lab.exec(
        "rs1",
        `sed -e 's#/etc/nginx/conf.d/\\*.conf#/tmp/golden/nginx/${f}#' -e '\\#sites-enabled#d' /etc/nginx/nginx.conf > /tmp/golden/main-${f} && nginx -t -q -c /tmp/golden/main-${f}`,
      );
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    }

    for (const h of ["haproxy1", "rs1"]) lab.run(h, "rm -rf /tmp/golden");
  });

  it("up: static-rr 2:3 splits 50 requests 20/30, the L4 frontend alternates, nginx sites serve", async () => {
    ctx.stack = await inlineStack(ctx.backend, "haproxy-lab", "haproxy", program({ weights: [2, 3] }));
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      up (6 resources on 3 hosts): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(up.summary.result, "succeeded");
    assert.deepEqual(tally(pages(80, 50)), { "this is nginx1": 20, "this is nginx2": 30 });
    const l4 = pages(8080, 6);
    for (let i = 1; i < l4.length; i++) assert.notEqual(l4[i], l4[i - 1], `roundrobin alternates: ${l4.join(", ")}`);
    assert.equal(lab.run("client", `curl -s http://192.168.118.30/health.txt`), "ok rs1\n");
    assert.equal(lab.exec("rs1", "test -e /etc/nginx/sites-enabled/default").code, 1, "the stock default site is set aside");
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("a change HAProxy refuses (here: among a hand-made sibling file) changes nothing, and the old config keeps serving without a failed request", async () => {
    // An operator's unmanaged file declares a second frontend named "web":
    // every listener set with it fails `haproxy -c`, so our weight change is
    // refused before it reaches the running HAProxy.
    lab.run("haproxy1", "printf 'frontend web\\n    bind *:9090\\n' > /etc/haproxy/conf.d/zz-legacy.cfg");
    const before = lab.run("haproxy1", "md5sum /etc/haproxy/conf.d/web.cfg /etc/haproxy/haproxy.cfg; systemctl show -p MainPID haproxy");
    ctx.stack = await inlineStack(ctx.backend, "haproxy-lab", "haproxy", program({ weights: [3, 2] }));
    const stack = ctx.stack;
    const load = await loadDuring("client", `http://${HAPROXY}/`, async () => {
      await assert.rejects(stack.up(), /web\.cfg was refused by its validator[\s\S]*has the same name as/);
    });
    lab.run("haproxy1", "rm -f /etc/haproxy/conf.d/zz-legacy.cfg");
    console.log(`      refused change: ${load.ok} requests ok, ${load.failed} failed`);
    assert.equal(load.failed, 0);
    assert.ok(load.ok > 0, "the load loop ran");
    assert.equal(
      lab.run("haproxy1", "md5sum /etc/haproxy/conf.d/web.cfg /etc/haproxy/haproxy.cfg; systemctl show -p MainPID haproxy"),
      before,
    );
    assert.deepEqual(tally(pages(80, 10)), { "this is nginx1": 4, "this is nginx2": 6 });
  });

  it("a weight change is a seamless reload: 0 failed requests, and the new split", async () => {
    ctx.stack = await inlineStack(ctx.backend, "haproxy-lab", "haproxy", program({ weights: [3, 2] }));
    const stack = ctx.stack;
    let seconds = 0;
    const load = await loadDuring("client", `http://${HAPROXY}/`, async () => {
      const t0 = Date.now();
      const up = await stack.up();
      seconds = (Date.now() - t0) / 1000;
      assert.equal(up.summary.resourceChanges?.update, 1);
    });
    console.log(`      weight change up: ${seconds.toFixed(1)} s; ${load.ok} requests ok, ${load.failed} failed`);
    assert.equal(load.failed, 0);
    assert.deepEqual(tally(pages(80, 50)), { "this is nginx1": 30, "this is nginx2": 20 });
    const reloads = await countFailures("client", `http://${HAPROXY}/`, () =>
      lab.run(
        "haproxy1",
        "for i in 1 2 3 4 5; do s=$(date +%s%N); systemctl reload haproxy; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); sleep 1; done",
      ),
    );
    console.log(
      `      5 x systemctl reload haproxy: ${reloads.output.trim().split("\n").join(", ")} ms; ${reloads.ok} requests ok, ${reloads.failed} failed`,
    );
    assert.equal(reloads.failed, 0);
  });

  it("hand edits of the listener, the site and the file show as drift on refresh; up repairs them", async () => {
    const stack = ctx.stack!;
    lab.run("haproxy1", "sed -i 's/weight 2/weight 9/' /etc/haproxy/conf.d/web.cfg");
    lab.run("rs1", "sed -i 's/=404/=403/' /etc/nginx/conf.d/pulumi-lvs-web.conf");
    lab.run("rs2", "echo tampered > /var/www/html/health.txt");
    const refresh = await stack.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 3, JSON.stringify(refresh.summary.resourceChanges));
    const preview = await stack.preview();
    assert.equal(preview.changeSummary.update, 3, JSON.stringify(preview.changeSummary));
    await stack.up();
    assert.doesNotMatch(lab.run("haproxy1", "cat /etc/haproxy/conf.d/web.cfg"), /weight 9/);
    assert.match(lab.run("rs1", "cat /etc/nginx/conf.d/pulumi-lvs-web.conf"), /=404/);
    assert.equal(lab.run("rs2", "cat /var/www/html/health.txt"), "ok rs2\n");
    await stack.preview({ expectNoChanges: true });
  });

  it("destroy puts back the stock configs and the services' states", async () => {
    await ctx.stack?.destroy();
    ctx.stack = undefined;
    assert.equal(snapshot(), bare);
  });
});
