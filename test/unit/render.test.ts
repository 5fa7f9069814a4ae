// The topology diagrams as a reader sees them: Mermaid text from
// scripts/review/diagramCore.ts rendered by the pinned mermaid in Debian's
// chromium-headless-shell (test/support/browser.ts). The screenshot must not be
// blank and the SVG in the DOM must carry the hosts, the VIP and MASTER/BACKUP.
// Without the browser this fails (run `npm run setup`); it is never skipped.
import { strict as assert } from "node:assert";
import * as zlib from "node:zlib";
import { topologyMermaid } from "../../scripts/review/diagramCore";
import { clusterStatus, HostReading } from "../../scripts/review/statusCore";
import { chromiumBinary, decodePng, pngStats, Rendered, renderMermaid, renderSvg } from "../support/browser";
import { TOPOLOGIES } from "../support/topologies";
import { analyzeDrill, DrillEvents, RequestRecord, timelineSvg } from "../../scripts/review/drillCore";

/** The text a reader sees in an SVG: tags out (a line break per tag), entities decoded. */
function svgText(svg: string): string {
  return svg
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, "\n")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Not blank: many colours (shapes, anti-aliased text) and a fair share of the picture drawn on. */
function assertDrawn(r: Rendered, what: string): void {
  const s = r.stats;
  assert.ok(s.distinctColors >= 16, `${what}: only ${s.distinctColors} colours in the screenshot`);
  assert.ok(
    s.nonBackgroundFraction > 0.02 && s.nonBackgroundFraction < 0.9,
    `${what}: ${(s.nonBackgroundFraction * 100).toFixed(1)}% drawn`,
  );
  assert.equal(s.background, "#ffffffff", `${what}: the page's white background`);
}

/** A PNG of `rows` (RGB or RGBA bytes per row), each row encoded with the filter type given. */
function encodePng(width: number, channels: 3 | 4, rows: Buffer[], filters: number[]): Buffer {
  const stride = width * channels;
  const raw = Buffer.concat(
    rows.map((row, y) => {
      const prev = y > 0 ? rows[y - 1] : Buffer.alloc(stride);
      const out = Buffer.alloc(stride + 1);
      out[0] = filters[y];
      for (let x = 0; x < stride; x++) {
        const a = x >= channels ? row[x - channels] : 0;
        const b = prev[x];
        const c = x >= channels ? prev[x - channels] : 0;
        const p = a + b - c;
        const paeth =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
        const pred = [0, a, b, (a + b) >> 1, paeth][filters[y]];
        out[x + 1] = (row[x] - pred) & 0xff;
      }
      return out;
    }),
  );
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, "latin1"), data, Buffer.alloc(4)]); // the decoder does not check CRCs
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("rendering the topology diagrams in a headless browser", function () {
  this.timeout(20_000);
  let started = 0;
  before(() => (started = Date.now()));
  after(() => console.log(`      (rendering took ${((Date.now() - started) / 1000).toFixed(1)} s)`));

  it("finds chromium-headless-shell (else: run npm run setup)", () => {
    assert.match(chromiumBinary(), /chromium-headless-shell$/);
  });

  it("decodes PNGs of every filter type, RGB and RGBA, and tells a blank picture from a drawn one", () => {
    const width = 7;
    for (const channels of [3, 4] as const) {
      const rows = Array.from({ length: 10 }, (_, y) =>
        Buffer.from(Array.from({ length: width * channels }, (_, x) => (x * 37 + y * 91 + x * y) & 0xff)),
      );
      const png = encodePng(width, channels, rows, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]);
      const img = decodePng(png);
      assert.deepEqual([img.width, img.height], [width, 10]);
      for (let y = 0; y < 10; y++) {
        for (let x = 0; x < width; x++) {
          const at = (y * width + x) * 4;
          const want = [...rows[y].subarray(x * channels, x * channels + 3), channels === 4 ? rows[y][x * channels + 3] : 255];
          assert.deepEqual([...img.rgba.subarray(at, at + 4)], want, `pixel ${x},${y} of the ${channels}-channel PNG`);
        }
      }
    }
    const white = Buffer.alloc(width * 3, 0xff);
    const blank = pngStats(
      encodePng(
        width,
        3,
        Array.from({ length: 4 }, () => white),
        [0, 1, 2, 4],
      ),
    );
    assert.deepEqual(blank, { width, height: 4, distinctColors: 1, background: "#ffffffff", nonBackgroundFraction: 0 });
    const dot = Buffer.from(white);
    dot.fill(0, 3, 6);
    const drawn = pngStats(encodePng(width, 3, [white, dot, white, white], [0, 0, 0, 0]));
    assert.equal(drawn.distinctColors, 2);
    assert.ok(Math.abs(drawn.nonBackgroundFraction - 1 / 28) < 1e-9, `one pixel of 28: ${drawn.nonBackgroundFraction}`);
    assert.throws(() => decodePng(Buffer.from("not a png")), /not a PNG/);
  });

  it("draws a drill's timeline: a lane per real server, failures in red, the fault and the restore marked", async () => {
    // A failover drill at 5 requests/s for 20 s: 1.6 s of failures after the fault at t0 + 5.
    const t0 = 1_796_000_000;
    const requests: RequestRecord[] = Array.from({ length: 100 }, (_, i) => {
      const start = t0 + i * 0.2;
      const ok = start < t0 + 5.1 || start > t0 + 6.7;
      return {
        start,
        end: start + 0.05,
        ok,
        code: ok ? "200" : "000",
        answer: ok ? `this is nginx${(i % 2) + 1}` : "",
        ...(ok ? {} : { detail: "curl exit 28" }),
      };
    });
    const events: DrillEvents = { start: t0, faultAt: t0 + 5, restoredAt: t0 + 15, end: t0 + 20, vipMovedAt: t0 + 6.5, vipBackAt: t0 + 16 };
    const svg = timelineSvg({
      stack: "dr-keepalived",
      fault: "master-stop",
      host: "director1",
      describe: "stop keepalived on director1",
      rps: 5,
      durationSeconds: 20,
      events,
      figures: analyzeDrill(requests, events),
      requests,
    });
    const r = await renderSvg(svg, { width: 1000, height: 400 });
    assertDrawn(r, "the drill timeline");
    const text = svgText(r.dom);
    for (const label of ["dr-keepalived", "master-stop", "this is nginx1", "this is nginx2", "failed", "fault", "restore"])
      assert.ok(text.includes(label), `the timeline shows ${JSON.stringify(label)}:\n${text.replace(/\n+/g, " | ")}`);
    // The failed requests' dots are red (#d62728) in the picture itself, not only in the markup.
    const { rgba } = decodePng(r.png);
    let red = 0;
    for (let i = 0; i < rgba.length; i += 4)
      if (Math.abs(rgba[i] - 0xd6) < 12 && Math.abs(rgba[i + 1] - 0x27) < 12 && Math.abs(rgba[i + 2] - 0x28) < 12) red++;
    assert.ok(red > 50, `red failure dots drawn: ${red} red pixels`);
  });

  it("draws dr-keepalived as declared: both directors MASTER/BACKUP, the real servers, the VIP", async () => {
    const r = await renderMermaid(topologyMermaid(TOPOLOGIES["dr-keepalived"]));
    assertDrawn(r, "dr-keepalived");
    const text = svgText(r.svg);
    for (const label of [
      "client",
      "VIP 192.168.118.100",
      "director1",
      "director2",
      "MASTER (declared, priority 120)",
      "BACKUP (declared, priority 100)",
      "rs1",
      "rs2",
      "real server (VIP on lo:0)",
      "directors",
      "real servers",
    ]) {
      assert.ok(text.includes(label), `the SVG shows ${JSON.stringify(label)}:\n${text.replace(/\n+/g, " | ")}`);
    }
    assert.match(r.svg, /class="[^"]*\bmaster\b/, "the MASTER's class reaches the SVG");
  });

  it("draws haproxy live after a failover, a DOWN web server marked, and odd names shown literally", async () => {
    const facts = { ...TOPOLOGIES.haproxy, roles: { ...TOPOLOGIES.haproxy.roles, 'odd"<b>|[x]#1&amp;': "web server, weight 1" } };
    const reading = (host: string, addresses: Record<string, string[]>): HostReading => ({
      host,
      addresses,
      active: ["keepalived", "haproxy"],
      services: [],
      haproxy: [],
    });
    const s = clusterStatus(facts, [
      reading("haproxy1", { ens33: ["192.168.118.10"] }),
      reading("haproxy2", { ens33: ["192.168.118.11", "192.168.118.100"] }),
      reading("rs1", { ens33: ["192.168.118.30"] }),
      reading("rs2", { ens33: ["192.168.118.40"] }),
      reading('odd"<b>|[x]#1&amp;', { ens33: ["192.168.118.50"] }),
    ]);
    s.haproxy = [
      {
        host: "haproxy2",
        holdsVip: true,
        servers: [{ proxy: "web_back", server: "rs2", status: "DOWN", weight: 3, sessions: 0, total: 9, rate: 0, check: "L7STS" }],
      },
    ];
    const r = await renderMermaid(topologyMermaid(facts, s));
    assertDrawn(r, "haproxy");
    const text = svgText(r.svg);
    for (const label of [
      "VIP 192.168.118.100",
      "held by haproxy2",
      "haproxy1",
      "haproxy2",
      "MASTER (holds the VIP)",
      "BACKUP",
      "HAProxy hosts",
      "rs1",
      "rs2",
      "web server, weight 2",
      "REMOVED: DOWN in HAProxy on haproxy2 (L7STS)",
      'odd"<b>|[x]#1&amp;',
    ]) {
      assert.ok(text.includes(label), `the SVG shows ${JSON.stringify(label)}:\n${text.replace(/\n+/g, " | ")}`);
    }
    assert.doesNotMatch(r.svg, /<b>\|/, "a name's markup is text, not markup");
    assert.match(r.svg, /class="[^"]*\bremoved\b/, "the removed class reaches the SVG");
  });
});
