// The one quoting function: no string can change a command's structure.
import { strict as assert } from "node:assert";
import { prng } from "../support/prng";
import { execFileSync } from "node:child_process";
import { command, quote } from "../../providers/transport/shell";

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
});
