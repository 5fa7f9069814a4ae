// Every repository path that README.md, docs/*.md and the code's comments name
// exists, so that a move or a rename cannot leave a pointer to nothing.
// A repository path here is a word that starts with one of the project's
// top-level folders (`providers/`, `stacks/`, `lab/`, `scripts/`, `bench/`,
// `test/`, `docs/`) and is not part of a longer path (`/etc/...`, a URL,
// `nat-lab/...`). Globs and placeholders (`test/unit/**`, `providers/<kind>/`)
// are checked up to where they start.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const TOP = ["providers", "stacks", "lab", "scripts", "bench", "test", "docs"];
/** Folders whose files hold no comments of ours, or are work areas. */
const SKIP = new Set(["node_modules", "bin", "dist"]);

/** The repository paths a text names. */
export function repoPaths(text: string): string[] {
  const re = new RegExp(`(?<![\\w./~$-])((?:${TOP.join("|")})/[\\w.\\-/]*\\w)`, "g");
  return [...text.matchAll(re)].map((m) => m[1]);
}

/** Whether a quote count leaves `prefix` outside any string literal (a heuristic for trailing comments). */
function outsideStrings(prefix: string): boolean {
  return [`"`, `'`, "`"].every((q) => prefix.split(q).length % 2 === 1);
}

/** The comment text of a TypeScript or shell source: whole-line comments, block comments and trailing comments. */
export function comments(text: string, kind: "ts" | "sh"): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (kind === "sh") {
      const at = t.startsWith("#") ? 0 : line.search(/\s#\s/);
      if (at >= 0 && outsideStrings(line.slice(0, at))) out.push(line.slice(at));
      continue;
    }
    if (inBlock || t.startsWith("/*")) {
      out.push(t);
      inBlock = !t.includes("*/");
      continue;
    }
    const at = t.startsWith("//") ? 0 : line.search(/\s\/\/\s/);
    if (at >= 0 && outsideStrings(line.slice(0, at))) out.push(line.slice(at));
  }
  return out.join("\n");
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|sh)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function exists(rel: string): boolean {
  const p = path.join(root, rel);
  return fs.existsSync(p) || fs.existsSync(`${p}.ts`);
}

describe("paths named in docs and comments exist", () => {
  it("finds repository paths and leaves host paths, URLs and other words alone", () => {
    const text = [
      "see providers/common/net.ts. And `test/unit/**/*.test.ts`, [docs](docs/services.md#ready-means-answering)",
      "not /etc/keepalived/keepalived.conf, /srv/test/x, https://github.com/o/r/blob/main/providers/x.go, ~/lab/y",
      "nor nat-lab/z, $PWD/stacks/q, providers/<kind>/",
    ].join("\n");
    assert.deepEqual(repoPaths(text), ["providers/common/net.ts", "test/unit", "docs/services.md"]);
  });

  it("reads comments, not code", () => {
    const ts = [
      `// see lab/lab.ts`,
      `const a = "x // not a comment stacks/nope.ts";`,
      `const b = 1; // trailing: scripts/env.sh`,
      `/**`,
      ` * block: bench/run.ts`,
      ` */`,
      `const c = "lab/not-a-comment.ts";`,
    ].join("\n");
    assert.deepEqual(repoPaths(comments(ts, "ts")), ["lab/lab.ts", "scripts/env.sh", "bench/run.ts"]);
    const sh = [`# uses lab/image/build.sh`, `echo "a # b test/nope"`, `x=1  # trailing docs/lab.md`].join("\n");
    assert.deepEqual(repoPaths(comments(sh, "sh")), ["lab/image/build.sh", "docs/lab.md"]);
  });

  it("every repository path in README.md, docs/*.md and code comments exists", () => {
    const texts: [string, string][] = [["README.md", fs.readFileSync(path.join(root, "README.md"), "utf8")]];
    for (const f of fs
      .readdirSync(path.join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()) {
      texts.push([`docs/${f}`, fs.readFileSync(path.join(root, "docs", f), "utf8")]);
    }
    const files = sources(root);
    assert.ok(files.length > 100, `expected the repository's sources under ${root}; found ${files.length}`);
    for (const abs of files) {
      texts.push([
        path.relative(root, abs).split(path.sep).join("/"),
        comments(fs.readFileSync(abs, "utf8"), abs.endsWith(".sh") ? "sh" : "ts"),
      ]);
    }
    const missing: string[] = [];
    for (const [where, text] of texts) {
      for (const p of new Set(repoPaths(text))) if (!exists(p)) missing.push(`${where}: ${p}`);
    }
    assert.deepEqual(missing, []);
  });
});
