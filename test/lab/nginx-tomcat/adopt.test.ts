// Adopting the seed's LVS + nginx + tomcat, built by hand: the plain DR
// director and its lo:0 real servers, each real server's nginx default site
// edited to pass `.jsp` to `upstream tomcat`, and on each tomcat a
// `<Context docBase="/srv/webapp" path="">` added to server.xml with its
// index.jsp. `npm run adopt` writes one DrCluster, each edited nginx site
// and each tomcat's server.xml and index.jsp whole; the first up changes
// nothing on any host (files, IPVS table, addresses, sysctls, the PIDs of
// nginx and Tomcat) while JSP requests through the VIP keep succeeding;
// refresh and preview find no change; an upstream weight edit in the
// generated program is checked by nginx -t on a copy, swapped in and
// reloaded (same PID) and the split follows; destroy keeps everything.
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
import { answers, tally, until } from "../../support/stacks";

const VIP = "192.168.118.100";
const ADOPTED = ["director1", "rs1", "rs2", "tomcat1", "tomcat2"];
const HOSTS = [...ADOPTED, "client"];
const SITE = "/etc/nginx/sites-available/default";

/** The seed's nginx site on a real server: static pages, and `.jsp` to the tomcats (Debian's default site, edited). */
function site(tomcat1Weight: number): string {
  return [
    "upstream tomcat {",
    `    server 192.168.118.50:8080 weight=${tomcat1Weight};`,
    "    server 192.168.118.60:8080 weight=1;",
    "}",
    "server {",
    "    listen 80 default_server;",
    "    root /var/www/html;",
    "    index index.html;",
    "    location / {",
    "        try_files $uri $uri/ =404;",
    "    }",
    "    location ~ .*\\.jsp$ {",
    "        proxy_pass http://tomcat;",
    "        proxy_set_header HOST $host;",
    "        proxy_set_header X-Real-IP $remote_addr;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "    }",
    "}",
    "",
  ].join("\n");
}

/** On a tomcat: the page, and the seed's `<Context>` typed into server.xml's <Host>, then a restart. */
function tomcatApp(n: number): string {
  return [
    "mkdir -p /srv/webapp",
    `printf 'this is tomcat${n}\\n' > /srv/webapp/index.jsp`,
    `sed -i 's#</Host>#  <Context docBase="/srv/webapp" path="" reloadable="true"/>\\n      </Host>#' /etc/tomcat10/server.xml`,
    "grep -q '<Context docBase=\"/srv/webapp\"' /etc/tomcat10/server.xml",
    "systemctl restart tomcat10",
  ].join(" && ");
}

/** Host state: the bare-state text, the checksums of the adopted files, and the main PIDs of sshd, nginx and Tomcat. */
function hostState(): string {
  return snapshot(HOSTS, [
    "echo main pids $(systemctl show -p MainPID --value ssh nginx tomcat10)",
    `md5sum ${SITE} /etc/tomcat10/server.xml /srv/webapp/index.jsp 2>/dev/null || true`,
  ]);
}

describe("adopt: the seed's hand-built LVS + nginx + tomcat, without a change (nginx-tomcat preset, real engine)", function () {
  this.timeout(1800000);
  const t = adoptHandBuilt(
    "nginx-tomcat",
    ADOPTED,
    async () => {
      for (const n of [1, 2]) lab.run(`tomcat${n}`, tomcatApp(n));
      for (const rs of ["rs1", "rs2"]) {
        lab.run(rs, seedDrRealServer(VIP));
        const w = lab.exec(rs, `cat > ${SITE} && nginx -t -q && systemctl reload nginx`, site(1));
        assert.equal(w.code, 0, w.stderr);
      }
      lab.run("director1", seedDrDirector(VIP));
      const t0 = Date.now();
      await until("both tomcats answering index.jsp through the VIP", 600, () => {
        const got = new Set(answers(`http://${VIP}/index.jsp`, 4));
        return got.has("this is tomcat1") && got.has("this is tomcat2");
      });
      console.log(`      hand-built; tomcats answering through the VIP after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    hostState,
  );

  it("discovery only read; the program is one DrCluster, the edited nginx sites and each tomcat's server.xml and index.jsp", () => {
    assert.equal(hostState(), t.built, "adopt changed a host");
    const program = programText(t.a.dir);
    for (const want of [
      /new DrCluster\("director1-dr-192\.168\.118\.100-80", \{ director: hosts\.host\("director1"\), nic: "ens33", vip: "192\.168\.118\.100", port: 80, scheduler: "wrr", realServers: \[\{ host: hosts\.host\("rs1"\), weight: 3 \}, \{ host: hosts\.host\("rs2"\), weight: 1 \}\], persist: false, adopt: true \}/,
      /new ManagedFile\("rs1-nginx-default", \{ connection: rs1, path: "\/etc\/nginx\/sites-available\/default", content: `upstream tomcat \{/,
      /validate: 'v=\$\(mktemp -d\) && cp -rL \/etc\/nginx\/\. "\$v"\/ && cp %s "\$v"\/sites-available\/default && cp %s "\$v"\/sites-enabled\/default && .*nginx -t -q -c "\$v"\/nginx\.conf; .*', reload: "systemctl reload nginx"/,
      /new ManagedFile\("tomcat1-tomcat-server\.xml", \{ connection: tomcat1, path: "\/etc\/tomcat10\/server\.xml", content: (pulumi\.interpolate)?`[^`]*<Context docBase="\/srv\/webapp" path="" reloadable="true"\/>[^`]*`, mode: "0640", owner: "root:tomcat", validate: "python3 -c 'import sys, xml\.dom\.minidom; xml\.dom\.minidom\.parse\(sys\.argv\[1\]\)' %s", reload: "systemctl restart tomcat10" \}/,
      /new ManagedFile\("tomcat2-tomcat-index\.jsp", \{ connection: tomcat2, path: "\/srv\/webapp\/index\.jsp", content: `this is tomcat2 `, mode: "0644", owner: "root:root" \}/,
    ])
      assert.match(program, want);
    assert.doesNotMatch(program, /new (IpvsService|IpvsRealServer|VipAlias)\(/, "the DR cluster is not declared raw");
    assert.doesNotMatch(program, /director1-nginx-default/, "an unchanged stock site is left to the package");
    assert.match(
      program,
      /\/\/ director1: nginx site \/etc\/nginx\/sites-enabled\/default \(\/etc\/nginx\/sites-available\/default\): Debian's stock file, unchanged/,
    );
  });

  it("the check passes, and up changes nothing on the hosts; no JSP request through the VIP fails meanwhile", async () => {
    await firstUpChangesNothing(t.a, `http://${VIP}/index.jsp`, hostState, t.built);
  });

  it("refresh and preview find no change", async () => {
    await noChange(t.a);
  });

  it("an upstream weight edit in the generated site is checked on a copy, swapped in and reloaded on both nginx; the split follows", async () => {
    const file = path.join(t.a.dir, "index.ts");
    const program = fs.readFileSync(file, "utf8");
    const edited = program.replace(/server 192\.168\.118\.50:8080 weight=1;/g, "server 192.168.118.50:8080 weight=3;");
    assert.equal(edited.split("weight=3;").length - 1, 2, "both real servers' sites edited");
    fs.writeFileSync(file, edited);
    const pids = lab.runEach(["rs1", "rs2"], "systemctl show -p MainPID --value nginx");
    const up = await t.a.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 2 + adoptedCount(t.a) - 2, update: 2 });
    assert.deepEqual(lab.runEach(["rs1", "rs2"], "systemctl show -p MainPID --value nginx"), pids, "reloaded, not restarted");
    assert.deepEqual(lab.runEach(["rs1", "rs2"], `cat ${SITE}`), { rs1: site(3), rs2: site(3) });
    const jsp = answers(`http://${VIP}/index.jsp`, 20);
    const counts = tally(jsp);
    console.log(`      20 JSP requests after weight 3:1: ${JSON.stringify(counts)}`);
    // Each nginx runs its own smooth weighted round robin (per worker): 3:1 gives tomcat1 at least 12 of 20.
    assert.ok((counts["this is tomcat1"] ?? 0) >= 12 && (counts["this is tomcat2"] ?? 0) >= 1, jsp.join(", "));
  });

  it("destroy with keepOnDestroy stops managing: every object stays on its host", async () => {
    await destroyKeepsAll(t.a, hostState);
  });
});
