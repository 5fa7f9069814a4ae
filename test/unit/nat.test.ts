import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { UNKNOWN } from "../../providers/common/check";
import {
  checkNatRule,
  ensureNatCommand,
  natCommand,
  NatSpec,
  natTable,
  natUnitName,
  normalizeNat,
  removeNatCommand,
  renderNatUnit,
  ruleArgs,
} from "../../providers/nat/core";

const conn = { host: "192.168.118.20" };
const seed: NatSpec = normalizeNat({
  name: "inside",
  chain: "POSTROUTING",
  target: "SNAT",
  source: "192.168.118.0/24",
  outInterface: "ens36",
  to: "12.0.0.20",
});

describe("NatRule core", () => {
  it("renders the seed's SNAT rule word for word", () => {
    assert.equal(
      ruleArgs(seed).join(" "),
      "-s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20",
    );
    assert.equal(
      natCommand("-A", seed),
      "iptables -w -t nat -A POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20",
    );
    assert.equal(
      natCommand("-C", seed),
      "iptables -w -t nat -C POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20",
    );
    assert.equal(
      natCommand("-D", seed),
      "iptables -w -t nat -D POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20",
    );
    assert.deepEqual(checkNatRule({ connection: conn, ...seed }), []);
  });

  it("renders a DNAT with protocol, port and a port in to", () => {
    const s = normalizeNat({
      name: "web",
      chain: "PREROUTING",
      target: "DNAT",
      inInterface: "ens36",
      destination: "12.0.0.20",
      protocol: "tcp",
      port: 80,
      to: "192.168.118.30:8080",
    });
    assert.deepEqual(checkNatRule({ connection: conn, ...s }), []);
    assert.deepEqual(ruleArgs(s), [
      "-d",
      "12.0.0.20",
      "-i",
      "ens36",
      "-p",
      "tcp",
      "--dport",
      "80",
      "-m",
      "comment",
      "--comment",
      "pulumi-lvs:web",
      "-j",
      "DNAT",
      "--to-destination",
      "192.168.118.30:8080",
    ]);
  });

  it("renders a MASQUERADE without to", () => {
    const s = normalizeNat({ name: "masq", chain: "POSTROUTING", target: "MASQUERADE", source: "10.0.0.0/8", outInterface: "ens36" });
    assert.deepEqual(checkNatRule({ connection: conn, ...s }), []);
    assert.equal(
      natCommand("-A", s),
      "iptables -w -t nat -A POSTROUTING -s 10.0.0.0/8 -o ens36 -m comment --comment pulumi-lvs:masq -j MASQUERADE",
    );
  });

  it("adds only when -C says the rule is missing, and deletes every copy", () => {
    assert.equal(ensureNatCommand(seed), `${natCommand("-C", seed)} >/dev/null 2>&1 || ${natCommand("-A", seed)}`);
    assert.equal(removeNatCommand(seed), `while ${natCommand("-C", seed)} >/dev/null 2>&1; do ${natCommand("-D", seed)} || break; done`);
  });

  it("removes duplicates and tolerates absence (a fake iptables through a real sh)", () => {
    // A fake iptables keeping a count of copies in a file: -C succeeds while there is one, -D removes one.
    const fake = `iptables() { n=$(cat "$F"); case "$4" in -C) [ "$n" -gt 0 ];; -D) echo $((n-1)) > "$F";; -A) echo $((n+1)) > "$F";; esac; }`;
    const run = (start: number, line: string) =>
      execFileSync("sh", ["-c", `F=$(mktemp); echo ${start} > "$F"; ${fake}; ${line}; cat "$F"; rm -f "$F"`], { encoding: "utf8" }).trim();
    assert.equal(run(3, removeNatCommand(seed)), "0");
    assert.equal(run(0, removeNatCommand(seed)), "0");
    assert.equal(run(0, ensureNatCommand(seed)), "1");
    assert.equal(run(1, ensureNatCommand(seed)), "1");
  });

  it("names and renders the boot unit", () => {
    assert.equal(natUnitName("inside"), "pulumi-lvs-nat-inside.service");
    assert.equal(
      renderNatUnit(seed),
      [
        "# Managed by pulumi-lvs (NatRule). Changes here are overwritten.",
        "[Unit]",
        "Description=pulumi-lvs NAT rule inside (POSTROUTING -j SNAT)",
        "After=network.target nftables.service netfilter-persistent.service firewalld.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/bin/sh -c "iptables -w -t nat -C POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20 >/dev/null 2>&1 || iptables -w -t nat -A POSTROUTING -s 192.168.118.0/24 -o ens36 -m comment --comment pulumi-lvs:inside -j SNAT --to-source 12.0.0.20"`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
  });

  const base: Record<string, unknown> = {
    connection: conn,
    name: "inside",
    chain: "POSTROUTING",
    target: "SNAT",
    source: "192.168.118.0/24",
    outInterface: "ens36",
    to: "12.0.0.20",
  };
  const bad: [string, Record<string, unknown>, string, string][] = [
    ["missing name", { name: undefined }, "name", "name is required"],
    ["name with a space", { name: "in side" }, "name", "name must be a word"],
    ["name with a newline", { name: "in\nside" }, "name", "name must be a word"],
    ["name with shell syntax", { name: "x;reboot" }, "name", "name must be a word"],
    ["unknown chain", { chain: "OUTPUT" }, "chain", "chain must be one of POSTROUTING, PREROUTING"],
    ["unknown target", { target: "REDIRECT" }, "target", "target must be one of SNAT, MASQUERADE, DNAT"],
    ["DNAT in POSTROUTING", { target: "DNAT", to: "10.0.0.1" }, "target", "DNAT works in the PREROUTING chain only"],
    ["SNAT in PREROUTING", { chain: "PREROUTING", outInterface: undefined }, "target", "SNAT works in the POSTROUTING chain only"],
    ["bad CIDR (octet)", { source: "192.168.118.300/24" }, "source", "source must be an IPv4 address or CIDR"],
    ["bad CIDR (prefix)", { source: "192.168.118.0/33" }, "source", "source must be an IPv4 address or CIDR"],
    ["CIDR with host bits", { source: "192.168.118.5/24" }, "source", "did you mean 192.168.118.0/24?"],
    ["IPv6 source", { source: "fd00::/64" }, "source", "source must be an IPv4 address or CIDR"],
    ["source with shell syntax", { source: "192.168.118.0/24;reboot" }, "source", "source must be an IPv4 address or CIDR"],
    ["destination with a newline", { destination: "12.0.0.20\n" }, "destination", "destination must be an IPv4 address or CIDR"],
    ["interface with spaces", { outInterface: "ens 36" }, "outInterface", "outInterface must be an interface name"],
    ["interface too long", { outInterface: "a234567890123456" }, "outInterface", "outInterface must be an interface name"],
    ["interface with $()", { outInterface: "$(reboot)" }, "outInterface", "outInterface must be an interface name"],
    [
      "inInterface with a quote",
      { chain: "PREROUTING", target: "DNAT", outInterface: undefined, inInterface: "ens'36" },
      "inInterface",
      "inInterface must be an interface name",
    ],
    ["outInterface on PREROUTING", { chain: "PREROUTING", target: "DNAT" }, "outInterface", "applies to the POSTROUTING chain only"],
    ["inInterface on POSTROUTING", { inInterface: "ens33" }, "inInterface", "applies to the PREROUTING chain only"],
    ["unknown protocol", { protocol: "icmp" }, "protocol", "protocol must be one of tcp, udp"],
    ["port without protocol", { port: 80 }, "port", "port (--dport) needs protocol"],
    ["port out of range", { protocol: "tcp", port: 70000 }, "port", "port must be an integer 1..65535"],
    ["to for MASQUERADE", { target: "MASQUERADE" }, "to", "to is refused for MASQUERADE"],
    ["SNAT without to", { to: undefined }, "to", "to is required for SNAT"],
    ["DNAT without to", { chain: "PREROUTING", target: "DNAT", outInterface: undefined, to: undefined }, "to", "to is required for DNAT"],
    ["to not an address", { to: "12.0.0.256" }, "to", "to must be an IPv4 address with an optional port"],
    ["to with shell syntax", { to: "12.0.0.20 && reboot" }, "to", "to must be an IPv4 address with an optional port"],
    ["to with a port out of range", { protocol: "tcp", to: "12.0.0.20:65536" }, "to", "to must be an IPv4 address with an optional port"],
    ["to with a port and no protocol", { to: "12.0.0.20:80" }, "to", "a port in to needs protocol"],
    [
      "connection host with shell syntax",
      { connection: { host: "h;reboot" } },
      "connection.host",
      "connection.host must be a host name or address",
    ],
  ];
  for (const [what, change, property, fragment] of bad) {
    it(`refuses ${what}`, () => {
      const failures = checkNatRule({ ...base, ...change });
      assert.ok(
        failures.some((f) => f.property === property && f.reason.includes(fragment)),
        JSON.stringify(failures),
      );
    });
  }

  it("finds no failures in unknown values (preview)", () => {
    for (const k of ["connection", "name", "chain", "target", "source", "destination", "outInterface", "protocol", "port", "to"]) {
      assert.deepEqual(checkNatRule({ ...base, protocol: "tcp", port: 80, [k]: UNKNOWN }), [], k);
    }
    assert.deepEqual(
      checkNatRule({
        connection: UNKNOWN,
        name: UNKNOWN,
        chain: UNKNOWN,
        target: UNKNOWN,
        source: UNKNOWN,
        outInterface: UNKNOWN,
        to: UNKNOWN,
      }),
      [],
    );
  });
});

describe("NatRule core: MARK (mangle table) and multiport", () => {
  const mark: NatSpec = normalizeNat({
    name: "fwmark",
    chain: "PREROUTING",
    target: "MARK",
    destination: "192.168.118.100",
    protocol: "tcp",
    ports: [80, 8080],
    mark: 1,
  });
  const line = "-d 192.168.118.100 -p tcp -m multiport --dports 80,8080 -m comment --comment pulumi-lvs:fwmark -j MARK --set-mark 1";

  it("renders the fwmark rule in the mangle table, word for word", () => {
    assert.deepEqual(checkNatRule({ connection: conn, ...mark }), []);
    assert.equal(natTable(mark), "mangle");
    assert.equal(natTable(seed), "nat");
    assert.equal(ruleArgs(mark).join(" "), line);
    assert.equal(natCommand("-A", mark), `iptables -w -t mangle -A PREROUTING ${line}`);
    assert.equal(natCommand("-C", mark), `iptables -w -t mangle -C PREROUTING ${line}`);
    assert.equal(natCommand("-D", mark), `iptables -w -t mangle -D PREROUTING ${line}`);
    assert.equal(ensureNatCommand(mark), `${natCommand("-C", mark)} >/dev/null 2>&1 || ${natCommand("-A", mark)}`);
    assert.equal(removeNatCommand(mark), `while ${natCommand("-C", mark)} >/dev/null 2>&1; do ${natCommand("-D", mark)} || break; done`);
  });

  it("keeps only the fields given (normalize) and renders the largest mark and one port in ports", () => {
    assert.deepEqual(Object.keys(mark).sort(), ["chain", "destination", "mark", "name", "ports", "protocol", "target"]);
    const one = normalizeNat({ name: "m2", chain: "PREROUTING", target: "MARK", protocol: "udp", ports: [53], mark: 4294967295 });
    assert.deepEqual(checkNatRule({ connection: conn, ...one }), []);
    assert.equal(
      natCommand("-A", one),
      "iptables -w -t mangle -A PREROUTING -p udp -m multiport --dports 53 -m comment --comment pulumi-lvs:m2 -j MARK --set-mark 4294967295",
    );
  });

  it("renders multiport on a nat rule too (DNAT of two ports), in the nat table", () => {
    const s = normalizeNat({
      name: "web2",
      chain: "PREROUTING",
      target: "DNAT",
      destination: "12.0.0.20",
      protocol: "tcp",
      ports: [80, 443],
      to: "192.168.118.30",
    });
    assert.deepEqual(checkNatRule({ connection: conn, ...s }), []);
    assert.equal(
      natCommand("-A", s),
      "iptables -w -t nat -A PREROUTING -d 12.0.0.20 -p tcp -m multiport --dports 80,443 -m comment --comment pulumi-lvs:web2 -j DNAT --to-destination 192.168.118.30",
    );
  });

  it("names and renders the MARK rule's boot unit (same unit name scheme as the nat rules)", () => {
    assert.equal(natUnitName("fwmark"), "pulumi-lvs-nat-fwmark.service");
    const unit = renderNatUnit(mark);
    assert.match(unit, /^Description=pulumi-lvs mangle rule fwmark \(PREROUTING -j MARK\)$/m);
    assert.ok(
      unit.includes(
        `ExecStart=/bin/sh -c "iptables -w -t mangle -C PREROUTING ${line} >/dev/null 2>&1 || iptables -w -t mangle -A PREROUTING ${line}"`,
      ),
      unit,
    );
  });

  it("puts the rule in once and removes every copy (a fake iptables that keeps the table and the rule through a real sh)", () => {
    // A fake iptables that counts copies of exactly this rule in this table: anything else is "no such rule".
    const fake = `iptables() { [ "$3" = mangle ] && [ "$5" = PREROUTING ] || return 2; shift 5; [ "$*" = ${JSON.stringify(line)} ] || return 1; n=$(cat "$F"); case "$OP" in -C) [ "$n" -gt 0 ];; -D) echo $((n-1)) > "$F";; -A) echo $((n+1)) > "$F";; esac; }`;
    const wrap = `${fake}; iptables_op() { OP=$4; iptables "$@"; }`;
    const run = (start: number, cmd: string) =>
      execFileSync(
        "sh",
        ["-c", `F=$(mktemp); echo ${start} > "$F"; ${wrap}; ${cmd.replace(/\biptables /g, "iptables_op ")}; cat "$F"; rm -f "$F"`],
        {
          encoding: "utf8",
        },
      ).trim();
    assert.equal(run(0, ensureNatCommand(mark)), "1");
    assert.equal(run(1, ensureNatCommand(mark)), "1");
    assert.equal(run(2, removeNatCommand(mark)), "0");
    assert.equal(run(0, removeNatCommand(mark)), "0");
  });

  const base: Record<string, unknown> = { connection: conn, ...mark };
  const bad: [string, Record<string, unknown>, string, string][] = [
    ["MARK without mark", { mark: undefined }, "mark", "mark is required for MARK (--set-mark 1..4294967295)"],
    ["mark 0", { mark: 0 }, "mark", "mark must be an integer 1..4294967295; got 0"],
    ["mark above 32 bits", { mark: 4294967296 }, "mark", "mark must be an integer 1..4294967295; got 4294967296"],
    ["mark as a string", { mark: "1" }, "mark", 'mark must be an integer 1..4294967295; got "1"'],
    ["mark 1.5", { mark: 1.5 }, "mark", "mark must be an integer 1..4294967295; got 1.5"],
    [
      "mark on SNAT",
      { chain: "POSTROUTING", target: "SNAT", to: "12.0.0.20" },
      "mark",
      'mark (--set-mark) is for target MARK only; got target "SNAT"',
    ],
    [
      "MARK in POSTROUTING",
      { chain: "POSTROUTING" },
      "target",
      'MARK works in the PREROUTING chain (of the mangle table) only; got chain "POSTROUTING"',
    ],
    ["to on MARK", { to: "192.168.118.30" }, "to", "to is refused for MARK"],
    ["outInterface on MARK (PREROUTING)", { outInterface: "ens33" }, "outInterface", "applies to the POSTROUTING chain only"],
    ["ports not a list", { ports: "80,8080" }, "ports", 'ports must be a non-empty list of ports 1..65535; got "80,8080"'],
    ["no ports", { ports: [] }, "ports", "ports must be a non-empty list of ports 1..65535; got []"],
    [
      "16 ports",
      { ports: Array.from({ length: 16 }, (_, i) => 8000 + i) },
      "ports",
      "ports must hold at most 15 ports (iptables' multiport match); got 16",
    ],
    ["port 0 in ports", { ports: [80, 0] }, "ports[1]", "ports[1] must be an integer 1..65535; got 0"],
    ["port 65536 in ports", { ports: [65536] }, "ports[0]", "ports[0] must be an integer 1..65535; got 65536"],
    ["a port as a string in ports", { ports: ["80"] }, "ports[0]", 'ports[0] must be an integer 1..65535; got "80"'],
    ["a port twice", { ports: [80, 8080, 80] }, "ports[2]", "ports[2] repeats port 80; give each port once"],
    ["ports with port", { port: 80 }, "ports", "ports (-m multiport --dports) and port (--dport) are exclusive"],
    ["ports without protocol", { protocol: undefined }, "ports", "ports (-m multiport --dports) needs protocol: tcp or udp"],
    ["unknown target", { target: "CONNMARK" }, "target", "target must be one of SNAT, MASQUERADE, DNAT, MARK"],
  ];
  for (const [what, change, property, fragment] of bad) {
    it(`refuses ${what}`, () => {
      const failures = checkNatRule({ ...base, ...change });
      assert.ok(
        failures.some((f) => f.property === property && f.reason.includes(fragment)),
        JSON.stringify(failures),
      );
    });
  }

  it("finds no failures in unknown values (preview), in any field or port", () => {
    for (const k of ["connection", "name", "chain", "target", "destination", "protocol", "ports", "mark"]) {
      assert.deepEqual(checkNatRule({ ...base, [k]: UNKNOWN }), [], k);
    }
    assert.deepEqual(checkNatRule({ ...base, ports: [80, UNKNOWN] }), []);
    assert.deepEqual(checkNatRule({ ...base, mark: undefined, target: UNKNOWN }), [], "mark may be absent while the target is unknown");
  });
});
