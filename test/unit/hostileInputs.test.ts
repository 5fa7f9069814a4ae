// Two classes of hostile input (issue 23), per resource: a value that becomes
// part of a host path (one function, hostPath, builds every such path and
// refuses a result outside its directory; the pure checks refuse the value at
// preview naming the field), and a value starting with '-' handed to a command
// where it would be read as an option (refused by the check; the command
// builders throw as a last line).
import { strict as assert } from "node:assert";
import { CheckFailure, Checker } from "../../providers/common/check";
import { checkPathIn, hostPath, pathProblem } from "../../providers/common/paths";
import { includePath } from "../../providers/files/daemon";
import { MANAGED_FILE } from "../../providers/files/managedFile";
import { HAPROXY_LISTENER } from "../../providers/haproxy/haproxyListener";
import { NGINX_SITE } from "../../providers/nginx/nginxSite";
import { nginxSitePath } from "../../providers/nginx/core";
import { checkNatRule, natCommand } from "../../providers/nat/core";
import { checkRoute, routeCommand } from "../../providers/route/core";
import { checkSysctl, confPath, procPath } from "../../providers/sysctl/core";
import { bootUnitPath } from "../../providers/system/bootUnit";
import { checkPackage, checkService, installCommand, unitCommands, unitStateCommand } from "../../providers/system/core";
import { appFilePath, checkTomcatApp } from "../../providers/tomcat/core";
import { TOMCAT_APP } from "../../providers/tomcat/tomcatApp";
import { notOption } from "../../providers/transport/shell";
import { addCommand, checkVip } from "../../providers/vip/core";

const conn = { host: "192.168.118.20" };

/** The failures on `property`, as "<property>: <reason>". */
function on(failures: CheckFailure[], property: string): string[] {
  return failures.filter((f) => f.property === property).map((f) => f.reason);
}

/** Asserts exactly one failure on `property`, whose reason matches `re` and (unless `named` is false) starts with the property. */
function refused(failures: CheckFailure[], property: string, re: RegExp, named = true): void {
  const r = on(failures, property);
  assert.equal(r.length, 1, `one failure on ${property}; got ${JSON.stringify(failures)}`);
  if (named) assert.ok(r[0].startsWith(property), `the reason names ${property}: ${r[0]}`);
  assert.match(r[0], re);
  assert.match(r[0], /; got /);
}

describe("hostile inputs: host paths", () => {
  describe("hostPath", () => {
    it("joins parts under the directory with POSIX normalisation", () => {
      assert.equal(hostPath("/proc/sys", "net", "ipv4", "ip_forward"), "/proc/sys/net/ipv4/ip_forward");
      assert.equal(hostPath("/etc/sysctl.d", "lvs.conf"), "/etc/sysctl.d/lvs.conf");
      assert.equal(hostPath("/srv/app/", "a//b/./c/"), "/srv/app/a/b/c");
      assert.equal(hostPath("/srv//app/."), "/srv/app");
      assert.equal(hostPath("/", "etc", "x"), "/etc/x");
      assert.equal(hostPath("/srv/app", ".hidden"), "/srv/app/.hidden");
      assert.equal(hostPath("/srv/app", "..x", "x.."), "/srv/app/..x/x..");
    });

    it("refuses any result outside the directory", () => {
      const cases: [string, string[], RegExp][] = [
        ["/proc/sys", ["..", "..", "etc", "shadow"], /'\.\.' segment/],
        ["/proc/sys", ["net/../../etc"], /'\.\.' segment/],
        ["/etc/sysctl.d", ["../x.conf"], /'\.\.' segment/],
        ["/etc/systemd/system", ["/etc/passwd"], /absolute/],
        ["/srv/app", [""], /empty/],
        ["/srv/app", ["."], /leaves \/srv\/app/],
        ["/srv/app", ["a/.."], /'\.\.' segment/],
        ["/srv/app", ["a\0b"], /NUL/],
        ["/srv/app", ["a\nb"], /line break/],
        ["/srv/app", ["a\rb"], /line break/],
        ["srv/app", ["a"], /not absolute/],
        ["/srv/../etc", ["a"], /'\.\.' segment/],
        ["", ["a"], /empty/],
      ];
      for (const [dir, parts, re] of cases) {
        assert.match(pathProblem(dir, ...parts) ?? "", re, `${dir} ${JSON.stringify(parts)}`);
        assert.throws(() => hostPath(dir, ...parts), re);
      }
    });

    it("checkPathIn names the field and prints the value", () => {
      const c = new Checker();
      assert.equal(
        checkPathIn(c, "name", "../../etc/cron.d/x", "/etc/sysctl.d", "a file name under /etc/sysctl.d", (n) => [`${n}.conf`]),
        false,
      );
      assert.equal(
        checkPathIn(c, "name", "lvs", "/etc/sysctl.d", "a file name under /etc/sysctl.d", (n) => [`${n}.conf`]),
        true,
      );
      assert.equal(checkPathIn(c, "dir", "/a/../b", undefined, "an absolute directory"), false);
      assert.equal(checkPathIn(c, "dir", 7, undefined, "an absolute directory"), false);
      assert.deepEqual(
        c.failures.map((f) => f.reason),
        [
          `name must be a file name under /etc/sysctl.d (a part has a '..' segment); got "../../etc/cron.d/x"`,
          `dir must be an absolute directory (the directory has a '..' segment); got "/a/../b"`,
          "dir must be an absolute directory (not a string); got 7",
        ],
      );
    });
  });

  describe("SysctlSet", () => {
    it("refuses keys and names that leave /proc/sys and /etc/sysctl.d, at preview and where the path is built", () => {
      refused(
        checkSysctl({ connection: conn, name: "lvs", values: { "net/../../../etc/shadow": "1" } }),
        'values["net/../../../etc/shadow"]',
        /under \/proc\/sys/,
        false,
      );
      refused(
        checkSysctl({ connection: conn, name: "lvs", values: { "net.//.//.etc.shadow": "1" } }),
        'values["net.//.//.etc.shadow"]',
        /look like/,
        false,
      );
      refused(checkSysctl({ connection: conn, name: "../x", values: { "net.ipv4.ip_forward": "1" } }), "name", /file name/);
      assert.throws(() => procPath("net.//.//.etc.shadow"), /'\.\.' segment/);
      assert.throws(() => confPath("../../etc/cron.d/x"), /'\.\.' segment/);
      assert.equal(procPath("net.ipv4.conf.ens33/10.rp_filter"), "/proc/sys/net/ipv4/conf/ens33.10/rp_filter");
    });
  });

  describe("ManagedFile", () => {
    const base = { connection: conn, path: "/var/www/html/index.html", content: "x" };
    it("refuses a path with '..' at preview", () => {
      refused(MANAGED_FILE.check({ ...base, path: "/var/www/../../etc/shadow" } as never), "path", /'\.' or '\.\.' segments/);
      assert.deepEqual(MANAGED_FILE.check(base as never), []);
    });
  });

  describe("TomcatApp", () => {
    const base = (): Record<string, unknown> => ({
      connection: conn,
      name: "app",
      path: "",
      docBase: "/srv/tomcat/test",
      files: { "index.jsp": "x" },
    });
    it("refuses a contextDir outside a plain absolute directory (it was not checked at all)", () => {
      for (const d of ["../../etc/cron.d", "/etc/tomcat10/../../root/.ssh", "/etc/./x", "relative", "/", "/x/"]) {
        refused(checkTomcatApp({ ...base(), contextDir: d }), "contextDir", /absolute directory/);
        refused(TOMCAT_APP.check({ ...base(), contextDir: d } as never), "contextDir", /absolute directory/);
      }
      assert.deepEqual(checkTomcatApp({ ...base(), contextDir: "/etc/tomcat9/Catalina/localhost" }), []);
    });
    it("refuses docBase and file paths that leave their directory", () => {
      refused(checkTomcatApp({ ...base(), docBase: "/srv/../etc" }), "docBase", /absolute directory/);
      refused(checkTomcatApp({ ...base(), files: { "../../etc/cron.d/x": "y" } }), 'files["../../etc/cron.d/x"]', /relative to docBase/);
      assert.throws(() => appFilePath("/srv/tomcat/test", "../../../etc/shadow"), /'\.\.' segment/);
      assert.throws(() => appFilePath("/srv/tomcat/test", "/etc/shadow"), /absolute/);
      assert.equal(appFilePath("/srv/tomcat/test", "WEB-INF/web.xml"), "/srv/tomcat/test/WEB-INF/web.xml");
    });
  });

  describe("include files (NginxSite, HaproxyListener, KeepalivedInstance)", () => {
    it("refuses a name that leaves conf.d, and the path builder throws", () => {
      const site = { connection: conn, name: "../../cron.d/x", upstreams: [], locations: [] };
      refused(NGINX_SITE.check(site as never), "name", /file name/);
      const listener = { connection: conn, name: "../x", bind: { address: "*", port: 80 }, servers: [] };
      assert.ok(on(HAPROXY_LISTENER.check(listener as never), "name").length >= 1);
      assert.throws(() => nginxSitePath("../../cron.d/x"), /'\.\.' segment/);
      const layout = { unit: "nginx", includeDir: "/etc/nginx/conf.d", ext: "conf", validateSet: "true" };
      assert.throws(() => includePath(layout, "../../cron.d/x"), /'\.\.' segment/);
      assert.throws(() => includePath(layout, "a/../../x"), /'\.\.' segment/);
      assert.equal(includePath(layout, "web"), "/etc/nginx/conf.d/web.conf");
    });
  });

  describe("boot units (VipAlias, NatRule, Route)", () => {
    it("the unit file stays in /etc/systemd/system", () => {
      assert.equal(bootUnitPath("pulumi-lvs-nat-snat.service"), "/etc/systemd/system/pulumi-lvs-nat-snat.service");
      assert.throws(() => bootUnitPath("../../../etc/profile.d/x.sh"), /'\.\.' segment/);
      assert.throws(() => bootUnitPath("/etc/passwd"), /absolute/);
      assert.throws(() => bootUnitPath("-H"), /must not start with '-'/);
    });
  });
});

describe("hostile inputs: option injection", () => {
  it("notOption refuses a leading '-' and passes the rest unchanged", () => {
    assert.equal(notOption("nginx", "unit"), "nginx");
    assert.equal(notOption("a-b", "unit"), "a-b");
    assert.throws(
      () => notOption("-Hroot@evil", "unit"),
      /unit must not start with '-' \(the command would read it as an option\); got "-Hroot@evil"/,
    );
  });

  it("SystemdService: a unit starting with '-' is refused (systemctl -H<host> runs on another host)", () => {
    refused(checkService({ connection: conn, unit: "-Hroot@10.0.0.9" }), "unit", /not starting with '-'/);
    refused(checkService({ connection: conn, unit: "--host=10.0.0.9" }), "unit", /not starting with '-'/);
    assert.deepEqual(checkService({ connection: conn, unit: "nginx.service" }), []);
    assert.throws(() => unitStateCommand("-Hx"), /must not start with '-'/);
    assert.throws(() => unitCommands("-Hx", { enabled: false, running: false }, { enabled: true }), /must not start with '-'/);
  });

  it("TomcatApp: unit was not checked; one starting with '-' is refused", () => {
    const i = { connection: conn, name: "app", path: "", docBase: "/srv/tomcat/test", files: { "index.jsp": "x" } };
    refused(checkTomcatApp({ ...i, unit: "-Hroot@evil" }), "unit", /not starting with '-'/);
    refused(checkTomcatApp({ ...i, unit: "tomcat10; reboot" }), "unit", /systemd unit name/);
    assert.deepEqual(checkTomcatApp({ ...i, unit: "tomcat9" }), []);
  });

  it("Package: a name starting with '-' is refused, and the install command throws", () => {
    refused(checkPackage({ connection: conn, names: ["nginx", "-oAPT::Get::AllowUnauthenticated=1"] }), "names[1]", /package name/);
    assert.throws(() => installCommand(["-oDpkg::Pre-Invoke::=reboot"]), /names\[0\] must not start with '-'/);
  });

  it("VipAlias: an interface starting with '-' is refused (ip, arping)", () => {
    refused(checkVip({ connection: conn, address: "10.1.1.1", interface: "-all" }), "interface", /not starting with '-'/);
    refused(checkVip({ connection: conn, address: "10.1.1.1", interface: ".." }), "interface", /not \. or \.\./);
    assert.throws(
      () => addCommand({ address: "10.1.1.1", prefix: 32, interface: "-n", hostRoute: false, gratuitousArp: false, linkUp: false }),
      /interface must not start with '-'/,
    );
  });

  it("Route: a dev starting with '-' is refused (ip route)", () => {
    refused(checkRoute({ connection: conn, destination: "default", via: "192.168.118.20", dev: "-force" }), "dev", /not starting with '-'/);
    assert.throws(() => routeCommand({ destination: "default", via: "192.168.118.20", dev: "-force" }), /dev must not start with '-'/);
  });

  it("NatRule: interfaces starting with '-' are refused (iptables -i/-o)", () => {
    const base = { connection: conn, name: "snat", chain: "POSTROUTING", target: "MASQUERADE" };
    refused(checkNatRule({ ...base, outInterface: "-j" }), "outInterface", /not starting with '-'/);
    refused(
      checkNatRule({ ...base, chain: "PREROUTING", target: "DNAT", to: "10.0.0.1", inInterface: "--flush" }),
      "inInterface",
      /not starting with '-'/,
    );
    assert.throws(
      () => natCommand("-A", { name: "snat", chain: "POSTROUTING", target: "MASQUERADE", outInterface: "-F" }),
      /outInterface must not start with '-'/,
    );
  });

  it("SysctlSet: a key segment starting with '-' is refused", () => {
    refused(
      checkSysctl({ connection: conn, name: "lvs", values: { "net.ipv4.conf.-all.rp_filter": "1" } }),
      'values["net.ipv4.conf.-all.rp_filter"]',
      /starting with '-'/,
    );
  });
});
