// Preview reports, drift tables and the split-brain diagnosis, from
// synthetic engine steps and member facts.
import { strict as assert } from "node:assert";
import { codeCell, driftOf, driftTable, previewChanges, previewMarker, previewMarkdown, Step } from "../../scripts/review/core";
import { diagnose, MemberFacts } from "../../scripts/review/diagnose";
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";

const urn = (type: string, name: string) => `urn:pulumi:dr::pulumi-lvs::${type}::${name}`;

describe("preview report", () => {
  const steps: Step[] = [
    { op: "same", urn: urn("pulumi:pulumi:Stack", "pulumi-lvs-dr"), type: "pulumi:pulumi:Stack" },
    {
      op: "update",
      urn: urn("pulumi-lvs:index:IpvsService", "dr-service"),
      type: "pulumi-lvs:index:IpvsService",
      old: {
        inputs: {
          __provider: "old code",
          connection: "[secret]",
          address: "192.168.118.100",
          port: 80,
          scheduler: "rr",
          key: { port: 80 },
        },
      },
      new: {
        inputs: {
          __provider: "new code",
          connection: "[secret]",
          address: "192.168.118.100",
          port: 80,
          scheduler: "wrr",
          key: { port: 80 },
        },
      },
    },
    {
      op: "update",
      urn: urn("pulumi-lvs:index:KeepalivedInstance", "lvs_dr-director2"),
      type: "pulumi-lvs:index:KeepalivedInstance",
      old: { inputs: { vrrp: { priority: 100, virtualIpaddress: [{ address: "192.168.118.100" }] }, sha256: "a".repeat(64) } },
      new: { inputs: { vrrp: { priority: 110, virtualIpaddress: [{ address: "192.168.118.100" }] } } },
    },
    {
      op: "create-replacement",
      urn: urn("pulumi-lvs:index:VipAlias", "dr-director-vip"),
      type: "pulumi-lvs:index:VipAlias",
      keys: ["address"],
    },
    {
      op: "replace",
      urn: urn("pulumi-lvs:index:VipAlias", "dr-director-vip"),
      type: "pulumi-lvs:index:VipAlias",
      keys: ["address", "__provider"],
      old: { inputs: { address: "192.168.118.100", interface: "ens33" } },
      new: { inputs: { address: "192.168.118.101", interface: "ens33" } },
    },
    { op: "delete-replaced", urn: urn("pulumi-lvs:index:VipAlias", "dr-director-vip"), type: "pulumi-lvs:index:VipAlias" },
    {
      op: "create",
      urn: urn("pulumi-lvs:index:HaproxyListener", "lb-haproxy1-l7"),
      type: "pulumi-lvs:index:HaproxyListener",
      new: { inputs: { name: "web", servers: [{ name: "rs3" }] } },
    },
  ];

  it("lists exactly the changed properties, without provider code, bookkeeping or replacement sub-steps", () => {
    const changes = previewChanges(steps);
    assert.deepEqual(
      changes.map((c) => [
        c.kind,
        c.name,
        c.op,
        c.changes.map((x) => `${x.path}: ${JSON.stringify(x.old)} -> ${JSON.stringify(x.new)}`),
        c.replacedBy,
      ]),
      [
        ["HaproxyListener", "lb-haproxy1-l7", "create", ['name: undefined -> "web"', 'servers[0].name: undefined -> "rs3"'], []],
        ["IpvsService", "dr-service", "update", ['scheduler: "rr" -> "wrr"'], []],
        ["KeepalivedInstance", "lvs_dr-director2", "update", ["vrrp.priority: 100 -> 110"], []],
        ["VipAlias", "dr-director-vip", "replace", ['address: "192.168.118.100" -> "192.168.118.101"'], ["address"]],
      ],
    );
  });

  it("renders Markdown with counts, old -> new and flagged replacements", () => {
    const md = previewMarkdown("dr", previewChanges(steps));
    assert.match(md, /\*\*1 to create, 2 to update in place, 1 to replace, 0 to delete\*\*/);
    assert.match(md, /\| `dr-service` \| IpvsService \| update in place \| `scheduler` \| `rr` \| `wrr` \|/);
    assert.match(
      md,
      /\| `dr-director-vip` \| VipAlias \| \*\*replace\*\* \(address changed\) \| `address` \| `192\.168\.118\.100` \| `192\.168\.118\.101` \|/,
    );
    assert.match(md, /\| `lvs_dr-director2` \| KeepalivedInstance \| update in place \| `vrrp\.priority` \| `100` \| `110` \|/);
    assert.match(
      md,
      /\| `lb-haproxy1-l7` \| HaproxyListener \| create \| `name` \|  \| `web` \|\n\| \| \| \| `servers\[0\]\.name` \|  \| `rs3` \|/,
    );
    assert.doesNotMatch(md, /__provider|sha256/);
    assert.match(previewMarkdown("dr", []), /No changes/);
  });

  it("starts with the hidden marker that scripts/pr-comment.sh finds the stack's comment by", () => {
    assert.equal(previewMarker("dr-keepalived"), "<!-- pulumi-lvs-preview:dr-keepalived -->");
    for (const md of [previewMarkdown("dr-keepalived", previewChanges(steps)), previewMarkdown("dr-keepalived", [])])
      assert.equal(md.split("\n")[0], "<!-- pulumi-lvs-preview:dr-keepalived -->");
    assert.match(
      previewMarkdown("dr", [], "no state yet"),
      /^<!-- pulumi-lvs-preview:dr -->\n### pulumi-lvs preview: `dr`\n\nno state yet\n/,
    );
  });

  /** A GFM table row's cells as GitHub splits them: at each `|` that no backslash escapes. */
  function cells(row: string): string[] {
    const out: string[] = [];
    let cur = "";
    for (let i = 0; i < row.length; i++) {
      if (row[i] === "\\" && row[i + 1] === "|") {
        cur += "\\|";
        i++;
      } else if (row[i] === "|") {
        out.push(cur.trim());
        cur = "";
      } else cur += row[i];
    }
    out.push(cur.trim());
    return out.slice(1, -1);
  }
  /** The table's rows: every line from the header on to the first non-table line. */
  function tableRows(md: string): string[] {
    const lines = md.split("\n");
    const start = lines.indexOf("| resource | type | action | property | old | new |");
    assert.ok(start >= 0, md);
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
    return lines.slice(start, end < 0 ? undefined : end);
  }
  const hostile: Step[] = [
    {
      op: "update",
      urn: urn("pulumi-lvs:index:ManagedFile", "motd|banner"),
      type: "pulumi-lvs:index:ManagedFile",
      old: { inputs: { content: "a|b", note: "one\ntwo", tick: "x`y", slash: "C:\\dir\\|" } },
      new: { inputs: { content: "a||c", note: "one\r\nthree\n", tick: "``z``", slash: "C:\\dir" } },
    },
  ];

  it("escapes | in a value, so each value stays in its own cell", () => {
    const rows = tableRows(previewMarkdown("dr", previewChanges(hostile)));
    for (const r of rows) assert.equal(cells(r).length, 6, `a row of 6 cells: ${r}`);
    const byPath = Object.fromEntries(rows.slice(2).map((r) => [cells(r)[3], cells(r)]));
    assert.deepEqual(byPath["`content`"].slice(4), ["`a\\|b`", "`a\\|\\|c`"]);
    assert.equal(cells(rows[2])[0], "`motd\\|banner`");
    // A backslash before a pipe stays a backslash: GFM unescapes only \| (the pipe).
    assert.deepEqual(byPath["`slash`"].slice(4), ["`C:\\dir\\\\|`", "`C:\\dir`"]);
  });

  it("turns a line break in a value into <br> inside its cell, and fences backticks", () => {
    const md = previewMarkdown("dr", previewChanges(hostile));
    const rows = tableRows(md);
    assert.equal(rows.length, 2 + 4, `header, delimiter and 4 property rows, no row broken by a newline:\n${md}`);
    const byPath = Object.fromEntries(rows.slice(2).map((r) => [cells(r)[3], cells(r)]));
    assert.deepEqual(byPath["`note`"].slice(4), ["`one`<br>`two`", "`one`<br>`three`<br>` `"]);
    assert.deepEqual(byPath["`tick`"].slice(4), ["``x`y``", "``` ``z`` ```"]);
    assert.equal(codeCell("plain"), "`plain`");
  });
});

describe("drift table", () => {
  it("names each drifted property with the state and live values; clean is clean", () => {
    const steps: Step[] = [
      {
        op: "refresh",
        urn: urn("pulumi-lvs:index:VipAlias", "rs1-vip"),
        type: "pulumi-lvs:index:VipAlias",
        old: { outputs: { assigned: true, address: "192.168.118.100" } },
        new: { outputs: { assigned: false, address: "192.168.118.100" } },
      },
      {
        op: "refresh",
        urn: urn("pulumi-lvs:index:SysctlSet", "arp"),
        type: "pulumi-lvs:index:SysctlSet",
        old: { outputs: { values: { "net.ipv4.conf.all.arp_ignore": "1" } } },
        new: { outputs: { values: { "net.ipv4.conf.all.arp_ignore": "0" } } },
      },
      {
        op: "refresh",
        urn: urn("pulumi-lvs:index:IpvsRealServer", "rs2"),
        type: "pulumi-lvs:index:IpvsRealServer",
        old: { outputs: { weight: 1 } },
      },
      {
        op: "refresh",
        urn: urn("pulumi-lvs:index:IpvsService", "svc"),
        type: "pulumi-lvs:index:IpvsService",
        old: { outputs: { scheduler: "rr" } },
        new: { outputs: { scheduler: "rr" } },
      },
    ];
    const d = driftOf(steps);
    assert.deepEqual(
      d.map((x) => [x.name, x.property, x.state, x.live]),
      [
        ["rs1-vip", "assigned", true, false],
        ["arp", "values.net.ipv4.conf.all.arp_ignore", "1", "0"],
        ["rs2", "(resource)", "present", "gone"],
      ],
    );
    assert.match(driftTable(d), /rs1-vip\s+VipAlias\s+assigned\s+true\s+false/);
    assert.equal(driftTable([]), "No drift: every resource matches its host.\n");
  });
});

describe("split-brain doctor", () => {
  const g: VrrpGroupDescription = {
    vip: "192.168.118.100",
    virtualRouterId: 51,
    interface: "ens33",
    members: [
      { host: "director1", address: "192.168.118.10", state: "MASTER", priority: 120 },
      { host: "director2", address: "192.168.118.11", state: "BACKUP", priority: 100 },
    ],
    virtualServers: [{ address: "192.168.118.100", port: 80, realServers: [{ address: "192.168.118.30", port: 80 }] }],
  };
  const ipvs = "-A -t 192.168.118.100:80 -s rr\n-a -t 192.168.118.100:80 -r 192.168.118.30:80 -g -w 1\n";
  const member = (host: string, over: Partial<MemberFacts>): MemberFacts => ({
    host,
    holdsVip: false,
    keepalivedActive: true,
    configOk: true,
    configOutput: "",
    advertsFrom: [],
    vrrpDrops: [],
    clock: 1000,
    ipvs,
    realServersAnswer: { "192.168.118.30:80": true },
    ...over,
  });
  const failed = (f: ReturnType<typeof diagnose>) => f.filter((x) => !x.ok).map((x) => `${x.check}: ${x.cause}`);

  it("a healthy pair passes every check", () => {
    const f = diagnose(g, [
      member("director1", { holdsVip: true, advertsFrom: ["192.168.118.10"] }),
      member("director2", { advertsFrom: ["192.168.118.10"] }),
    ]);
    assert.deepEqual(failed(f), []);
  });

  it("split brain with no adverts heard: the heartbeat link", () => {
    const f = diagnose(g, [
      member("director1", { holdsVip: true, advertsFrom: ["192.168.118.10"] }),
      member("director2", { holdsVip: true, advertsFrom: ["192.168.118.11"] }),
    ]);
    const holder = f[0];
    assert.equal(holder.ok, false);
    assert.match(holder.detail, /held by director1, director2/);
    assert.match(holder.cause ?? "", /split brain; likely cause: the heartbeat link between the members is broken/);
  });

  it("split brain with a firewall dropping VRRP names the rule", () => {
    const f = diagnose(g, [
      member("director1", { holdsVip: true }),
      member("director2", { holdsVip: true, vrrpDrops: ["-A INPUT -p vrrp -j DROP"] }),
    ]);
    assert.match(f[0].cause ?? "", /a firewall drops VRRP on director2: -A INPUT -p vrrp -j DROP/);
  });

  it("split brain although adverts arrive: VRID or authentication differ", () => {
    const f = diagnose(g, [
      member("director1", { holdsVip: true, advertsFrom: ["192.168.118.11"] }),
      member("director2", { holdsVip: true, advertsFrom: ["192.168.118.10"] }),
    ]);
    assert.match(f[0].cause ?? "", /virtual_router_id or authentication differ/);
  });

  it("clock skew, a bad config, a stopped keepalived and a dead real server are each named", () => {
    const f = diagnose(g, [
      member("director1", {
        holdsVip: true,
        clock: 1000,
        configOk: false,
        configOutput: "(Line 3) Unknown keyword 'bogus'",
        realServersAnswer: { "192.168.118.30:80": false },
        ipvs: "-A -t 192.168.118.100:80 -s rr\n",
      }),
      member("director2", { keepalivedActive: false, clock: 1010, advertsFrom: ["192.168.118.10"] }),
    ]);
    const msgs = failed(f).join("\n");
    assert.match(msgs, /keepalived running: keepalived stopped or crashed/);
    assert.match(msgs, /keepalived -t: a wrong keepalived configuration/);
    assert.match(msgs, /clocks agree: clock skew/);
    assert.match(msgs, /IPVS 192\.168\.118\.100:80: health checks removed 192\.168\.118\.30:80/);
    assert.match(msgs, /real servers answer: the service is down/);
  });
});
