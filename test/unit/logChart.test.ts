// The log-log line chart of the scaling benchmark: structure, log
// positions, dashing, escaping and skipping what a log axis cannot show.
import { strict as assert } from "node:assert";
import { logChart, LogPanel } from "../../bench/logChart";

const polylines = (svg: string) => [...svg.matchAll(/<polyline points="([^"]*)"([^>]*)\/>/g)];
const coords = (points: string) => points.split(" ").map((p) => p.split(",").map(Number));

const panels: LogPanel[] = [
  {
    title: "up",
    series: [
      {
        name: "pulumi",
        points: [
          { x: 50, y: 2, yMin: 1.5, yMax: 3 },
          { x: 500, y: 20 },
          { x: 5000, y: 200 },
        ],
      },
      { name: "floor", dashed: true, points: [{ x: 50, y: 1 }] },
    ],
  },
  { title: "down", series: [{ name: "pulumi", points: [{ x: 50, y: 0.3 }] }] },
  { title: "refresh", series: [{ name: "pulumi", points: [] }] },
];

describe("logChart", () => {
  it("renders a complete SVG with one polyline per non-empty series", () => {
    const svg = logChart("scaling", panels, { xLabel: "real servers", yLabel: "seconds" });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.endsWith("</svg>"));
    assert.match(svg, /width="\d+" height="\d+"/);
    assert.match(svg, /<rect width="100%" height="100%" fill="#fff"\/>/);
    assert.equal(polylines(svg).length, 3);
    assert.match(svg, />no data</);
    assert.equal((svg.match(/<g /g) ?? []).length, 3);
    assert.equal((svg.match(/<\/g>/g) ?? []).length, 3);
  });

  it("places x on a log scale and draws larger y higher", () => {
    const [first] = polylines(logChart("t", panels));
    const [[x50, y50], [x500, y500], [x5000, y5000]] = coords(first[1]);
    assert.ok(x50 < x500 && x500 < x5000);
    assert.ok(Math.abs(x500 - (x50 + x5000) / 2) <= 1);
    assert.ok(y500 < y50 && y5000 < y500);
  });

  it("dashes dashed series and colours by series name across panels", () => {
    const lines = polylines(logChart("t", panels));
    assert.match(lines[1][2], /stroke-dasharray/);
    assert.doesNotMatch(lines[0][2], /stroke-dasharray/);
    const stroke = (attrs: string) => attrs.match(/stroke="([^"]+)"/)?.[1];
    assert.equal(stroke(lines[0][2]), stroke(lines[2][2]));
    assert.notEqual(stroke(lines[0][2]), stroke(lines[1][2]));
  });

  it("escapes text", () => {
    const svg = logChart("a & b < c", [{ title: "<up>", series: [{ name: "x&y", points: [{ x: 1, y: 1 }] }] }]);
    assert.match(svg, /a &amp; b &lt; c/);
    assert.match(svg, /&lt;up&gt;/);
    assert.match(svg, /x&amp;y/);
    assert.doesNotMatch(svg, /<up>|x&y/);
  });

  it("skips values a log axis cannot show", () => {
    const svg = logChart("t", [
      {
        title: "up",
        series: [
          {
            name: "s",
            points: [
              { x: 50, y: 1 },
              { x: 0, y: 2 },
              { x: 500, y: -1 },
              { x: 5000, y: Number.NaN },
              { x: Infinity, y: 3 },
              { x: 5000, y: 10 },
            ],
          },
          { name: "none", points: [{ x: -1, y: 0 }] },
        ],
      },
    ]);
    const lines = polylines(svg);
    assert.equal(lines.length, 1);
    assert.equal(coords(lines[0][1]).length, 2);
    assert.doesNotMatch(svg, /NaN|Infinity/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2 + 2);
  });
});
