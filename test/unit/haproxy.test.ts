import { strict as assert } from "node:assert";
import { goldenFor } from "../support/golden";
import { UNKNOWN } from "../../providers/common/check";
import {
  checkHaproxyListener,
  HAPROXY_BALANCE,
  HaproxyListenerSpec,
  renderHaproxyListener,
  renderHaproxyMain,
} from "../../providers/haproxy/core";
import { prng } from "../support/prng";

const CONNECTION = { host: "192.168.118.50" };

const golden = goldenFor("haproxy");

/** The seed's L7 proxy: `listen` with option httpchk GET /index.html, static-rr, weights 2 and 3. */
const SEED_L7: HaproxyListenerSpec = {
  name: "web",
  bind: [{ address: "*", port: 80 }],
  balance: "static-rr",
  httpCheck: { method: "GET", uri: "/index.html" },
  servers: [
    { name: "rs1", address: "192.168.118.30", port: 80, weight: 2, inter: 2000, fall: 3 },
    { name: "rs2", address: "192.168.118.40", port: 80, weight: 3, inter: 2000, fall: 3 },
  ],
};

/** The seed's L4 proxy: frontend `bind *:80` `mode tcp` → backend `balance roundrobin`. */
const SEED_L4: HaproxyListenerSpec = {
  name: "test",
  style: "frontend-backend",
  mode: "tcp",
  bind: [{ port: 80 }],
  balance: "roundrobin",
  servers: [
    { name: "server1", address: "192.168.118.30", port: 80, weight: 2, inter: 2000, fall: 3 },
    { name: "server2", address: "192.168.118.40", port: 80, weight: 3, inter: 2000, fall: 3 },
  ],
};

/** Every option set, away from the defaults. */
function everyOption(name: string, style: "listen" | "frontend-backend"): HaproxyListenerSpec {
  return {
    name,
    style,
    mode: "http",
    bind: [
      { address: "192.168.118.100", port: style === "listen" ? 8080 : 8081 },
      { address: "::", port: style === "listen" ? 8080 : 8081 },
    ],
    balance: "leastconn",
    httpCheck: { method: "HEAD", uri: "/health?probe=1" },
    timeouts: { connect: "5s", client: "30s", server: "30s", queue: "30s", httpRequest: "5s", httpKeepAlive: "2s", check: "3s" },
    maxconn: 5000,
    retries: 2,
    redispatch: false,
    forwardFor: true,
    servers: [
      { name: "app1", address: "192.168.118.30", port: 8080, weight: 256, check: true, inter: 1000, fall: 2, rise: 4, maxconn: 100 },
      { name: "app2", address: "2001:db8::40", port: 8080, weight: 0, inter: 1000, fall: 2, rise: 4 },
      { name: "sorry", address: "192.168.118.60", port: 8080, check: false, backup: true },
    ],
  };
}

const GOLDEN_LISTENERS: [string, HaproxyListenerSpec][] = [
  ["seed-l7-listen.cfg", SEED_L7],
  ["seed-l4-frontend-backend.cfg", SEED_L4],
  ["every-option-listen.cfg", everyOption("every_option", "listen")],
  ["every-option-frontend-backend.cfg", everyOption("every_option_fb", "frontend-backend")],
];

describe("HaproxyListener core", () => {
  describe("rendering", () => {
    it("renders the managed main file (global + defaults with the seed's values)", () => {
      const text = renderHaproxyMain();
      golden("haproxy.cfg", text);
      assert.match(text, /^ {4}stats socket \/run\/haproxy\/admin\.sock mode 660 level admin expose-fd listeners$/m);
      assert.doesNotMatch(text, /^(listen|frontend|backend)\b/m);
    });

    for (const [file, spec] of GOLDEN_LISTENERS) {
      it(`renders ${file} and accepts its inputs`, () => {
        assert.deepEqual(checkHaproxyListener({ connection: CONNECTION, ...spec }), []);
        const text = renderHaproxyListener(spec);
        golden(file, text);
        assert.equal(renderHaproxyListener(structuredClone(spec)), text, "rendering is deterministic");
      });
    }

    it("renders the seed's server line in a stable order", () => {
      const text = renderHaproxyListener({
        ...SEED_L7,
        servers: [{ name: "web1", address: "192.168.118.30", port: 80, weight: 2, rise: 2, fall: 3, inter: 2000 }],
      });
      assert.match(text, /^ {4}server web1 192\.168\.118\.30:80 check inter 2000 fall 3 rise 2 weight 2$/m);
    });

    it("applies the defaults: listen style, http mode, roundrobin, weight 1, check on, bind *", () => {
      const text = renderHaproxyListener({ name: "d", bind: [{ port: 80 }], servers: [{ name: "a", address: "10.0.0.1", port: 80 }] });
      assert.equal(
        text,
        [
          "# Managed by pulumi-lvs (HaproxyListener d). Changes here are overwritten.",
          "listen d",
          "    bind *:80",
          "    mode http",
          "    balance roundrobin",
          "    server a 10.0.0.1:80 check weight 1",
          "",
        ].join("\n"),
      );
    });

    it("renders tcp sections with option tcplog (HAProxy 2.6 refuses `no option httplog`) and no http options", () => {
      const l4 = renderHaproxyListener(SEED_L4);
      assert.match(l4, /^frontend test\n {4}bind \*:80\n {4}mode tcp\n {4}option tcplog\n {4}default_backend test_servers$/m);
      // `option tcplog` is ignored (with a warning) in a backend, so only the frontend says it.
      assert.match(l4, /^backend test_servers\n {4}mode tcp\n {4}balance roundrobin\n/m);
      assert.doesNotMatch(l4, /httplog|httpchk|forwardfor/);
    });

    it("puts each timeout in the section that takes it in the frontend/backend style", () => {
      const text = renderHaproxyListener(everyOption("x", "frontend-backend"));
      const [front, back] = text.split(/^backend /m);
      for (const t of ["client", "http-request", "http-keep-alive"]) {
        assert.match(front, new RegExp(`^ {4}timeout ${t} `, "m"));
        assert.doesNotMatch(back, new RegExp(`^ {4}timeout ${t} `, "m"));
      }
      for (const t of ["connect", "server", "queue", "check"]) {
        assert.match(back, new RegExp(`^ {4}timeout ${t} `, "m"));
        assert.doesNotMatch(front, new RegExp(`^ {4}timeout ${t} `, "m"));
      }
      assert.match(front, /^ {4}maxconn 5000$/m);
      assert.match(back, /^ {4}no option redispatch$/m);
    });

    it("renders nothing for forwardFor false (HAProxy 2.6 refuses `no option forwardfor`) and `no option redispatch` for redispatch false", () => {
      const text = renderHaproxyListener({ ...SEED_L7, forwardFor: false, redispatch: false });
      assert.doesNotMatch(text, /forwardfor/);
      assert.match(text, /^ {4}no option redispatch$/m);
    });

    it("exports the balance algorithms", () => {
      assert.deepEqual([...HAPROXY_BALANCE], ["roundrobin", "static-rr", "leastconn", "first", "source", "uri", "random"]);
    });
  });

  describe("checks", () => {
    const valid = (): Record<string, unknown> => ({ connection: { ...CONNECTION }, ...structuredClone(everyOption("web", "listen")) });
    type Mutate = (i: Record<string, unknown>) => void;
    const server = (i: Record<string, unknown>, n: number): Record<string, unknown> => (i.servers as Record<string, unknown>[])[n];
    const bind = (i: Record<string, unknown>, n: number): Record<string, unknown> => (i.bind as Record<string, unknown>[])[n];
    const httpCheck = (i: Record<string, unknown>): Record<string, unknown> => i.httpCheck as Record<string, unknown>;
    const timeouts = (i: Record<string, unknown>): Record<string, unknown> => i.timeouts as Record<string, unknown>;
    const tcp: Mutate = (i) => {
      i.mode = "tcp";
      delete i.httpCheck;
      delete i.forwardFor;
    };

    const cases: [string, Mutate, string, string][] = [
      ["connection missing", (i) => delete i.connection, "connection", "connection is required"],
      ["name missing", (i) => delete i.name, "name", "name is required"],
      [
        "name with a space",
        (i) => (i.name = "web app"),
        "name",
        "a name of 1..64 letters, digits, '_', '-', '.' starting with a letter or digit (it becomes the section name and /etc/haproxy/conf.d/<name>.cfg); got \"web app\"",
      ],
      ["name with a path", (i) => (i.name = "../../etc/passwd"), "name", 'got "../../etc/passwd"'],
      ["name too long", (i) => (i.name = "a".repeat(65)), "name", "a name of 1..64"],
      ["unknown style", (i) => (i.style = "backend"), "style", 'style must be one of listen, frontend-backend; got "backend"'],
      ["unknown mode", (i) => (i.mode = "udp"), "mode", 'mode must be one of tcp, http; got "udp"'],
      [
        "unknown balance",
        (i) => (i.balance = "rr"),
        "balance",
        'balance must be one of roundrobin, static-rr, leastconn, first, source, uri, random; got "rr"',
      ],
      ["no bind", (i) => (i.bind = []), "bind", "bind must be a non-empty list"],
      ["bind missing", (i) => delete i.bind, "bind", "bind is required"],
      ["bind element not an object", (i) => (i.bind = ["*:80"]), "bind[0]", 'bind[0] must be { address?, port }; got "*:80"'],
      ["bind port 0", (i) => (bind(i, 0).port = 0), "bind[0].port", "bind[0].port must be an integer 1..65535; got 0"],
      ["bind port missing", (i) => delete bind(i, 1).port, "bind[1].port", "bind[1].port is required"],
      [
        "bind address out of range",
        (i) => (bind(i, 0).address = "192.168.118.300"),
        "bind[0].address",
        'bind[0].address must be an IPv4 or IPv6 address or "*" (no zone id, host name or port); got "192.168.118.300"',
      ],
      ["bind address with a zone id", (i) => (bind(i, 1).address = "fe80::1%eth0"), "bind[1].address", 'got "fe80::1%eth0"'],
      ["bind address with a port", (i) => (bind(i, 0).address = "10.0.0.1:80"), "bind[0].address", 'got "10.0.0.1:80"'],
      [
        "duplicate bind (0.0.0.0 is *)",
        (i) => (i.bind = [{ port: 80 }, { address: "0.0.0.0", port: 80 }]),
        "bind[1]",
        "bind[1] must differ from bind[0]: both listen on *:80",
      ],
      ["no servers", (i) => (i.servers = []), "servers", "servers must be a non-empty list"],
      [
        "server not an object",
        (i) => (i.servers = ["192.168.118.30:80"]),
        "servers[0]",
        'servers[0] must be { name, address, port, ... }; got "192.168.118.30:80"',
      ],
      ["server name missing", (i) => delete server(i, 0).name, "servers[0].name", "servers[0].name is required"],
      ["server name with shell syntax", (i) => (server(i, 0).name = "rs1;reboot"), "servers[0].name", 'got "rs1;reboot"'],
      [
        "duplicate server names",
        (i) => (server(i, 2).name = "app1"),
        "servers[2].name",
        'servers[2].name must be unique: "app1" is also servers[0].name',
      ],
      [
        "server host name",
        (i) => (server(i, 0).address = "web1.example.com"),
        "servers[0].address",
        'servers[0].address must be an IPv4 or IPv6 address (no zone id, host name or port); got "web1.example.com"',
      ],
      [
        "server port as a string",
        (i) => (server(i, 1).port = "8080"),
        "servers[1].port",
        'servers[1].port must be an integer 1..65535; got "8080"',
      ],
      [
        "server weight above 256",
        (i) => (server(i, 1).weight = 257),
        "servers[1].weight",
        "servers[1].weight must be an integer 0..256; got 257",
      ],
      ["server weight negative", (i) => (server(i, 0).weight = -1), "servers[0].weight", "integer 0..256; got -1"],
      ["server weight fractional", (i) => (server(i, 0).weight = 1.5), "servers[0].weight", "integer 0..256; got 1.5"],
      [
        "server check not boolean",
        (i) => (server(i, 0).check = "yes"),
        "servers[0].check",
        'servers[0].check must be true or false; got "yes"',
      ],
      ["server inter 0", (i) => (server(i, 0).inter = 0), "servers[0].inter", "servers[0].inter must be an integer 1..86400000; got 0"],
      ["server fall 0", (i) => (server(i, 0).fall = 0), "servers[0].fall", "servers[0].fall must be an integer 1..1000; got 0"],
      ["server rise NaN", (i) => (server(i, 0).rise = NaN), "servers[0].rise", "servers[0].rise must be an integer 1..1000; got NaN"],
      [
        "server maxconn Infinity",
        (i) => (server(i, 0).maxconn = Infinity),
        "servers[0].maxconn",
        "servers[0].maxconn must be an integer 1..1000000",
      ],
      [
        "server backup not boolean",
        (i) => (server(i, 2).backup = 1),
        "servers[2].backup",
        "servers[2].backup must be true or false; got 1",
      ],
      [
        "httpCheck in tcp mode",
        (i) => {
          tcp(i);
          i.httpCheck = { uri: "/" };
        },
        "httpCheck",
        'httpCheck (option httpchk) needs mode "http"; got mode "tcp"',
      ],
      ["httpCheck not an object", (i) => (i.httpCheck = "GET /index.html"), "httpCheck", 'got "GET /index.html"'],
      ["httpCheck uri missing", (i) => delete httpCheck(i).uri, "httpCheck.uri", "httpCheck.uri is required"],
      [
        "httpCheck uri relative",
        (i) => (httpCheck(i).uri = "index.html"),
        "httpCheck.uri",
        "httpCheck.uri must be a path starting with '/'",
      ],
      ["httpCheck uri with a space", (i) => (httpCheck(i).uri = "/index.html HTTP/1.1"), "httpCheck.uri", 'got "/index.html HTTP/1.1"'],
      [
        "httpCheck uri with a new line",
        (i) => (httpCheck(i).uri = "/\n    server evil 6.6.6.6:80"),
        "httpCheck.uri",
        "no spaces, quotes, '#', '\\', '$' or newlines",
      ],
      ["httpCheck uri with a comment", (i) => (httpCheck(i).uri = "/#x"), "httpCheck.uri", 'got "/#x"'],
      [
        "httpCheck method POST",
        (i) => (httpCheck(i).method = "POST"),
        "httpCheck.method",
        'httpCheck.method must be one of GET, HEAD, OPTIONS; got "POST"',
      ],
      [
        "forwardFor in tcp mode",
        (i) => {
          tcp(i);
          i.forwardFor = true;
        },
        "forwardFor",
        'forwardFor (option forwardfor) needs mode "http"; got mode "tcp"',
      ],
      [
        "balance uri in tcp mode",
        (i) => {
          tcp(i);
          i.balance = "uri";
        },
        "balance",
        'balance "uri" hashes the HTTP request and needs mode "http"',
      ],
      ["forwardFor not boolean", (i) => (i.forwardFor = "true"), "forwardFor", 'forwardFor must be true or false; got "true"'],
      [
        "timeout with a space",
        (i) => (timeouts(i).client = "1 m"),
        "timeouts.client",
        'timeouts.client must be a HAProxy time value above 0 and below 24.8 days: digits with an optional unit us, ms, s, m, h or d (e.g. "10s", "1m", "500ms"); got "1 m"',
      ],
      ["timeout as a number", (i) => (timeouts(i).connect = 10), "timeouts.connect", "got 10"],
      ["timeout 0", (i) => (timeouts(i).server = "0s"), "timeouts.server", 'got "0s"'],
      ["timeout that overflows", (i) => (timeouts(i).queue = "25d"), "timeouts.queue", "below 24.8 days"],
      ["timeout with an unknown unit", (i) => (timeouts(i).check = "10sec"), "timeouts.check", 'got "10sec"'],
      [
        "timeout this resource does not set",
        (i) => (timeouts(i).tunnel = "1h"),
        "timeouts.tunnel",
        "timeouts.tunnel is not a timeout this resource sets; allowed: httpRequest, httpKeepAlive, client, queue, connect, server, check",
      ],
      ["timeouts not an object", (i) => (i.timeouts = "10s"), "timeouts", "timeouts must be an object with any of"],
      ["maxconn 0", (i) => (i.maxconn = 0), "maxconn", "maxconn must be an integer 1..1000000; got 0"],
      ["retries above 100", (i) => (i.retries = 101), "retries", "retries must be an integer 0..100; got 101"],
      ["redispatch not boolean", (i) => (i.redispatch = "yes"), "redispatch", 'redispatch must be true or false; got "yes"'],
    ];

    it("accepts the every-option input and its tcp variant", () => {
      assert.deepEqual(checkHaproxyListener(valid()), []);
      const i = valid();
      tcp(i);
      assert.deepEqual(checkHaproxyListener(i), []);
    });

    for (const [title, mutate, property, fragment] of cases) {
      it(`refuses ${title} (${property})`, () => {
        const i = valid();
        mutate(i);
        const failures = checkHaproxyListener(i);
        assert.equal(failures.length, 1, `exactly one failure expected, got ${JSON.stringify(failures)}`);
        assert.equal(failures[0].property, property);
        assert.ok(failures[0].reason.includes(fragment), `reason ${JSON.stringify(failures[0].reason)} lacks ${JSON.stringify(fragment)}`);
      });
    }

    it("skips values that are unknown at preview, at every level", () => {
      const variants: Mutate[] = [
        (i) => (i.connection = UNKNOWN),
        (i) => (i.name = UNKNOWN),
        (i) => (i.style = UNKNOWN),
        (i) => (i.mode = UNKNOWN),
        (i) => (i.balance = UNKNOWN),
        (i) => (i.bind = UNKNOWN),
        (i) => ((i.bind as unknown[])[0] = UNKNOWN),
        (i) => (bind(i, 0).address = UNKNOWN),
        (i) => (bind(i, 1).port = UNKNOWN),
        (i) => (i.servers = UNKNOWN),
        (i) => ((i.servers as unknown[])[1] = UNKNOWN),
        (i) => {
          for (const k of ["name", "address", "port", "weight", "check", "inter", "fall", "rise", "backup", "maxconn"])
            server(i, 0)[k] = UNKNOWN;
        },
        (i) => (i.httpCheck = UNKNOWN),
        (i) => {
          httpCheck(i).method = UNKNOWN;
          httpCheck(i).uri = UNKNOWN;
        },
        (i) => (i.timeouts = UNKNOWN),
        (i) => {
          for (const k of Object.keys(timeouts(i))) timeouts(i)[k] = UNKNOWN;
        },
        (i) => {
          i.maxconn = UNKNOWN;
          i.retries = UNKNOWN;
          i.redispatch = UNKNOWN;
          i.forwardFor = UNKNOWN;
        },
        // An unknown mode defers the http-only rules.
        (i) => (i.mode = UNKNOWN),
        // Unknown names and bind addresses do not count as duplicates.
        (i) => {
          server(i, 0).name = UNKNOWN;
          server(i, 1).name = UNKNOWN;
          i.bind = [
            { address: UNKNOWN, port: 80 },
            { address: UNKNOWN, port: 80 },
          ];
        },
      ];
      variants.forEach((mutate, n) => {
        const i = valid();
        mutate(i);
        assert.deepEqual(checkHaproxyListener(i), [], `variant ${n}`);
      });
      const all: Record<string, unknown> = { connection: UNKNOWN };
      for (const k of [
        "name",
        "style",
        "mode",
        "bind",
        "balance",
        "servers",
        "httpCheck",
        "timeouts",
        "maxconn",
        "retries",
        "redispatch",
        "forwardFor",
      ])
        all[k] = UNKNOWN;
      assert.deepEqual(checkHaproxyListener(all), []);
    });
  });

  describe("injection (seeded property test)", () => {
    type Spec = HaproxyListenerSpec & Record<string, unknown>;
    /** Every string field of the spec, with a plain value and a setter. */
    const fields: [string, string, (s: Spec, v: string) => void][] = [
      ["name", "web", (s, v) => (s.name = v)],
      ["style", "listen", (s, v) => ((s as Record<string, unknown>).style = v)],
      ["mode", "http", (s, v) => ((s as Record<string, unknown>).mode = v)],
      ["balance", "roundrobin", (s, v) => (s.balance = v)],
      ["bind[0].address", "192.168.118.100", (s, v) => (s.bind[0].address = v)],
      ["servers[0].name", "rs1", (s, v) => (s.servers[0].name = v)],
      ["servers[0].address", "192.168.118.30", (s, v) => (s.servers[0].address = v)],
      ["httpCheck.method", "GET", (s, v) => ((s.httpCheck as Record<string, unknown>).method = v)],
      ["httpCheck.uri", "/index.html", (s, v) => ((s.httpCheck as { uri: string }).uri = v)],
      ...(["connect", "client", "server", "queue", "httpRequest", "httpKeepAlive", "check"] as const).map(
        (k): [string, string, (s: Spec, v: string) => void] => [
          `timeouts.${k}`,
          "10s",
          (s, v) => ((s.timeouts as Record<string, string>)[k] = v),
        ],
      ),
    ];
    const base = (): Spec => ({
      ...structuredClone(SEED_L7),
      bind: [{ address: "192.168.118.100", port: 80 }],
      servers: [{ ...SEED_L7.servers[0] }],
      timeouts: { connect: "10s", client: "10s", server: "10s", queue: "10s", httpRequest: "10s", httpKeepAlive: "10s", check: "10s" },
    });
    const NASTY = ["\n", "\r", "#", '"', "'", " ", "\t", "\\", "$(reboot)", "${HOME}", ";", "`id`", "%", "\u0000", "\u2028"];
    const SAFE = "abcXYZ0189.:-_/?=&%";
    const shape = (text: string): string =>
      text
        .split("\n")
        .map((l) => `${/^\S/.test(l) ? l.split(" ")[0] : "  "}:${l.trim().split(/\s+/).length}`)
        .join("|");

    it("refuses random strings with separators, quotes and shell syntax, or renders them without changing the file's structure", () => {
      const rnd = prng(20240611);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      let accepted = 0;
      let refused = 0;
      for (const [property, plain, set] of fields) {
        const plainSpec = base();
        set(plainSpec, plain);
        assert.deepEqual(checkHaproxyListener({ connection: CONNECTION, ...plainSpec }), [], property);
        const plainShape = shape(renderHaproxyListener(plainSpec));
        for (let n = 0; n < 150; n++) {
          // Mutate the plain value: insert nasty pieces (or, one time in four, only safe characters) at random places.
          let v = plain;
          const edits = 1 + Math.floor(rnd() * 3);
          const nasty = rnd() >= 0.25;
          for (let e = 0; e < edits; e++) {
            const at = Math.floor(rnd() * (v.length + 1));
            v = v.slice(0, at) + (nasty ? pick(NASTY) : pick(SAFE.split(""))) + v.slice(at);
          }
          const spec = base();
          set(spec, v);
          const failures = checkHaproxyListener({ connection: CONNECTION, ...spec });
          if (failures.length > 0) {
            refused++;
            assert.ok(
              failures.some((f) => f.property === property || property.startsWith(`${f.property}.`)),
              `${property}=${JSON.stringify(v)}: ${JSON.stringify(failures)}`,
            );
            continue;
          }
          accepted++;
          // Whatever is accepted has none of the characters HAProxy's parser treats specially (';', '&', '%' are plain there).
          assert.doesNotMatch(v, /[\s#"'\\`$\u0000]/, `${property} accepted ${JSON.stringify(v)}`);
          const text = renderHaproxyListener(spec);
          assert.equal(shape(text), plainShape, `${property}=${JSON.stringify(v)} changed the structure:\n${text}`);
        }
      }
      // Both branches are exercised.
      assert.ok(accepted > 20, `accepted ${accepted}`);
      assert.ok(refused > 1000, `refused ${refused}`);
    });
  });
});
