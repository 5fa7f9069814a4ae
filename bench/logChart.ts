// A line chart on log-log axes as standalone SVG: one small panel per
// operation (seconds over number of real servers), one line per series.
// Pure: data in, SVG text out; the callers write the file.
import { esc } from "./report";

export interface LogSeries {
  name: string;
  /** dashed line (e.g. the floor) */
  dashed?: boolean;
  points: { x: number; y: number; yMin?: number; yMax?: number }[];
}

export interface LogPanel {
  title: string;
  series: LogSeries[];
}

/** Only values a log axis can show. */
const ok = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/** Powers-of-ten range covering the values, at least one decade. */
function decades(values: number[]): { lo: number; hi: number } {
  const lo = Math.floor(Math.log10(Math.min(...values)) + 1e-9);
  const hi = Math.max(Math.ceil(Math.log10(Math.max(...values)) - 1e-9), lo + 1);
  return { lo, hi };
}

/** 10^k as a plain label: 0.01, 1, 1000. */
function pow10Label(k: number): string {
  return String(Number((10 ** k).toPrecision(1)));
}

/**
 * Small log-log line charts side by side (3 columns), one per panel, with
 * a shared x axis, a y axis per panel, min-max whiskers and one legend.
 */
export function logChart(title: string, panels: LogPanel[], opts: { xLabel?: string; yLabel?: string } = {}): string {
  const xLabel = opts.xLabel ?? "real servers";
  const yLabel = opts.yLabel ?? "seconds";
  const colours = ["#1f6fb2", "#d9822b", "#3a9d5d", "#8e44ad", "#c0392b", "#7f8c8d"];
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const colour = (name: string) => colours[names.indexOf(name) % colours.length];
  const dashedName = (name: string) => panels.some((p) => p.series.some((s) => s.name === name && s.dashed));
  const cols = Math.max(1, Math.min(3, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const panelW = 280;
  const panelH = 230;
  const top = 50;
  const left = 54;
  const right = 14;
  const pTop = 24;
  const pBottom = 44;
  const plotW = panelW - left - right;
  const plotH = panelH - pTop - pBottom;
  const width = cols * panelW + 10;
  const height = top + Math.max(1, rows) * panelH + 10;

  const xs = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.filter((q) => ok(q.x) && ok(q.y)).map((q) => q.x))))].sort(
    (a, b) => a - b,
  );
  const xr = xs.length ? decades(xs) : { lo: 0, hi: 1 };
  const sx = (v: number) => left + (plotW * (Math.log10(v) - xr.lo)) / (xr.hi - xr.lo);

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  names.forEach((name, i) => {
    const x = 10 + i * 150;
    const dash = dashedName(name) ? ` stroke-dasharray="5 3"` : "";
    out.push(
      `<line x1="${x}" x2="${x + 20}" y1="33" y2="33" stroke="${colour(name)}" stroke-width="2"${dash}/>`,
      `<circle cx="${x + 10}" cy="33" r="3" fill="${colour(name)}"/>`,
      `<text x="${x + 26}" y="37">${esc(name)}</text>`,
    );
  });

  panels.forEach((panel, pi) => {
    const ox = 5 + (pi % cols) * panelW;
    const oy = top + Math.floor(pi / cols) * panelH;
    const series = panel.series.map((s) => ({ s, pts: s.points.filter((q) => ok(q.x) && ok(q.y)) })).filter((e) => e.pts.length > 0);
    out.push(
      `<g transform="translate(${ox} ${oy})">`,
      `<text x="${left + plotW / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">${esc(panel.title)}</text>`,
      `<rect x="${left}" y="${pTop}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    );
    if (!series.length) {
      out.push(`<text x="${left + plotW / 2}" y="${pTop + plotH / 2}" text-anchor="middle" fill="#888">no data</text>`, "</g>");
      return;
    }
    const ys = series.flatMap((e) => e.pts.flatMap((q) => [q.y, q.yMin, q.yMax].filter(ok)));
    const yr = decades(ys);
    const sy = (v: number) => pTop + plotH - (plotH * (Math.log10(v) - yr.lo)) / (yr.hi - yr.lo);
    for (let k = yr.lo; k <= yr.hi; k++) {
      const y = sy(10 ** k).toFixed(1);
      out.push(
        `<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`,
        `<line x1="${left - 4}" x2="${left}" y1="${y}" y2="${y}" stroke="#888"/>`,
        `<text x="${left - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end">${pow10Label(k)}</text>`,
      );
    }
    for (const x of xs) {
      const px = sx(x).toFixed(1);
      out.push(
        `<line x1="${px}" x2="${px}" y1="${pTop + plotH}" y2="${pTop + plotH + 4}" stroke="#888"/>`,
        `<text x="${px}" y="${pTop + plotH + 16}" text-anchor="middle">${x}</text>`,
      );
    }
    out.push(
      `<text x="${left + plotW / 2}" y="${pTop + plotH + 34}" text-anchor="middle">${esc(xLabel)}</text>`,
      `<text transform="translate(14 ${pTop + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    );
    for (const { s, pts } of series) {
      const c = colour(s.name);
      const dash = s.dashed ? ` stroke-dasharray="5 3"` : "";
      const coords = pts.map((q) => `${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`).join(" ");
      out.push(`<polyline points="${coords}" fill="none" stroke="${c}" stroke-width="2"${dash}/>`);
      for (const q of pts) {
        const px = sx(q.x).toFixed(1);
        if (ok(q.yMin) && ok(q.yMax)) {
          out.push(`<line x1="${px}" x2="${px}" y1="${sy(q.yMax).toFixed(1)}" y2="${sy(q.yMin).toFixed(1)}" stroke="${c}"/>`);
        }
        out.push(`<circle cx="${px}" cy="${sy(q.y).toFixed(1)}" r="3" fill="${c}"/>`);
      }
    }
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("\n");
}
