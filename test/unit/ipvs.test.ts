// The IPVS core: parsing ipvsadm's output, rendering complete entries,
// checking input, with a seeded round-trip property test.
import { strict as assert } from "node:assert";
import { prng } from "../support/prng";
import { IpvsTable, RealServer, SCHEDULERS, VirtualService } from "../../providers/ipvs/model";
import { parseIpvsSave, parseThresholds, withThresholds } from "../../providers/ipvs/parse";
import { dropServer, dropService, holds, planServer, planService, putServer, putService, sameTable } from "../../providers/ipvs/plan";
import { saveLine, saveServerLine, serverArgs, serviceArgs } from "../../providers/ipvs/render";
import { checkServer, checkService } from "../../providers/ipvs/validate";

// Real output of ipvsadm 1.31 (Debian bookworm) in the lab.
const SAVE = `-A -t 192.168.118.100:0 -s rr -p 360
-A -t 192.168.118.100:80 -s sh -p 60 -M 255.255.255.0 -b sh-fallback,sh-port
-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 0
-a -t 192.168.118.100:80 -r 192.168.118.40:80 -i -w 3 --tun-type gue --tun-port 6080 --tun-nocsum
-A --sctp-service 192.168.118.100:9 -s mh -b mh-port
-A -u [2001:db8::1]:53 -s wrr -o
-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m -w 2
-A -f 10 -s rr
-a -f 10 -r 192.168.118.30:0 -g -w 1
-A -f 11 -6 -s rr
`;

const THRESHOLDS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
  -> RemoteAddress:Port
TCP  192.168.118.100:0 rr persistent 360
TCP  192.168.118.100:80 sh (sh-fallback,sh-port) persistent 60 mask 255.255.255.0
  -> 192.168.118.30:80            100        10         0          0
  -> 192.168.118.40:80            0          0          4          7
SCTP 192.168.118.100:9 mh (mh-port)
UDP  [2001:db8::1]:53 wrr ops
  -> [2001:db8::2]:53             0          0          0          0
FWM  10 rr
  -> 192.168.118.30:0             0          0          0          0
FWM  11 IPv6 rr
`;

function randomTable(rand: () => number): IpvsTable {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const int = (n: number) => Math.floor(rand() * n);
  const services: VirtualService[] = [];
  const servers: RealServer[] = [];
  const n = 1 + int(5);
  for (let i = 0; i < n; i++) {
    const kind = pick(["tcp", "udp", "sctp", "fwmark", "tcp6"] as const);
    const svc: VirtualService =
      kind === "fwmark"
        ? { protocol: "fwmark", fwmark: 1 + i, scheduler: pick(SCHEDULERS), schedFlags: [], onePacket: false }
        : kind === "tcp6"
          ? {
              protocol: "tcp",
              address: `2001:db8::${i + 1}`,
              port: 1 + int(65535),
              scheduler: pick(SCHEDULERS),
              schedFlags: [],
              onePacket: false,
            }
          : {
              protocol: kind,
              address: `10.${int(256)}.${int(256)}.${i + 1}`,
              port: 1 + int(65535),
              scheduler: pick(SCHEDULERS),
              schedFlags: [],
              onePacket: kind === "udp" && rand() < 0.5,
            };
    if (rand() < 0.3) svc.persistence = 1 + int(3600);
    if (svc.persistence && kind !== "tcp6" && kind !== "fwmark" && rand() < 0.5) svc.netmask = "255.255.255.0";
    if (svc.scheduler === "sh" && rand() < 0.5) svc.schedFlags = ["sh-fallback", "sh-port"];
    services.push(svc);
    const m = int(4);
    for (let j = 0; j < m; j++) {
      const key =
        svc.protocol === "fwmark"
          ? { protocol: svc.protocol, fwmark: svc.fwmark }
          : { protocol: svc.protocol, address: svc.address, port: svc.port };
      const v6 = kind === "tcp6";
      const method = pick(["masq", "route", "tunnel"] as const);
      servers.push({
        service: key,
        address: v6 ? `2001:db8:1::${j + 1}` : `192.168.${int(256)}.${j + 1}`,
        port: svc.protocol === "fwmark" ? 0 : method === "masq" ? 1 + int(65535) : svc.port,
        method,
        weight: int(65536),
        upperThreshold: 0,
        lowerThreshold: 0,
      });
    }
  }
  return { services, servers };
}

function saveText(t: IpvsTable): string {
  const lines: string[] = [];
  for (const s of t.services) {
    lines.push(saveLine(s));
    for (const rs of t.servers.filter(
      (r) =>
        JSON.stringify(r.service) ===
        JSON.stringify(
          s.protocol === "fwmark" ? { protocol: s.protocol, fwmark: s.fwmark } : { protocol: s.protocol, address: s.address, port: s.port },
        ),
    )) {
      lines.push(saveServerLine(rs));
    }
  }
  return lines.join("\n") + "\n";
}

describe("IPVS core", () => {
  it("parses ipvsadm -Sn output of every service kind", () => {
    const t = parseIpvsSave(SAVE);
    assert.equal(t.services.length, 6);
    assert.deepEqual(t.services[1], {
      protocol: "tcp",
      address: "192.168.118.100",
      port: 80,
      scheduler: "sh",
      schedFlags: ["sh-fallback", "sh-port"],
      persistence: 60,
      netmask: "255.255.255.0",
      onePacket: false,
    });
    assert.deepEqual(t.services[3], {
      protocol: "udp",
      address: "2001:db8::1",
      port: 53,
      scheduler: "wrr",
      schedFlags: [],
      onePacket: true,
    });
    assert.deepEqual(t.services[5], { protocol: "fwmark", fwmark: 11, family: "inet6", scheduler: "rr", schedFlags: [], onePacket: false });
    assert.deepEqual(t.servers[1], {
      service: { protocol: "tcp", address: "192.168.118.100", port: 80 },
      address: "192.168.118.40",
      port: 80,
      method: "tunnel",
      weight: 3,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunType: "gue",
      tunPort: 6080,
      tunNoCsum: true,
    });
    assert.equal(t.servers[0].weight, 0, "weight 0 is kept, not dropped");
  });

  it("reads thresholds and connection counters from ipvsadm -Ln --thresholds", () => {
    const c = parseThresholds(THRESHOLDS);
    assert.equal(c.length, 4);
    assert.deepEqual(c[1], {
      service: { protocol: "tcp", address: "192.168.118.100", port: 80 },
      address: "192.168.118.40",
      port: 80,
      upperThreshold: 0,
      lowerThreshold: 0,
      activeConn: 4,
      inactConn: 7,
    });
    const t = withThresholds(parseIpvsSave(SAVE), c);
    assert.equal(t.servers[0].upperThreshold, 100);
    assert.equal(t.servers[0].lowerThreshold, 10);
  });

  it("round-trips 300 random tables through the -Sn format (seeded property test)", () => {
    const rand = prng(20261125);
    for (let i = 0; i < 300; i++) {
      const table = randomTable(rand);
      const text = saveText(table);
      const parsed = parseIpvsSave(text);
      assert.equal(saveText(parsed), text, `case ${i}`);
      assert.equal(parsed.services.length, table.services.length);
      assert.equal(parsed.servers.length, table.servers.length);
    }
  });

  it("renders complete entries for -E and -e (edits replace the whole entry)", () => {
    const svc: VirtualService = {
      protocol: "tcp",
      address: "12.0.0.20",
      port: 80,
      scheduler: "wrr",
      schedFlags: [],
      persistence: 60,
      onePacket: false,
    };
    assert.deepEqual(serviceArgs("-E", svc), ["-E", "-t", "12.0.0.20:80", "-s", "wrr", "-p", "60"]);
    const rs: RealServer = {
      service: svc,
      address: "192.168.118.30",
      port: 80,
      method: "masq",
      weight: 0,
      upperThreshold: 100,
      lowerThreshold: 10,
    };
    assert.deepEqual(serverArgs("-e", rs), [
      "-e",
      "-t",
      "12.0.0.20:80",
      "-r",
      "192.168.118.30:80",
      "-m",
      "-w",
      "0",
      "-x",
      "100",
      "-y",
      "10",
    ]);
  });

  it("plans nothing, add, edit or conflict against the live table", () => {
    const table = parseIpvsSave(SAVE);
    const sh: VirtualService = { ...table.services[1] };
    assert.equal(planService(table, sh, "create").action, "none", "an identical live service is adopted");
    assert.equal(planService(table, { ...sh, scheduler: "rr", schedFlags: [] }, "create").action, "conflict");
    assert.equal(planService(table, { ...sh, scheduler: "rr", schedFlags: [] }, "update").action, "edit");
    assert.equal(planService(table, { ...sh, port: 81 }, "update").action, "add");
    assert.equal(
      planService(table, { ...sh, schedFlags: ["sh-port", "sh-fallback"] }, "update").action,
      "none",
      "flag order is not a change",
    );
    const rs = table.servers[0];
    assert.equal(planServer(table, { ...rs }, "create").action, "none");
    assert.equal(planServer(table, { ...rs, weight: 1 }, "update").action, "edit", "weight 0 -> 1 is an edit");
    assert.equal(planServer(table, { ...rs, port: undefined }, "create").action, "none", "the port defaults to the service port");
    assert.equal(planServer(table, { ...rs, address: "192.168.118.31" }, "update").action, "add");
    const v6 = table.servers[2];
    assert.equal(planServer(table, { ...v6, address: "2001:0db8:0000::0002" }, "create").action, "none", "IPv6 compares canonically");
  });

  it("applies successful changes to the cached table as the kernel would", () => {
    const table = parseIpvsSave(SAVE);
    const svc = table.services[1];
    const rs = table.servers[0];
    // An edit replaces the entry; a default port becomes the service port.
    const edited = putServer({ ...rs, port: undefined, weight: 5 })(table);
    assert.equal(edited.servers.length, table.servers.length);
    assert.equal(planServer(edited, { ...rs, weight: 5 }, "update").action, "none");
    // An add appears; deleting a service takes its real servers with it.
    const added = putServer({ ...rs, address: "192.168.118.31" })(putService({ ...svc, port: 81 })(table));
    assert.equal(planServer(added, { ...rs, address: "192.168.118.31" }, "create").action, "none");
    assert.equal(planService(added, { ...svc, port: 81 }, "create").action, "none");
    const dropped = dropService(svc)(added);
    assert.equal(dropped.services.length, table.services.length);
    assert.ok(!dropped.servers.some((s) => s.service.port === 80 && s.service.address === svc.address));
    assert.equal(dropServer(table.servers[2])(table).servers.length, table.servers.length - 1);
    // What the host would print after the same changes parses to the same plan answers.
    const fromHost = parseIpvsSave(
      SAVE.replace("-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 0", "-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 5"),
    );
    assert.deepEqual(
      edited.servers.map((s) => planServer(fromHost, s, "create").action),
      edited.servers.map(() => "none"),
    );
  });

  const serviceCases: [string, Record<string, unknown>, string[]][] = [
    ["the seed's NAT service", { address: "12.0.0.20", port: 80, scheduler: "rr" }, []],
    [
      "an unknown scheduler",
      { address: "12.0.0.20", port: 80, scheduler: "fastest" },
      ['scheduler must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh; got "fastest"'],
    ],
    ["a bad address", { address: "12.0.0", port: 80 }, ['address must be an IPv4 or IPv6 address; got "12.0.0"']],
    ["a port out of range", { address: "12.0.0.20", port: 65536 }, ["port must be an integer 0..65535; got 65536"]],
    [
      "one-packet on tcp",
      { address: "12.0.0.20", port: 80, onePacket: true },
      ["onePacket (-o) is only for udp services; got protocol tcp"],
    ],
    [
      "sh flags with rr",
      { address: "12.0.0.20", port: 80, scheduler: "rr", schedFlags: ["sh-port"] },
      ["schedFlags sh-port needs scheduler sh; got rr"],
    ],
    [
      "netmask without persistence",
      { address: "12.0.0.20", port: 80, netmask: "255.255.255.0" },
      ["netmask (-M) applies only with persistence; set persistence too"],
    ],
    ["port 0 without persistence", { address: "12.0.0.20", port: 0 }, ["port 0 (all ports) needs persistence, as ipvsadm requires"]],
    [
      "fwmark with an address",
      { protocol: "fwmark", fwmark: 1, address: "1.2.3.4" },
      ["address is not used by fwmark services; remove it"],
    ],
    [
      "a shell word as address",
      { address: "1.2.3.4; reboot", port: 80 },
      ['address must be an IPv4 or IPv6 address; got "1.2.3.4; reboot"'],
    ],
  ];
  for (const [name, inputs, want] of serviceCases) {
    it(`check service: ${name}`, () => {
      assert.deepEqual(
        checkService({ connection: { host: "127.0.0.1" }, ...inputs }).map((f) => f.reason),
        want,
      );
    });
  }

  const svcKey = { protocol: "tcp" as const, address: "192.168.118.100", port: 80 };
  const serverCases: [string, Record<string, unknown>, string[]][] = [
    ["a DR real server", { service: svcKey, address: "192.168.118.30", method: "route", weight: 1 }, []],
    ["weight 0 (quiesce) is legal", { service: svcKey, address: "192.168.118.30", weight: 0 }, []],
    ["a weight out of range", { service: svcKey, address: "192.168.118.30", weight: -1 }, ["weight must be an integer 0..65535; got -1"]],
    [
      "DR with another port",
      { service: svcKey, address: "192.168.118.30", port: 8080, method: "route" },
      ["port must equal the service port (80) with method route (DR/TUN cannot map ports); got 8080"],
    ],
    ["NAT may map ports", { service: svcKey, address: "192.168.118.30", port: 8080, method: "masq" }, []],
    [
      "an unknown method",
      { service: svcKey, address: "192.168.118.30", method: "nat" },
      ['method must be one of masq, route, tunnel; got "nat"'],
    ],
    [
      "lower above upper threshold",
      { service: svcKey, address: "192.168.118.30", upperThreshold: 10, lowerThreshold: 20 },
      ["lowerThreshold (20) must not exceed upperThreshold (10)"],
    ],
    [
      "tunnel type without tunnel",
      { service: svcKey, address: "192.168.118.30", method: "route", tunType: "ipip" },
      ["tunType applies only to method tunnel; got method route"],
    ],
    [
      "mixed families",
      { service: svcKey, address: "2001:db8::1", method: "masq" },
      ["address family must match the service's (192.168.118.100); got 2001:db8::1"],
    ],
  ];
  for (const [name, inputs, want] of serverCases) {
    it(`check real server: ${name}`, () => {
      assert.deepEqual(
        checkServer({ connection: { host: "127.0.0.1" }, ...inputs }).map((f) => f.reason),
        want,
      );
    });
  }

  it("skips values unknown at preview", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    assert.deepEqual(checkService({ connection: { host: "127.0.0.1" }, address: unknown, port: 80 }), []);
    assert.deepEqual(checkServer({ connection: unknown, service: unknown, address: "192.168.118.30" } as never), []);
  });

  it("tells from a table whether a change took: the same objects and settings, in any order", () => {
    const table = parseIpvsSave(
      ["-A -t 10.0.0.1:80 -s wrr", "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1", "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 2", ""].join("\n"),
    );
    const reordered: IpvsTable = { services: [...table.services], servers: [...table.servers].reverse() };
    assert.ok(sameTable(table, reordered));
    const [one, two] = table.servers;
    assert.ok(holds(putServer(one), table), "a server that is there as declared");
    assert.ok(!holds(putServer({ ...one, weight: 5 }), table), "another weight");
    assert.ok(!holds(putServer({ ...one, address: "10.0.1.9" }), table), "a server that is not there");
    assert.ok(holds(dropServer({ ...two, address: "10.0.1.9" }), table), "a deletion of what is not there");
    assert.ok(!holds(dropServer(two), table), "a deletion of what is there");
    assert.ok(holds(putService(table.services[0]), table));
    assert.ok(!holds(putService({ ...table.services[0], scheduler: "rr" }), table));
    assert.ok(!holds(dropService(table.services[0]), table));
    assert.ok(!sameTable(table, { ...table, servers: [one] }));
  });
});
