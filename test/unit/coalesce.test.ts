// Coalesced commands: the script runs under a real shell, as it does on a
// host, and each command keeps its own exit status, stdout and stderr.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { coalescedScript, parseCoalesced } from "../../providers/transport/coalesce";

function run(lines: string[], env: Record<string, string> = {}) {
  const out = execFileSync("/bin/sh", ["-c", coalescedScript(lines)], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SHELL: "/bin/bash", ...env },
  });
  return parseCoalesced(out, lines.length);
}

describe("coalesced commands (script under /bin/sh)", () => {
  it("keeps each command's exit status, stdout and stderr byte for byte", () => {
    const r = run([
      "echo hi",
      "echo oops >&2; exit 3",
      "printf 'a\\nb'",
      `echo "it's \\$HOME"; printf '\\001\\377'`,
      "cat; echo stdin-is-empty",
    ]);
    assert.deepEqual(r[0], { code: 0, stdout: "hi\n", stderr: "" });
    assert.deepEqual(r[1], { code: 3, stdout: "", stderr: "oops\n" });
    assert.equal(r[2].stdout, "a\nb");
    assert.equal(r[3].stdout.slice(0, 12), "it's $HOME\n\u0001");
    assert.deepEqual(r[4], { code: 0, stdout: "stdin-is-empty\n", stderr: "" });
  });

  it("runs the commands side by side (the first waits for the second)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "coalesce-"));
    try {
      const flag = path.join(dir, "flag");
      const r = run([`for i in $(seq 1 100); do [ -e ${flag} ] && { echo saw; exit 0; }; sleep 0.05; done; exit 1`, `touch ${flag}`]);
      assert.deepEqual(
        r.map((x) => x.code),
        [0, 0],
      );
      assert.equal(r[0].stdout, "saw\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exit in one command ends only that command, and the temporary directory is removed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "coalesce-"));
    try {
      const r = run(["exit 5", "echo after"], { TMPDIR: dir });
      assert.deepEqual(
        r.map((x) => [x.code, x.stdout]),
        [
          [5, ""],
          [0, "after\n"],
        ],
      );
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a command without a result line was cut off", () => {
    assert.deepEqual(parseCoalesced("@@PULUMI_LVS_CMD 1 0 aGkK \n", 2), [
      { code: -1, stdout: "", stderr: "" },
      { code: 0, stdout: "hi\n", stderr: "" },
    ]);
  });
});
