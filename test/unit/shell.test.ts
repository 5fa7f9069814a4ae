// The one quoting function: no string can change a command's structure.
import { strict as assert } from "node:assert";
import { prng } from "../support/prng";
import { execFileSync } from "node:child_process";
import { command, MAX_COMMAND_LINE, quote, SCRIPT_FROM_STDIN } from "../../providers/transport/shell";
import { spawnSync } from "node:child_process";

const NASTY = [
  "'",
  '"',
  "\\",
  "$",
  "`",
  "$(id)",
  "\n",
  ";",
  "&",
  "|",
  ">",
  "<",
  "*",
  "?",
  "~",
  "#",
  " ",
  "\t",
  "{",
  "}",
  "(",
  ")",
  "!",
  "é",
  "💥",
  "--",
  "-rf",
  "%",
  "=",
];

function randomWord(rand: () => number): string {
  let s = "";
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++)
    s += rand() < 0.6 ? NASTY[Math.floor(rand() * NASTY.length)] : String.fromCharCode(32 + Math.floor(rand() * 95));
  return s;
}

describe("shell quoting", () => {
  it("keeps 500 random argument lists exactly as words through a real sh (property test)", () => {
    const rand = prng(42);
    const lists: string[][] = [];
    for (let i = 0; i < 500; i++) lists.push(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomWord(rand)));
    // One sh process prints every word of every list, NUL-separated, lists separated by a marker.
    const script = lists.map((words) => `${command("printf", "%s\\0", ...words)}; printf 'END\\0'`).join("\n");
    const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
    const got = out
      .split("END\0")
      .slice(0, -1)
      .map((chunk) => chunk.split("\0").slice(0, -1));
    assert.deepEqual(got, lists);
  });

  it("leaves plain words bare and refuses NUL", () => {
    assert.equal(quote("12.0.0.20:80"), "12.0.0.20:80");
    assert.equal(quote(""), "''");
    assert.equal(quote("it's"), `'it'\\''s'`);
    assert.throws(() => quote("a\0b"), /NUL/);
  });

  it("runs a script longer than one command-line argument may be from stdin, as the shell would run the line", () => {
    // 1,000 lines of a batch's shape, padded: about 230 KB, above Linux's 128 KiB limit on one argument (sh -c <line>).
    const lines = ["ok=0"];
    for (let i = 0; i < 1000; i++)
      lines.push(`o=$(echo change ${i} 2>&1); rc=$?; [ $rc -ne 0 ] || ok=$((ok+1)); echo "RC ${i} $rc" # ${"x".repeat(150)}`);
    lines.push('echo "ok=$ok"; read -r x && echo "stdin leaked: $x"; exit 3');
    const script = lines.join("\n");
    assert.ok(script.length > 2 * MAX_COMMAND_LINE && script.length > 128 * 1024);
    assert.throws(() => execFileSync("sh", ["-c", script], { stdio: "pipe" }), /E2BIG|too long/i);
    const r = spawnSync("sh", ["-c", SCRIPT_FROM_STDIN], { input: script, encoding: "utf8", env: { ...process.env, SHELL: "/bin/sh" } });
    assert.equal(r.status, 3, r.stderr);
    const out = r.stdout.trim().split("\n");
    assert.equal(out.length, 1001);
    assert.equal(out[999], "RC 999 0");
    assert.equal(out[1000], "ok=1000");
  });
});
