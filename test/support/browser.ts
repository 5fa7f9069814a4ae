// Renders pictures the way a reader's browser would, for tests: an HTML page,
// an SVG, or Mermaid text, in Debian's `chromium-headless-shell` (installed by
// `npm run setup`). One run per page takes the PNG screenshot (`--screenshot`)
// and the DOM after the page's scripts ran (`--dump-dom`), both after a virtual
// time budget, so Mermaid has finished drawing. Offline: the page is a file in
// a temporary directory with everything inlined and a Content-Security-Policy
// that forbids any fetch; the profile (`--user-data-dir`) lives in the same
// directory, removed afterwards. `pngStats` decodes the screenshot (8-bit
// gray, RGB or RGBA, non-interlaced, every filter type) far enough to tell a
// blank picture from a drawn one.
//
//   const { stats, dom } = await renderSvg(svgText);
//   assert.ok(stats.distinctColors > 4 && stats.nonBackgroundFraction > 0.01);
//   assert.match(dom, /<svg/);
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";

/** Where Debian's package puts the browser (`CHROMIUM_HEADLESS_SHELL` overrides). */
const CANDIDATES = ["/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"];

/** The browser's path; fails, naming the fix, when it is not installed. */
export function chromiumBinary(): string {
  const env = process.env.CHROMIUM_HEADLESS_SHELL;
  const found = (env ? [env] : CANDIDATES).find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `chromium-headless-shell is not installed (looked for ${(env ? [env] : CANDIDATES).join(", ")}): run \`npm run setup\` (it installs the Debian package chromium-headless-shell)`,
    );
  }
  return found;
}

export interface PngImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  rgba: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes a PNG of bit depth 8, color type gray (0), RGB (2), gray+alpha (4) or RGBA (6), not interlaced. */
export function decodePng(buf: Buffer): PngImage {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("decodePng: not a PNG (bad signature)");
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let interlace = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number | undefined>)[colorType];
  if (!width || !height) throw new Error("decodePng: no IHDR chunk");
  if (depth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(
      `decodePng: unsupported PNG (bit depth ${depth}, color type ${colorType}, interlace ${interlace}); 8-bit gray/RGB/RGBA only`,
    );
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1))
    throw new Error(`decodePng: ${raw.length} bytes of image data, expected ${height * (stride + 1)}`);
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[out + x - channels] : 0;
      const b = y > 0 ? px[out - stride + x] : 0;
      const c = x >= channels && y > 0 ? px[out - stride + x - channels] : 0;
      let pred: number;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`decodePng: unknown filter type ${filter} on row ${y}`);
      }
      px[out + x] = (line[x] + pred) & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const [r, g, b, al] =
      channels === 4
        ? [px[s], px[s + 1], px[s + 2], px[s + 3]]
        : channels === 3
          ? [px[s], px[s + 1], px[s + 2], 255]
          : channels === 2
            ? [px[s], px[s], px[s], px[s + 1]]
            : [px[s], px[s], px[s], 255];
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = al;
  }
  return { width, height, rgba };
}

export interface PngStats {
  width: number;
  height: number;
  /** Distinct RGBA values. A blank page has 1; drawn shapes and anti-aliased text many. */
  distinctColors: number;
  /** The most frequent color, as `#rrggbbaa`. */
  background: string;
  /** The share of pixels (0 to 1) that differ from the background. */
  nonBackgroundFraction: number;
}

/** What a picture holds, roughly: enough to tell a blank screenshot from a drawn one. */
export function pngStats(buf: Buffer): PngStats {
  const { width, height, rgba } = decodePng(buf);
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) {
    const v = rgba.readUInt32BE(i);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let bg = 0;
  let bgCount = 0;
  for (const [v, n] of counts) if (n > bgCount) [bg, bgCount] = [v, n];
  return {
    width,
    height,
    distinctColors: counts.size,
    background: `#${bg.toString(16).padStart(8, "0")}`,
    nonBackgroundFraction: width * height ? 1 - bgCount / (width * height) : 0,
  };
}

export interface RenderOptions {
  /** The browser window, CSS pixels (default 1200 x 800). */
  width?: number;
  height?: number;
  /** Virtual milliseconds the page gets before the screenshot and the DOM are taken (default 5000). */
  budgetMs?: number;
  /** Real milliseconds before the browser is killed (default 15000). */
  timeoutMs?: number;
}

export interface Rendered {
  /** The screenshot. */
  png: Buffer;
  stats: PngStats;
  /** The DOM after the page's scripts ran, serialized (`--dump-dom`). */
  dom: string;
}

/** No fetch of any kind: the page has everything inline. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const run = (bin: string, args: string[], timeoutMs: number) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: err && err.killed ? `${stderr}\nkilled after ${timeoutMs} ms` : stderr });
    });
  });

/** Renders an HTML page: its screenshot, the screenshot's stats and the DOM after its scripts ran. */
export async function renderHtml(html: string, opts: RenderOptions = {}): Promise<Rendered> {
  const bin = chromiumBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-browser-"));
  try {
    const page = path.join(dir, "page.html");
    const shot = path.join(dir, "shot.png");
    fs.writeFileSync(page, html);
    const args = (sandbox: boolean) => [
      ...(sandbox ? [] : ["--no-sandbox"]),
      `--user-data-dir=${path.join(dir, "profile")}`,
      `--window-size=${opts.width ?? 1200},${opts.height ?? 800}`,
      `--virtual-time-budget=${opts.budgetMs ?? 5000}`,
      "--force-device-scale-factor=1",
      "--hide-scrollbars",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-default-apps",
      "--disable-extensions",
      "--disable-sync",
      "--no-first-run",
      "--no-default-browser-check",
      // Nothing leaves the machine, whatever the page asks for.
      "--host-resolver-rules=MAP * ~NOTFOUND",
      `--screenshot=${shot}`,
      "--dump-dom",
      `file://${page}`,
    ];
    // The sandbox refuses root; elsewhere it is used unless the machine cannot give it (containers).
    let r = await run(bin, args(process.getuid?.() !== 0), opts.timeoutMs ?? 15_000);
    if (r.code !== 0 && /sandbox/i.test(r.stderr)) r = await run(bin, args(false), opts.timeoutMs ?? 15_000);
    const tail = r.stderr.trim().split("\n").slice(-5).join("\n");
    if (r.code !== 0) throw new Error(`${bin} exited with ${r.code} rendering the page:\n${tail}`);
    if (!fs.existsSync(shot)) throw new Error(`${bin} wrote no screenshot:\n${tail}`);
    const png = fs.readFileSync(shot);
    return { png, stats: pngStats(png), dom: r.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const page = (body: string, script = "") =>
  `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">` +
  `<style>html,body{margin:0;background:#ffffff}#out{padding:16px}</style></head>` +
  `<body><div id="out">${body}</div>${script}</body></html>`;

/** Renders an SVG document (its text, e.g. a drill's timeline) inline in a page. */
export function renderSvg(svg: string, opts: RenderOptions = {}): Promise<Rendered> {
  return renderHtml(page(svg.replace(/^\s*<\?xml[^>]*\?>\s*/, "")), opts);
}

/** A script's text for inline `<script>`: no `</script` can end it early. */
const inlineScript = (js: string) => `<script>${js.replace(/<\/(script)/gi, "<\\/$1")}</script>`;

let mermaidJs: string | undefined;

/**
 * Renders Mermaid text with the project's pinned mermaid (node_modules/mermaid,
 * inlined): the SVG is in the returned DOM (`svg` is it alone). A diagram
 * Mermaid cannot parse fails naming Mermaid's error.
 */
export async function renderMermaid(text: string, opts: RenderOptions = {}): Promise<Rendered & { svg: string }> {
  mermaidJs ??= fs.readFileSync(require.resolve("mermaid/dist/mermaid.min.js"), "utf8");
  const draw = `
(async () => {
  const out = document.getElementById("out");
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
    const { svg } = await mermaid.render("diagram", ${JSON.stringify(text).replace(/</g, "\\u003c")});
    out.innerHTML = svg;
    document.body.dataset.mermaid = "done";
  } catch (e) {
    out.textContent = "MERMAID ERROR: " + (e && e.message ? e.message : String(e));
    document.body.dataset.mermaid = "error";
  }
  // The dumped DOM without mermaid's 3 MB.
  for (const s of document.querySelectorAll("script")) s.remove();
})();`;
  const r = await renderHtml(page("", inlineScript(mermaidJs) + inlineScript(draw)), opts);
  const error = /MERMAID ERROR: ([^<]*)/.exec(r.dom);
  if (error) throw new Error(`mermaid could not render the diagram: ${error[1]}`);
  if (!/data-mermaid="done"/.test(r.dom))
    throw new Error(`mermaid did not finish within the virtual time budget (${opts.budgetMs ?? 5000} ms)`);
  const svg = /<svg[\s\S]*<\/svg>/.exec(r.dom)?.[0] ?? "";
  return { ...r, svg };
}
