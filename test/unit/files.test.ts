// The managed-file scripts, run by a real POSIX shell on temp files: an
// unchanged file is not touched and not reloaded; a refused validation
// changes nothing; a failed reload puts the old file back and reloads again;
// sibling validation sees the other include files and the candidate; the
// stock copy is saved once and put back.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  applyScript,
  checkFileInputs,
  EXIT_INVALID,
  EXIT_RELOAD_FAILED,
  parseStat,
  restoreStockCommand,
  saveStockCommand,
  sha256,
  siblingValidate,
  statCommand,
} from "../../providers/files/core";

function sh(script: string, stdin?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", script], { input: stdin ?? "", encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("managed-file core", () => {
  let dir: string;
  let target: string;
  let log: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-files-"));
    target = path.join(dir, "site.conf");
    log = path.join(dir, "reloads");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const spec = (content: string) => ({ path: target, content, mode: "0640", owner: "root:root" });
  const reloadOk = () => `echo reload >> ${log}`;

  it("writes a new file with its mode, reloads once, and leaves no temp or backup file", () => {
    const r = sh(applyScript(spec("a\n"), { validate: "grep -q a %s", reload: reloadOk() }), "a\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "changed");
    assert.equal(fs.readFileSync(target, "utf8"), "a\n");
    assert.equal((fs.statSync(target).mode & 0o777).toString(8), "640");
    assert.equal(fs.readFileSync(log, "utf8"), "reload\n");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["reloads", "site.conf"]);
  });

  it("does nothing (no reload) when the live file already matches", () => {
    sh(applyScript(spec("a\n"), { reload: reloadOk() }), "a\n");
    const r = sh(applyScript(spec("a\n"), { reload: reloadOk() }), "a\n");
    assert.equal(r.stdout.trim(), "unchanged");
    assert.equal(fs.readFileSync(log, "utf8"), "reload\n");
  });

  it("a mode change alone is a change", () => {
    sh(applyScript(spec("a\n")), "a\n");
    const r = sh(applyScript({ ...spec("a\n"), mode: "0600" }), "a\n");
    assert.equal(r.stdout.trim(), "changed");
    assert.equal((fs.statSync(target).mode & 0o777).toString(8), "600");
  });

  it("a refused validation changes nothing and reports the validator's output", () => {
    sh(applyScript(spec("good\n")), "good\n");
    const r = sh(
      applyScript(spec("bad\n"), { validate: "grep -q good %s || { echo 'line 1: bad directive' >&2; false; }", reload: reloadOk() }),
      "bad\n",
    );
    assert.equal(r.code, EXIT_INVALID);
    assert.match(r.stderr, /line 1: bad directive/);
    assert.equal(fs.readFileSync(target, "utf8"), "good\n");
    assert.equal(fs.existsSync(log), false, "no reload after a refused validation");
    assert.deepEqual(fs.readdirSync(dir), ["site.conf"]);
  });

  it("a failed reload puts the old file back and reloads it again", () => {
    sh(applyScript(spec("old\n")), "old\n");
    const reload = `echo reload >> ${log}; grep -q old ${target}`;
    const r = sh(applyScript(spec("new\n"), { reload }), "new\n");
    assert.equal(r.code, EXIT_RELOAD_FAILED);
    assert.equal(fs.readFileSync(target, "utf8"), "old\n");
    assert.equal(fs.readFileSync(log, "utf8"), "reload\nreload\n", "reloaded with the new file, then with the old one");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["reloads", "site.conf"]);
  });

  it("a failed reload of a file that did not exist removes it", () => {
    const r = sh(applyScript(spec("new\n"), { reload: "false" }), "new\n");
    assert.equal(r.code, EXIT_RELOAD_FAILED);
    assert.equal(fs.existsSync(target), false);
  });

  it("content with quotes, $(...) and backslashes is written byte for byte", () => {
    const content = "a 'b' \"c\" $(touch /tmp/x) `id` \\n\n%s\n";
    sh(applyScript(spec(content), { validate: "test -s %s" }), content);
    assert.equal(fs.readFileSync(target, "utf8"), content);
  });

  it("sibling validation sees the other include files and the candidate under its own name", () => {
    fs.writeFileSync(path.join(dir, "other.conf"), "other\n");
    fs.writeFileSync(path.join(dir, "site.conf"), "old\n");
    fs.writeFileSync(path.join(dir, "ignored.txt"), "x\n");
    const seen = path.join(dir, "seen");
    const validate = siblingValidate(dir, "site.conf", "conf", `(cd "$v" && ls && cat site.conf) > ${seen}`);
    const r = sh(applyScript(spec("new\n"), { validate }), "new\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(seen, "utf8"), "other.conf\nsite.conf\nnew\n");
  });

  it("sibling validation fails when the inner check fails, and cleans its directory", () => {
    const validate = siblingValidate(dir, "site.conf", "conf", `echo "$v" > ${path.join(dir, "vdir.txt")}; false`);
    const r = sh(applyScript(spec("new\n"), { validate }), "new\n");
    assert.equal(r.code, EXIT_INVALID);
    const v = fs.readFileSync(path.join(dir, "vdir.txt"), "utf8").trim();
    assert.equal(fs.existsSync(v), false);
  });

  it("stat reports hash, mode and owner, or absent", () => {
    fs.writeFileSync(target, "x\n", { mode: 0o640 });
    fs.chmodSync(target, 0o640);
    assert.deepEqual(parseStat(sh(statCommand(target)).stdout), { sha256: sha256("x\n"), mode: "0640", owner: "root:root" });
    assert.deepEqual(parseStat(sh(statCommand(path.join(dir, "none"))).stdout), {});
  });

  it("the stock copy is saved once (a later save keeps the distro's file) and put back", () => {
    const stockTarget = path.join(dir, "stock.cfg");
    fs.writeFileSync(stockTarget, "stock\n");
    const save = saveStockCommand(stockTarget);
    const restore = restoreStockCommand(stockTarget);
    try {
      assert.equal(sh(save).code, 0);
      fs.writeFileSync(stockTarget, "managed\n");
      assert.equal(sh(save).code, 0);
      assert.equal(sh(restore).code, 0);
      assert.equal(fs.readFileSync(stockTarget, "utf8"), "stock\n");
      // A file that was absent is removed again.
      const fresh = path.join(dir, "fresh.cfg");
      sh(saveStockCommand(fresh));
      fs.writeFileSync(fresh, "managed\n");
      sh(restoreStockCommand(fresh));
      assert.equal(fs.existsSync(fresh), false);
    } finally {
      fs.rmSync(`/var/lib/pulumi-lvs/stock${dir}`, { recursive: true, force: true });
    }
  });

  it("checks paths, modes, owners and commands", () => {
    const base = { connection: { host: "127.0.0.1" }, path: "/etc/x.conf", content: "" };
    assert.deepEqual(checkFileInputs(base), []);
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ path: "etc/x" }, "path", /absolute path/],
      [{ path: "/etc/../shadow" }, "path", /'\.\.'/],
      [{ path: "/etc/x y" }, "path", /absolute path/],
      [{ path: "/etc/$(id)" }, "path", /absolute path/],
      [{ mode: "777x" }, "mode", /octal mode/],
      [{ owner: "root;id" }, "owner", /user or user:group/],
      [{ content: 3 }, "content", /string/],
      [{ validate: "nginx -t" }, "validate", /%s/],
      [{ reload: "a\nb" }, "reload", /one-line/],
    ];
    for (const [patch, prop, msg] of bad) {
      const f = checkFileInputs({ ...base, ...patch });
      assert.equal(f.length, 1, JSON.stringify(patch));
      assert.equal(f[0].property, prop);
      assert.match(f[0].reason, msg);
    }
  });
});
