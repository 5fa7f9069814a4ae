// The topology diagrams (scripts/review/diagramCore.ts), pure: the Mermaid
// text for each stack's outputs (the roles as the stacks write them), the
// live marks from `npm run status`'s view (who holds the VIP, unreachable
// hosts, real servers a health check took out), label escaping and safe node
// ids, and the preview report's topology section. test/unit/render.test.ts
// renders some of them in a browser.
import { strict as assert } from "node:assert";
import { previewMarkdown } from "../../scripts/review/core";
import {
  escapeLabel,
  factsFromOutputs,
  hostTier,
  mermaidBlock,
  previewTopology,
  topologyMermaid,
  UNKNOWN_OUTPUT,
} from "../../scripts/review/diagramCore";
import { clusterStatus, HostReading, RealServerStatus, StackFacts, VirtualServiceStatus } from "../../scripts/review/statusCore";
import { TOPOLOGIES, VIP } from "../support/topologies";

/** The diagram read back: node id -> label lines, id -> class, the edges as "a --> b" / "a -.-> b", the boxes. */
function parse(text: string) {
  const labels = new Map<string, string[]>();
  const classes = new Map<string, string>();
  const edges: string[] = [];
  const boxes: string[] = [];
  const lines = text.split("\n");
  assert.equal(lines[0], "flowchart LR");
  for (const line of lines.slice(1)) {
    const node = /^\s+([A-Za-z_]\w*)(\[|\(\[|\{\{)"([^"]*)"(\]|\]\)|\}\})$/.exec(line);
    const edge = /^\s+([A-Za-z_]\w*) (-->|-\.->) ([A-Za-z_]\w*)$/.exec(line);
    const cls = /^\s+class ([\w,]+) (\w+)$/.exec(line);
    const box = /^\s+subgraph (\w+) \["([^"]+)"\]$/.exec(line);
    if (node) {
      assert.ok(!labels.has(node[1]), `node ${node[1]} defined twice`);
      labels.set(node[1], node[3].split("<br/>"));
    } else if (edge) edges.push(`${edge[1]} ${edge[2]} ${edge[3]}`);
    else if (cls) for (const id of cls[1].split(",")) classes.set(id, cls[2]);
    else if (box) boxes.push(box[2]);
    else
      assert.match(line, /^(\s+%%.*|\s+end|\s+classDef \w+ [\w#:,. -]+|)$/, `a line the diagram should not have: ${JSON.stringify(line)}`);
  }
  for (const e of edges) for (const id of [e.split(" ")[0], e.split(" ")[2]]) assert.ok(labels.has(id), `edge ${e} to an undefined node`);
  for (const id of labels.keys()) assert.ok(classes.has(id), `node ${id} has no class`);
  const idOf = (first: string) => {
    const found = [...labels].find(([, l]) => l[0] === first);
    assert.ok(found, `no node labelled ${first} in\n${text}`);
    return found[0];
  };
  return {
    labels,
    classes,
    edges,
    boxes,
    idOf,
    label: (first: string) => labels.get(idOf(first))!,
    cls: (first: string) => classes.get(idOf(first)),
  };
}

/** What one host read: its addresses, daemons, IPVS table (no HAProxy). */
function reading(
  host: string,
  addresses: Record<string, string[]>,
  services: VirtualServiceStatus[] = [],
  active = ["keepalived"],
): HostReading {
  return { host, addresses, active, services, haproxy: [] };
}

const rs = (address: string, weight = 1): RealServerStatus => ({
  address,
  port: 80,
  forward: "Route",
  weight,
  activeConns: 0,
  inactiveConns: 0,
  conns: 0,
  cps: 0,
  health: weight === 0 ? "quiesced" : "up",
});
const table = (director: string, servers: RealServerStatus[]): VirtualServiceStatus[] => [
  { director, key: `TCP ${VIP}:80`, scheduler: "wrr", flags: "", conns: 0, cps: 0, inBps: 0, outBps: 0, realServers: servers },
];
/** The real servers' readings: up, the VIP on lo. */
const RS = [
  reading("rs1", { lo: [VIP], ens33: ["192.168.118.30"] }, [], ["nginx"]),
  reading("rs2", { lo: [VIP], ens33: ["192.168.118.40"] }, [], ["nginx"]),
];
const ADDRESSES = { director1: ["192.168.118.10"], director2: ["192.168.118.11"], rs1: ["192.168.118.30"], rs2: ["192.168.118.40"] };

describe("topology diagrams (Mermaid)", () => {
  it("classifies every stack's roles: client, front (directors, HAProxy, VRRP members), real servers, app servers", () => {
    const tiers = Object.values(TOPOLOGIES).flatMap((f) =>
      Object.entries(f.roles).map(
        ([h, role]) =>
          `${f.stack}/${h}: ${hostTier(
            role,
            f.vrrp.some((g) => g.members.some((m) => m.host === h)),
          )}`,
      ),
    );
    assert.deepEqual(tiers, [
      "nat-lab/director1: front",
      "nat-lab/rs1: server",
      "nat-lab/rs2: server",
      "dr/director1: front",
      "dr/rs1: server",
      "dr/rs2: server",
      "dr-keepalived/director1: front",
      "dr-keepalived/director2: front",
      "dr-keepalived/rs1: server",
      "dr-keepalived/rs2: server",
      "keepalived-nginx/rs1: front",
      "keepalived-nginx/rs2: front",
      "lvs-nginx-tomcat/director1: front",
      "lvs-nginx-tomcat/nginx1: server",
      "lvs-nginx-tomcat/nginx2: server",
      "lvs-nginx-tomcat/tomcat1: app",
      "lvs-nginx-tomcat/tomcat2: app",
      "haproxy/haproxy1: front",
      "haproxy/haproxy2: front",
      "haproxy/rs1: server",
      "haproxy/rs2: server",
      "scale/director1: front",
    ]);
    assert.equal(hostTier("client", false), "client");
    assert.equal(hostTier("nginx, keepalived MASTER 100", false), "server", "not a member: a web server");
    assert.equal(hostTier("monitoring", false), "other");
  });

  it("draws every topology as a well-formed flowchart with client -> VIP -> front -> real servers -> app servers", () => {
    for (const facts of Object.values(TOPOLOGIES)) {
      const d = parse(topologyMermaid(facts));
      const vip = d.idOf(`VIP ${facts.vip}`);
      assert.ok(d.edges.includes(`${d.idOf("client")} --> ${vip}`), `${facts.stack}: client -> VIP`);
      for (const [host, role] of Object.entries(facts.roles))
        assert.deepEqual(d.label(host).slice(0, 2), [host, role], `${facts.stack}: ${host}`);
    }
    const nat = parse(topologyMermaid(TOPOLOGIES["nat-lab"]));
    assert.deepEqual(nat.edges, [
      "c_client --> vip_12_0_0_20",
      "vip_12_0_0_20 --> h_director1",
      "h_director1 --> h_rs1",
      "h_director1 --> h_rs2",
    ]);
    assert.deepEqual(nat.boxes, ["directors", "real servers"]);
    assert.equal(nat.cls("director1"), "master");

    const tomcat = parse(topologyMermaid(TOPOLOGIES["lvs-nginx-tomcat"]));
    assert.deepEqual(tomcat.boxes, ["directors", "real servers", "app servers"]);
    for (const n of ["nginx1", "nginx2"]) {
      assert.ok(tomcat.edges.includes(`h_director1 --> h_${n}`));
      for (const t of ["tomcat1", "tomcat2"]) assert.ok(tomcat.edges.includes(`h_${n} --> h_${t}`), `${n} -> ${t}`);
    }
    assert.equal(tomcat.cls("tomcat1"), "app");

    const ngx = parse(topologyMermaid(TOPOLOGIES["keepalived-nginx"]));
    assert.deepEqual(ngx.boxes, ["keepalived pair"], "the nginx pair is what the VIP leads to");
    assert.deepEqual(ngx.edges.slice(1), [`${ngx.idOf(`VIP ${VIP}`)} --> h_rs1`, `${ngx.idOf(`VIP ${VIP}`)} -.-> h_rs2`]);

    const scale = parse(topologyMermaid(TOPOLOGIES.scale));
    assert.deepEqual(scale.label("500 real servers"), ["500 real servers", "10 services x 50"]);
    assert.ok(scale.edges.includes(`h_director1 --> ${scale.idOf("500 real servers")}`));
  });

  it("labels the VRRP pair MASTER/BACKUP as declared: solid from the MASTER, dotted from the BACKUP", () => {
    const d = parse(topologyMermaid(TOPOLOGIES["dr-keepalived"]));
    assert.deepEqual(d.label("director1"), ["director1", "director, MASTER 120", "MASTER (declared, priority 120)"]);
    assert.deepEqual(d.label("director2"), ["director2", "director, BACKUP 100", "BACKUP (declared, priority 100)"]);
    assert.deepEqual([d.cls("director1"), d.cls("director2"), d.cls("rs1")], ["master", "backup", "server"]);
    const vip = d.idOf(`VIP ${VIP}`);
    assert.deepEqual(d.edges, [
      `c_client --> ${vip}`,
      `${vip} --> h_director1`,
      `${vip} -.-> h_director2`,
      "h_director1 --> h_rs1",
      "h_director2 -.-> h_rs1",
      "h_director1 --> h_rs2",
      "h_director2 -.-> h_rs2",
    ]);
    const h = parse(topologyMermaid(TOPOLOGIES.haproxy));
    assert.deepEqual(h.boxes, ["HAProxy hosts", "real servers"]);
    assert.equal(h.label("haproxy2")[2], "BACKUP (declared, priority 100)");
    assert.ok(h.edges.includes("h_haproxy1 --> h_rs2") && h.edges.includes("h_haproxy2 -.-> h_rs2"));
    // Without a vrrp output (not known at preview), the role text still says which is the BACKUP.
    const noVrrp = parse(topologyMermaid({ ...TOPOLOGIES.haproxy, vrrp: [] }));
    assert.deepEqual([noVrrp.cls("haproxy1"), noVrrp.cls("haproxy2")], ["master", "backup"]);
  });

  it("escapes labels (quotes, brackets, <, |, #, &, backticks, line breaks) and keeps node ids identifiers, distinct", () => {
    const hostile = 'we"ird<b>x</b>|[y]{z}#1&amp;;`\\';
    const facts: StackFacts = {
      stack: "odd\nstack",
      vip: VIP,
      roles: {
        [hostile]: 'real server "a" <script>alert(1)</script>\nsecond line',
        "rs-1": "real server",
        rs_1: "real server",
        end: "tomcat",
      },
      vrrp: [],
    };
    const text = topologyMermaid(facts);
    const d = parse(text); // every line well formed, ids identifiers
    assert.doesNotMatch(text, /<script|<b>|odd\nstack/);
    const id = d.idOf(escapeLabel(hostile));
    assert.match(id, /^h_\w+$/);
    assert.deepEqual(d.labels.get(id), [
      "we#34;ird#60;b#62;x#60;/b#62;#124;#91;y#93;#123;z#125;#35;1#38;amp#59;#59;#96;#92;",
      "real server #34;a#34; #60;script#62;alert(1)#60;/script#62;",
      "second line",
    ]);
    assert.notEqual(d.idOf("rs-1"), d.idOf("rs_1"), "names that sanitize alike get distinct ids");
    assert.equal(d.idOf("end"), "h_end", "a Mermaid keyword as a name is prefixed");
    assert.equal(escapeLabel("a\u0000b\tc (d)"), "a b c (d)");
  });

  it("marks the live state: the VIP holder is MASTER, a checker's removed real server and an unreachable host get their classes", () => {
    const facts = TOPOLOGIES["dr-keepalived"];
    // director2 took over; rs2 is out of its table; director1 cannot be reached.
    const status = clusterStatus(facts, [
      { host: "director1", error: "ssh root@192.168.118.10:22: connection refused", addresses: {}, active: [], services: [], haproxy: [] },
      reading("director2", { ens33: ["192.168.118.11", VIP] }, table("director2", [rs("192.168.118.30")])),
      ...RS,
    ]);
    const d = parse(topologyMermaid(facts, status, { addresses: ADDRESSES }));
    assert.deepEqual(d.label(`VIP ${VIP}`), [`VIP ${VIP}`, "held by director2"]);
    assert.deepEqual(d.label("director2").slice(2), ["MASTER (holds the VIP)"]);
    assert.deepEqual(d.label("director1").slice(2), ["state unknown", "UNREACHABLE: ssh root@192.168.118.10:22: connection refused"]);
    assert.deepEqual(d.label("rs2").slice(2), [`REMOVED: 192.168.118.40:80 out of TCP ${VIP}:80 (health check)`]);
    assert.deepEqual(
      ["director1", "director2", "rs1", "rs2"].map((h) => d.cls(h)),
      ["unreachable", "master", "server", "removed"],
    );
    const vip = d.idOf(`VIP ${VIP}`);
    assert.ok(d.edges.includes(`${vip} --> h_director2`) && d.edges.includes(`${vip} -.-> h_director1`));
    assert.ok(d.edges.includes("h_director2 --> h_rs2") && d.edges.includes("h_director1 -.-> h_rs2"));
    const text = topologyMermaid(facts, status, { addresses: ADDRESSES });
    assert.match(text, /^ {2}classDef removed .*stroke-dasharray/m);
    assert.match(text, /^ {2}classDef unreachable /m);
    assert.match(text, /%% pulumi-lvs topology of stack dr-keepalived \(live\)/);

    // Without the inventory's addresses the removed server stands as its address, under the director whose table lacks it.
    const bare = parse(topologyMermaid(facts, status));
    assert.deepEqual(bare.label("192.168.118.40:80"), [
      "192.168.118.40:80",
      "real server (no host of the stack)",
      "REMOVED by its health check",
    ]);
    assert.equal(bare.cls("192.168.118.40:80"), "removed");
    assert.ok(bare.edges.includes(`h_director2 --> ${bare.idOf("192.168.118.40:80")}`));
    assert.equal(bare.cls("rs2"), "server");
  });

  it("says split brain and no holder on the VIP node; a quiesced server and a stopped keepalived", () => {
    const facts = TOPOLOGIES["dr-keepalived"];
    const both = clusterStatus(facts, [
      reading("director1", { ens33: ["192.168.118.10", VIP] }, table("director1", [rs("192.168.118.30"), rs("192.168.118.40", 0)])),
      reading("director2", { ens33: ["192.168.118.11", VIP] }, table("director2", [rs("192.168.118.30"), rs("192.168.118.40", 0)])),
      ...RS,
    ]);
    const d = parse(topologyMermaid(facts, both, { addresses: ADDRESSES }));
    assert.deepEqual(d.label(`VIP ${VIP}`), [`VIP ${VIP}`, "SPLIT BRAIN: held by director1 and director2"]);
    assert.equal(d.cls(`VIP ${VIP}`), "alert");
    assert.deepEqual([d.label("director1")[2], d.label("director2")[2]], ["MASTER (holds the VIP)", "MASTER (holds the VIP)"]);
    assert.deepEqual(d.label("rs2").slice(2), [`QUIESCED: 192.168.118.40:80 quiesced (weight 0)`]);
    assert.equal(d.cls("rs2"), "quiesced");

    const none = clusterStatus(facts, [
      reading("director1", { ens33: ["192.168.118.10"] }, [], []),
      reading("director2", { ens33: ["192.168.118.11"] }),
      ...RS,
    ]);
    const n = parse(topologyMermaid(facts, none, { addresses: ADDRESSES }));
    assert.deepEqual(n.label(`VIP ${VIP}`), [`VIP ${VIP}`, "held by NO host"]);
    assert.equal(n.cls(`VIP ${VIP}`), "alert");
    assert.deepEqual(n.label("director1").slice(2), ["BACKUP (keepalived not running)"]);
    assert.ok(
      n.edges.every((e) => !e.includes("-->") || e.startsWith("c_client")),
      "no active path",
    );
  });

  it("takes HAProxy's DOWN servers as removed (the VIP holder's view) and summarizes hundreds of real servers", () => {
    const facts = TOPOLOGIES.haproxy;
    const s = clusterStatus(facts, [
      reading("haproxy1", { ens33: ["192.168.118.10", VIP] }, [], ["keepalived", "haproxy"]),
      reading("haproxy2", { ens33: ["192.168.118.11"] }, [], ["keepalived", "haproxy"]),
      ...RS,
    ]);
    const server = (name: string, status: string, check: string) => ({
      proxy: "web_back",
      server: name,
      status,
      weight: 1,
      sessions: 0,
      total: 0,
      rate: 0,
      check,
    });
    s.haproxy = [
      { host: "haproxy1", holdsVip: true, servers: [server("rs1", "UP", "L7OK"), server("rs2", "DOWN", "L4CON")] },
      { host: "haproxy2", holdsVip: false, servers: [server("rs1", "DOWN", "L4CON"), server("rs2", "DOWN", "L4CON")] },
    ];
    const d = parse(topologyMermaid(facts, s));
    assert.deepEqual([d.cls("rs1"), d.cls("rs2")], ["server", "removed"]);
    assert.deepEqual(d.label("rs2").slice(2), ["REMOVED: DOWN in HAProxy on haproxy1 (L4CON)"]);
    assert.deepEqual(d.label("haproxy1").slice(2), ["MASTER (holds the VIP)"]);

    const scale = TOPOLOGIES.scale;
    const many = Array.from({ length: 500 }, (_, i) => rs(`10.10.${1 + Math.floor(i / 50)}.${1 + (i % 50)}`, i < 3 ? 0 : 1));
    const live = clusterStatus(scale, [reading("director1", { ens33: ["192.168.118.10", VIP] }, table("director1", many), [])]);
    const sd = parse(topologyMermaid(scale, live));
    assert.deepEqual(sd.label("500 real servers"), ["500 real servers", "0 removed, 3 quiesced"]);
    assert.equal(sd.labels.size, 4, "client, VIP, director, the summary");
  });

  it("wraps the text in a ```mermaid fence for Markdown", () => {
    assert.equal(mermaidBlock("flowchart LR\n  a --> b\n"), "```mermaid\nflowchart LR\n  a --> b\n```\n");
  });

  it("puts the planned topology in the preview report, else the deployed one, else a one-line note", () => {
    const outputs = (f: StackFacts) => ({ vip: f.vip, hosts: f.roles, vrrp: f.vrrp, url: `http://${f.vip}/`, check: "[secret]" });
    const drk = TOPOLOGIES["dr-keepalived"];
    assert.deepEqual(factsFromOutputs("dr-keepalived", outputs(drk)), drk);
    assert.equal(factsFromOutputs("x", undefined), "no outputs");
    assert.equal(factsFromOutputs("x", {}), "no outputs");
    assert.equal(factsFromOutputs("x", { vip: UNKNOWN_OUTPUT, hosts: {} }), "`vip` not known yet");
    assert.equal(factsFromOutputs("x", { vip: VIP, hosts: { d: UNKNOWN_OUTPUT } }), "`hosts` not known yet");
    assert.equal(factsFromOutputs("x", { vip: VIP }), "no `hosts` output");
    const unknownVrrp = factsFromOutputs("x", { vip: VIP, hosts: drk.roles, vrrp: UNKNOWN_OUTPUT });
    assert.deepEqual(typeof unknownVrrp === "string" ? unknownVrrp : unknownVrrp.vrrp, [], "an unknown vrrp output is left out");

    const planned = previewTopology("dr-keepalived", outputs(drk), undefined);
    assert.equal(planned, `**Topology** (the preview's planned outputs):\n\n${mermaidBlock(topologyMermaid(drk))}`);
    const deployed = previewTopology("dr-keepalived", { vip: UNKNOWN_OUTPUT, hosts: drk.roles }, outputs(drk));
    assert.match(deployed, /^\*\*Topology\*\* as deployed \(the preview's planned outputs: `vip` not known yet\):\n\n```mermaid\n/);
    const none = previewTopology("dr", undefined, {});
    assert.equal(
      none,
      "No topology diagram: neither the preview's planned outputs (no outputs) nor the deployed stack's (no outputs) give the VIP and the hosts.\n",
    );
    assert.equal(none.trim().split("\n").length, 1);

    const md = previewMarkdown(
      "dr-keepalived",
      [{ name: "dr-service", kind: "IpvsService", op: "create", changes: [], replacedBy: [] }],
      undefined,
      planned,
    );
    assert.ok(md.endsWith(`\n\n${planned}`), md);
    assert.match(
      previewMarkdown("dr", [], undefined, none),
      /No changes: the hosts already match the program\.\n\nNo topology diagram: .*\n$/,
    );
    assert.doesNotMatch(previewMarkdown("dr", []), /Topology|topology/, "no section when none is given");
  });
});
