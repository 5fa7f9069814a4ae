// TomcatApp, Package and SystemdService on the nginx-tomcat preset, through
// the real engine: the seed's tomcat1/tomcat2 each serve their index.jsp from
// a context with path "" (Tomcat restarted only when something changed);
// present packages and a running unit are left alone; a hand edit of the JSP
// is drift; destroy gives Tomcat back its stock ROOT application.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { connectionArgs, loadInventory } from "../../lab/inventory";
import * as lab from "../../lab/lab";
import { Package, SystemdService, TomcatApp } from "../../providers";
import { inlineStack } from "../support/engine";
import { useLabStacks } from "../support/labStack";

const TOMCATS = ["tomcat1", "tomcat2"];

function program() {
  return async () => {
    const inv = loadInventory();
    for (const h of TOMCATS) {
      const connection = pulumi.secret(connectionArgs(inv.hosts[h]));
      const pkg = new Package(`${h}-pkg`, { connection, names: ["tomcat10"] });
      const svc = new SystemdService(`${h}-svc`, { connection, unit: "tomcat10" }, { dependsOn: [pkg] });
      new TomcatApp(
        `${h}-app`,
        {
          connection,
          name: "test",
          path: "",
          docBase: "/srv/tomcat-test",
          files: { "index.jsp": `<%@ page contentType="text/plain" %>this is ${h}\n` },
        },
        { dependsOn: [svc] },
      );
    }
    return {};
  };
}

/** What the client gets from a tomcat's root JSP, waiting for Tomcat to (re)start. */
async function page(host: string, path = "/index.jsp"): Promise<string> {
  const ip = host === "tomcat1" ? "192.168.118.50" : "192.168.118.60";
  let last = "";
  for (let i = 0; i < 90; i++) {
    const r = lab.exec("client", `curl -s -f -m 5 http://${ip}:8080${path}`);
    last = r.stdout.trim();
    if (r.code === 0 && last) return last;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`${host}:8080${path} did not answer: ${last}`);
}

describe("TomcatApp, Package and SystemdService on the nginx-tomcat preset (real engine)", function () {
  this.timeout(900000);
  const snapshot = () => TOMCATS.map((h) => lab.run(h, "ls -A /etc/tomcat10/Catalina/localhost /srv 2>&1; systemctl is-enabled tomcat10; systemctl is-active tomcat10")).join("\n");
  let bare: string;
  const ctx = useLabStacks("nginx-tomcat");

  it("up: each tomcat serves its index.jsp at /; the packages and units already in place are not touched", async () => {
    // Tomcat creates its Catalina/localhost directory when it first starts:
    // the bare state is taken once both answer.
    await page("tomcat1", "/");
    await page("tomcat2", "/");
    bare = snapshot();
    ctx.stack = await inlineStack(ctx.backend, "tomcat-lab", "tomcats", program());
    const t0 = Date.now();
    const up = await ctx.stack.up();
    console.log(`      up (2 x package, unit, app; Tomcat restarts): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(up.summary.result, "succeeded");
    assert.equal(await page("tomcat1"), "this is tomcat1");
    assert.equal(await page("tomcat2"), "this is tomcat2");
    const pid = lab.run("tomcat1", "systemctl show -p MainPID --value tomcat10").trim();
    await ctx.stack.up();
    assert.equal(lab.run("tomcat1", "systemctl show -p MainPID --value tomcat10").trim(), pid, "a no-op up does not restart Tomcat");
    await ctx.stack.preview({ expectNoChanges: true });
  });

  it("a hand edit of index.jsp is drift on refresh, and up puts it back", async () => {
    const stack = ctx.stack!;
    lab.run("tomcat2", "echo tampered > /srv/tomcat-test/index.jsp");
    const refresh = await stack.refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
    await stack.up();
    assert.equal(await page("tomcat2"), "this is tomcat2");
  });

  it("destroy removes the apps, Tomcat serves its stock ROOT again, packages and units stay", async () => {
    await ctx.stack?.destroy();
    ctx.stack = undefined;
    assert.equal(snapshot(), bare);
    assert.doesNotMatch(await page("tomcat1", "/"), /this is tomcat1/);
  });
});
