// The NginxSite core: golden site files, a table of refused inputs, unknown
// values at preview, and a seeded property test that no string field can
// change the structure of the rendered file.
import { strict as assert } from "node:assert";
import { goldenFor } from "../support/golden";
import { prng } from "../support/prng";
import { UNKNOWN } from "../../providers/common/check";
import { checkNginxSite, NginxSiteSpec, nginxSitePath, renderNginxSite } from "../../providers/nginx/core";

const golden = goldenFor("nginx");

const conn = { host: "192.168.118.30" };

/** The seed's nginx real server in the LVS(DR) + nginx + tomcat topology. */
const SEED: NginxSiteSpec = {
  name: "realserver",
  defaultServer: true,
  root: "/var/www/html",
  upstreams: [
    {
      name: "tomcat",
      servers: [
        { address: "192.168.118.50", port: 8080, weight: 1 },
        { address: "192.168.118.60", port: 8080, weight: 1 },
      ],
    },
  ],
  locations: [
    { match: "/", tryFiles: ["$uri", "$uri/", "=404"] },
    { match: "~ .*\\.jsp$", proxyPass: "http://tomcat" },
  ],
};

const EVERY: NginxSiteSpec = {
  name: "every_option.site-1",
  listen: 8081,
  defaultServer: false,
  serverName: ["www.example.com", "*.example.org", ".example.net", "www.example.*", "localhost"],
  root: "/srv/www/site",
  index: ["index.html", "default.htm"],
  upstreams: [
    {
      name: "app",
      method: "least_conn",
      servers: [
        { address: "192.168.118.50", port: 8080, weight: 3, maxFails: 2, failTimeout: "10s" },
        { address: "192.168.118.60", port: 8080, weight: 1000, maxFails: 0, failTimeout: "30" },
        { address: "2001:db8::7", port: 8080, backup: true },
        { address: "localhost", port: 8009, failTimeout: "1m" },
      ],
    },
    {
      name: "sticky",
      method: "ip_hash",
      servers: [
        { address: "10.0.0.1", port: 80 },
        { address: "10.0.0.2", port: 80, weight: 2 },
      ],
    },
    { name: "plain", method: "round-robin", servers: [{ address: "10.0.0.3", port: 80 }] },
  ],
  locations: [
    { match: "/", tryFiles: ["$uri", "$uri/", "@app"] },
    { match: "= /healthz", root: "/srv/health", index: ["ok.txt"] },
    { match: "^~ /static/", root: "/srv/static", tryFiles: ["$uri", "=404"] },
    { match: "~* \\.(gif|jpe?g|png)$", root: "/srv/images" },
    { match: "~ ^/sticky/", proxyPass: "http://sticky" },
    { match: "/api/", proxyPass: "http://192.168.118.70:9000/v1/", proxyHeaders: false },
    { match: "/v6/", proxyPass: "http://[2001:db8::9]:8080" },
    { match: "/plain/", proxyPass: "http://plain/base/", proxyHeaders: true },
    { match: "@app", proxyPass: "http://app" },
  ],
};

describe("NginxSite core", () => {
  it("renders the seed's real-server site (upstream tomcat, .jsp to tomcat, static files)", () => {
    assert.deepEqual(checkNginxSite({ connection: conn, ...SEED }), []);
    const text = renderNginxSite(SEED);
    golden("seed-realserver.conf", text);
    assert.match(
      text,
      /^upstream tomcat \{\n {4}server 192\.168\.118\.50:8080 weight=1;\n {4}server 192\.168\.118\.60:8080 weight=1;\n\}$/m,
    );
    assert.match(text, /^ {4}listen 80 default_server;$/m);
    assert.match(
      text,
      / {4}location ~ \.\*\\\.jsp\$ \{\n {8}proxy_pass http:\/\/tomcat;\n {8}proxy_set_header Host \$host;\n {8}proxy_set_header X-Real-IP \$remote_addr;\n {8}proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;\n {4}\}/,
    );
    assert.equal(nginxSitePath(SEED.name), "/etc/nginx/conf.d/realserver.conf");
  });

  it("renders every option", () => {
    assert.deepEqual(checkNginxSite({ connection: conn, ...EVERY }), []);
    golden("every-option.conf", renderNginxSite(EVERY));
  });

  it("applies the defaults: port 80, server_name _, /var/www/html, index.html index.htm", () => {
    const text = renderNginxSite({ name: "min", locations: [{ match: "/" }] });
    golden("minimal.conf", text);
    assert.ok(text.includes("    listen 80;\n    server_name _;\n    root /var/www/html;\n    index index.html index.htm;\n"));
  });

  const base = (): Record<string, unknown> => ({
    connection: conn,
    name: "site",
    upstreams: [
      {
        name: "tomcat",
        servers: [
          { address: "192.168.118.50", port: 8080 },
          { address: "192.168.118.60", port: 8080 },
        ],
      },
    ],
    locations: [{ match: "/" }, { match: "~ \\.jsp$", proxyPass: "http://tomcat" }],
  });
  type Edit = (i: Record<string, unknown>) => void;
  const ups = (i: Record<string, unknown>) => i.upstreams as Record<string, unknown>[];
  const srv = (i: Record<string, unknown>, k: number) => (ups(i)[0].servers as Record<string, unknown>[])[k];
  const locs = (i: Record<string, unknown>) => i.locations as Record<string, unknown>[];
  const invalid: [string, Edit, string, string][] = [
    [
      "a file name with a slash",
      (i) => {
        i.name = "../evil";
      },
      "name",
      "must be a file name",
    ],
    [
      "a missing name",
      (i) => {
        delete i.name;
      },
      "name",
      "name is required",
    ],
    [
      "port 0",
      (i) => {
        i.listen = 0;
      },
      "listen",
      "must be an integer 1..65535; got 0",
    ],
    [
      "a string defaultServer",
      (i) => {
        i.defaultServer = "yes";
      },
      "defaultServer",
      "must be true or false",
    ],
    [
      "a server name with a directive",
      (i) => {
        i.serverName = ["a.com; include /etc/passwd"];
      },
      "serverName[0]",
      "must be a host name",
    ],
    [
      "an empty server name list",
      (i) => {
        i.serverName = [];
      },
      "serverName",
      "must be a non-empty list of",
    ],
    [
      "a relative root",
      (i) => {
        i.root = "var/www";
      },
      "root",
      "must be an absolute path",
    ],
    [
      "a root with ..",
      (i) => {
        i.root = "/var/www/../../etc";
      },
      "root",
      "no '..'",
    ],
    [
      "an index with a space",
      (i) => {
        i.index = ["index.html foo"];
      },
      "index[0]",
      "must be a file name",
    ],
    [
      "duplicate upstream names",
      (i) => {
        ups(i).push({ name: "tomcat", servers: [{ address: "10.0.0.1", port: 80 }] });
      },
      "upstreams[1].name",
      "must be unique",
    ],
    [
      "an upstream name with a brace",
      (i) => {
        ups(i)[0].name = "tom}cat";
      },
      "upstreams[0].name",
      "letters, digits",
    ],
    [
      "an unknown method",
      (i) => {
        ups(i)[0].method = "hash";
      },
      "upstreams[0].method",
      "must be one of round-robin, least_conn, ip_hash",
    ],
    [
      "an upstream without servers",
      (i) => {
        ups(i)[0].servers = [];
      },
      "upstreams[0].servers",
      "must be a non-empty list of",
    ],
    [
      "weight 0",
      (i) => {
        srv(i, 1).weight = 0;
      },
      "upstreams[0].servers[1].weight",
      "must be an integer 1..1000; got 0",
    ],
    [
      "weight 1001",
      (i) => {
        srv(i, 0).weight = 1001;
      },
      "upstreams[0].servers[0].weight",
      "1..1000",
    ],
    [
      "a bad server address",
      (i) => {
        srv(i, 0).address = "192.168.118.500";
      },
      "upstreams[0].servers[0].address",
      "IPv4 or IPv6 address or a host name",
    ],
    [
      "port 70000",
      (i) => {
        srv(i, 0).port = 70000;
      },
      "upstreams[0].servers[0].port",
      "1..65535",
    ],
    [
      "a duplicate server",
      (i) => {
        srv(i, 1).address = "192.168.118.50";
      },
      "upstreams[0].servers[1].address",
      "must be unique in an upstream",
    ],
    [
      "a fail_timeout with an injected directive",
      (i) => {
        srv(i, 0).failTimeout = "10s;\n}";
      },
      "upstreams[0].servers[0].failTimeout",
      "a time in whole seconds",
    ],
    [
      "a fail_timeout in days",
      (i) => {
        srv(i, 0).failTimeout = "1d";
      },
      "upstreams[0].servers[0].failTimeout",
      "unit s, m, h",
    ],
    [
      "a fail_timeout in milliseconds (nginx -t refuses it)",
      (i) => {
        srv(i, 0).failTimeout = "500ms";
      },
      "upstreams[0].servers[0].failTimeout",
      "nginx refuses ms here",
    ],
    [
      "negative max_fails",
      (i) => {
        srv(i, 0).maxFails = -1;
      },
      "upstreams[0].servers[0].maxFails",
      "0..1000",
    ],
    [
      "backup with ip_hash",
      (i) => {
        ups(i)[0].method = "ip_hash";
        srv(i, 1).backup = true;
      },
      "upstreams[0].servers[1].backup",
      "cannot be used with method ip_hash",
    ],
    [
      "no locations",
      (i) => {
        i.locations = [];
      },
      "locations",
      "must be a non-empty list of",
    ],
    [
      "missing locations",
      (i) => {
        delete i.locations;
      },
      "locations",
      "locations is required",
    ],
    [
      "a location opening a block",
      (i) => {
        locs(i)[0].match = "/ { return 200; } location /x";
      },
      "locations[0].match",
      "without spaces",
    ],
    [
      "a regex with a brace",
      (i) => {
        locs(i)[1].match = "~ ^/a{2}$";
      },
      "locations[1].match",
      "without spaces, '{', '}'",
    ],
    [
      "a regex with a trailing backslash",
      (i) => {
        locs(i)[1].match = "~ \\.jsp\\";
      },
      "locations[1].match",
      "lone '\\'",
    ],
    [
      "a regex that does not compile",
      (i) => {
        locs(i)[1].match = "~ ^/(a|b\\.jsp$";
      },
      "locations[1].match",
      "not a valid regular expression",
    ],
    [
      "a regex with an unterminated class",
      (i) => {
        locs(i)[1].match = "~* [a-z";
      },
      "locations[1].match",
      "not a valid regular expression",
    ],
    [
      "a relative location path",
      (i) => {
        locs(i)[0].match = "static";
      },
      "locations[0].match",
      "a path starting with '/'",
    ],
    [
      "an unknown modifier",
      (i) => {
        locs(i)[0].match = "! /x";
      },
      "locations[0].match",
      "a path starting with '/'",
    ],
    [
      "a duplicate location",
      (i) => {
        locs(i).push({ match: "^~ /" });
      },
      "locations[2].match",
      "duplicate locations",
    ],
    [
      "an undeclared upstream",
      (i) => {
        locs(i)[1].proxyPass = "http://tomcat2";
      },
      "locations[1].proxyPass",
      "not declared in upstreams (declared: tomcat)",
    ],
    [
      "an upstream name with a port",
      (i) => {
        locs(i)[1].proxyPass = "http://tomcat:8080";
      },
      "locations[1].proxyPass",
      "takes no port",
    ],
    [
      "a proxy_pass that is not http",
      (i) => {
        locs(i)[1].proxyPass = "ftp://tomcat";
      },
      "locations[1].proxyPass",
      "http://<upstream name",
    ],
    [
      "a proxy_pass path with a semicolon",
      (i) => {
        locs(i)[0].proxyPass = "http://10.0.0.1/a;b";
      },
      "locations[0].proxyPass",
      "URI characters only",
    ],
    [
      "a proxy_pass path in a regex location",
      (i) => {
        locs(i)[1].proxyPass = "http://tomcat/app/";
      },
      "locations[1].proxyPass",
      "cannot have a path in a regex",
    ],
    [
      "proxyHeaders without proxyPass",
      (i) => {
        locs(i)[0].proxyHeaders = true;
      },
      "locations[0].proxyHeaders",
      "only to a location with proxyPass",
    ],
    [
      "a one-entry try_files",
      (i) => {
        locs(i)[0].tryFiles = ["$uri"];
      },
      "locations[0].tryFiles",
      "at least 2",
    ],
    [
      "a relative try_files entry",
      (i) => {
        locs(i)[0].tryFiles = ["index.html", "=404"];
      },
      "locations[0].tryFiles[0]",
      "starting with '/' or a variable",
    ],
    [
      "=404 before the end",
      (i) => {
        locs(i)[0].tryFiles = ["=404", "$uri"];
      },
      "locations[0].tryFiles[0]",
      "starting with '/' or a variable",
    ],
    [
      "a bare $ in try_files",
      (i) => {
        locs(i)[0].tryFiles = ["$uri", "$(reboot)"];
      },
      "locations[0].tryFiles[1]",
      "the fallback",
    ],
    [
      "a fallback to a missing named location",
      (i) => {
        locs(i)[0].tryFiles = ["$uri", "@missing"];
      },
      "locations[0].tryFiles[1]",
      'no location has match "@missing"',
    ],
    [
      "a location root with a quote",
      (i) => {
        locs(i)[0].root = '/srv/"x';
      },
      "locations[0].root",
      "must be an absolute path",
    ],
    [
      "a location that is not an object",
      (i) => {
        (i.locations as unknown[])[0] = "/";
      },
      "locations[0]",
      "must be a location",
    ],
    [
      "a missing connection",
      (i) => {
        delete i.connection;
      },
      "connection",
      "connection is required",
    ],
  ];

  for (const [what, edit, property, fragment] of invalid) {
    it(`refuses ${what}`, () => {
      const i = structuredClone(base());
      edit(i);
      const f = checkNginxSite(i);
      assert.ok(
        f.some((x) => x.property === property && x.reason.includes(fragment)),
        `expected a failure at ${property} with ${JSON.stringify(fragment)}; got ${JSON.stringify(f, null, 1)}`,
      );
    });
  }

  it("accepts the base input of the invalid table", () => {
    assert.deepEqual(checkNginxSite(base()), []);
  });

  it("leaves PCRE-only regex syntax to nginx", () => {
    for (const match of ["~ (?i)\\.jsp$", "~ ^/(?P<app>[a-z]+)/", "~ ^/a++b", "~ (?>x)y"]) {
      assert.deepEqual(checkNginxSite({ ...base(), locations: [{ match }] }), [], match);
    }
  });

  it("render refuses what check refuses", () => {
    assert.throws(() => renderNginxSite({ ...SEED, name: "x\ny" }), /invalid NginxSite: name must be a file name/);
  });

  it("skips unknown values anywhere (preview)", () => {
    assert.deepEqual(
      checkNginxSite({
        connection: UNKNOWN,
        name: UNKNOWN,
        listen: UNKNOWN,
        serverName: UNKNOWN,
        root: UNKNOWN,
        index: UNKNOWN,
        upstreams: UNKNOWN,
        locations: UNKNOWN,
      }),
      [],
    );
    assert.deepEqual(
      checkNginxSite({
        connection: conn,
        name: "s",
        upstreams: [UNKNOWN],
        locations: [UNKNOWN, { match: "~ x", proxyPass: "http://tomcat" }],
      }),
      [],
    );
    assert.deepEqual(
      checkNginxSite({
        connection: { host: UNKNOWN, port: UNKNOWN },
        name: "s",
        defaultServer: UNKNOWN,
        serverName: [UNKNOWN, "a.com"],
        index: [UNKNOWN],
        upstreams: [
          { name: UNKNOWN, method: UNKNOWN, servers: UNKNOWN },
          {
            name: "b",
            servers: [
              UNKNOWN,
              { address: UNKNOWN, port: UNKNOWN, weight: UNKNOWN, maxFails: UNKNOWN, failTimeout: UNKNOWN, backup: UNKNOWN },
            ],
          },
        ],
        locations: [
          { match: UNKNOWN, proxyPass: UNKNOWN, proxyHeaders: true, root: UNKNOWN, index: UNKNOWN, tryFiles: UNKNOWN },
          { match: "/a", proxyPass: "http://not_declared_but_an_upstream_name_is_unknown", tryFiles: [UNKNOWN, "@maybe"] },
        ],
      }),
      [],
    );
  });

  // Each string field, a value it accepts, and a way to put a value into a valid site.
  const FIELDS: [string, string, (s: NginxSiteSpec, v: string) => void][] = [
    [
      "name",
      "site",
      (s, v) => {
        s.name = v;
      },
    ],
    [
      "serverName[0]",
      "a.com",
      (s, v) => {
        s.serverName = [v];
      },
    ],
    [
      "root",
      "/srv",
      (s, v) => {
        s.root = v;
      },
    ],
    [
      "index[0]",
      "i.html",
      (s, v) => {
        s.index = [v, "index.htm"];
      },
    ],
    [
      "upstreams[0].name",
      "tomcat",
      (s, v) => {
        s.upstreams![0].name = v;
        s.locations[1].proxyPass = `http://${v}`;
      },
    ],
    [
      "upstreams[0].servers[0].address",
      "10.0.0.9",
      (s, v) => {
        s.upstreams![0].servers[0].address = v;
      },
    ],
    [
      "upstreams[0].servers[0].failTimeout",
      "10s",
      (s, v) => {
        s.upstreams![0].servers[0].failTimeout = v;
      },
    ],
    [
      "locations[0].match",
      "/",
      (s, v) => {
        s.locations[0].match = v;
      },
    ],
    [
      "locations[1].match",
      "x",
      (s, v) => {
        s.locations[1].match = `~ ${v}`;
      },
    ],
    [
      "locations[0].proxyPass",
      "a",
      (s, v) => {
        s.locations[0].proxyPass = `http://10.0.0.1/${v}`;
      },
    ],
    [
      "locations[1].proxyPass",
      "http://tomcat",
      (s, v) => {
        s.locations[1].proxyPass = v;
      },
    ],
    [
      "locations[0].root",
      "/srv",
      (s, v) => {
        s.locations[0].root = v;
      },
    ],
    [
      "locations[0].index[0]",
      "i.html",
      (s, v) => {
        s.locations[0].index = [v];
      },
    ],
    [
      "locations[0].tryFiles[0]",
      "$uri",
      (s, v) => {
        s.locations[0].tryFiles = [v, "=404"];
      },
    ],
    [
      "locations[0].tryFiles[1]",
      "=404",
      (s, v) => {
        s.locations[0].tryFiles = ["$uri", v];
      },
    ],
  ];
  const PIECES = [
    "\n",
    "\r",
    ";",
    "{",
    "}",
    "#",
    '"',
    "'",
    "$(reboot)",
    "`id`",
    " ",
    "\t",
    "\\",
    "$",
    "/",
    ".",
    "..",
    "*",
    "~",
    "=",
    "@",
    "tomcat",
    "a",
    "80",
    "10s",
    "\u0000",
    "é",
  ];
  const DANGEROUS = /[\s;{}#"'\u0000]/;

  function braces(text: string): boolean {
    let depth = 0;
    for (const ch of text) {
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      if (depth < 0) return false;
    }
    return depth === 0;
  }

  it("no string field can change the structure of the file (seeded property test)", () => {
    const rand = prng(0x6e67696e);
    const lineCount = (put: (s: NginxSiteSpec, v: string) => void, v: string): number => {
      const spec = structuredClone(SEED);
      put(spec, v);
      return renderNginxSite(spec).split("\n").length;
    };
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const [field, safe, put] = FIELDS[n % FIELDS.length];
      const lines = lineCount(put, safe);
      let v = "";
      const len = 1 + Math.floor(rand() * 5);
      for (let k = 0; k < len; k++) v += PIECES[Math.floor(rand() * PIECES.length)];
      if (rand() < 0.5) v = `/${v}`;
      const spec = structuredClone(SEED);
      put(spec, v);
      const failures = checkNginxSite({ connection: conn, ...spec });
      if (failures.length > 0) {
        assert.throws(() => renderNginxSite(spec), /invalid NginxSite/, `${field}=${JSON.stringify(v)}`);
        continue;
      }
      assert.ok(!DANGEROUS.test(v), `${field} accepted ${JSON.stringify(v)}`);
      accepted++;
      const text = renderNginxSite(spec);
      assert.equal(text.split("\n").length, lines, `${field}=${JSON.stringify(v)} changed the line count:\n${text}`);
      assert.ok(braces(text), `${field}=${JSON.stringify(v)} unbalanced braces:\n${text}`);
      for (const line of text.split("\n")) {
        assert.ok(
          line === "" || line.startsWith("# Managed by pulumi-lvs") || /^ *[a-z_]+(?: [^;{}#"'\s]+)*(?:;| \{)$|^ *\}$/.test(line),
          `${field}=${JSON.stringify(v)}: odd line ${JSON.stringify(line)}`,
        );
      }
    }
    assert.ok(accepted > 50, `only ${accepted} accepted values: the generator is too hostile to test rendering`);
  });
});
