// The batch script runs under a real POSIX shell with stand-ins for ipvsadm
// and ipvsadm-save (a table kept in a file), so its contract with parseBatch
// is checked end to end: per-change exit codes and messages, one save only
// when something changed and only when the saved text differs.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { batchScript, parseBatch, parseRestore, Persistence, restoreScript } from "../../providers/ipvs/batch";

// A stand-in ipvsadm: -A/-a append a line (refusing duplicates like the
// kernel), -d/-D remove, -e replaces, -Sn prints the table, -Ln prints a
// thresholds header.
const FAKE_IPVSADM = `#!/bin/sh
T=$FAKE_TABLE
case "$1" in
  -Sn) cat "$T"; exit 0 ;;
  -R) rc=0; while read -r l; do [ -n "$l" ] || continue; "$0" $l; rc=$?; done; exit $rc ;;
  -Ln) echo "IP Virtual Server version 1.2.1 (size=4096)"; echo "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn"; echo "  -> RemoteAddress:Port"; exit 0 ;;
esac
verb=$1; shift
line="$*"
key=$(echo "$line" | sed 's/ -[mgi] .*//; s/ -s .*//')
case "$verb" in
  -A|-a) if grep -q -- "^.. $key\\( \\|$\\)" "$T"; then echo "Destination already exists" >&2; exit 1; fi; echo "$verb $line" >> "$T" ;;
  -e) grep -q -- "^-a $key " "$T" || { echo "No such destination" >&2; exit 1; }; grep -v -- "^-a $key " "$T" > "$T.n"; echo "-a $line" >> "$T.n"; mv "$T.n" "$T" ;;
  -d) grep -q -- "^-a $key\\( \\|$\\)" "$T" || { echo "No such destination" >&2; exit 1; }; grep -v -- "^-a $key\\( \\|$\\)" "$T" > "$T.n"; mv "$T.n" "$T" ;;
  *) echo "fake ipvsadm: unsupported $verb" >&2; exit 2 ;;
esac
`;

describe("IPVS batches (script under /bin/sh)", () => {
  let dir: string;
  let persist: Persistence;
  const run = (changes: string[][]) => {
    const out = execFileSync("/bin/sh", ["-c", batchScript(changes, persist)], {
      env: { PATH: `${dir}/bin:/usr/bin:/bin`, FAKE_TABLE: `${dir}/table` },
      encoding: "utf8",
    });
    return parseBatch(out, changes.length);
  };
  const rulesMtime = () => fs.statSync(persist.rulesFile).mtimeMs;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipvs-batch-"));
    fs.mkdirSync(`${dir}/bin`);
    fs.writeFileSync(`${dir}/bin/ipvsadm`, FAKE_IPVSADM, { mode: 0o755 });
    fs.writeFileSync(`${dir}/bin/ipvsadm-save`, `#!/bin/sh\ncat "$FAKE_TABLE"\n`, { mode: 0o755 });
    fs.writeFileSync(`${dir}/table`, "");
    persist = { rulesFile: `${dir}/ipvsadm.rules`, enable: `touch ${dir}/enabled` };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs every change, reports each one's status and output, and saves once", () => {
    const r = run([
      ["-A", "-t", "10.0.0.1:80", "-s", "rr"],
      ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m", "-w", "1"],
      ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m", "-w", "1"],
      ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.2:80", "-m", "-w", "2"],
    ]);
    assert.deepEqual(
      r.results.map((x) => x.code),
      [0, 0, 1, 0],
    );
    assert.equal(r.results[2].output, "Destination already exists");
    assert.deepEqual(r.save, { code: 0, output: "" });
    assert.ok(fs.existsSync(`${dir}/enabled`), "the restore service is enabled with the save");
    const saved = fs.readFileSync(persist.rulesFile, "utf8");
    assert.equal(saved, fs.readFileSync(`${dir}/table`, "utf8"));
    assert.equal(saved.split("\n").filter((l) => l.startsWith("-a ")).length, 2);
  });

  it("does not save when every change failed, and leaves an unchanged rules file alone", () => {
    run([["-A", "-t", "10.0.0.1:80", "-s", "rr"]]);
    const before = rulesMtime();
    const failed = run([["-d", "-t", "10.0.0.1:80", "-r", "10.0.9.9:80"]]);
    assert.equal(failed.results[0].code, 1);
    assert.equal(failed.save, undefined);
    // Add and remove in one batch: the table ends as saved, so the file is not rewritten.
    const same = run([
      ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m", "-w", "1"],
      ["-d", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80"],
    ]);
    assert.deepEqual(
      same.results.map((x) => x.code),
      [0, 0],
    );
    assert.equal(same.save?.code, 0);
    assert.equal(rulesMtime(), before);
    assert.ok(!fs.existsSync(`${persist.rulesFile}.pulumi-lvs.tmp`), "no temporary file is left behind");
  });

  it("reports a failed save on the batch", () => {
    persist = { rulesFile: `${dir}/missing-dir/ipvsadm.rules`, enable: "true" };
    const r = run([["-A", "-t", "10.0.0.1:80", "-s", "rr"]]);
    assert.equal(r.results[0].code, 0);
    assert.notEqual(r.save?.code, 0);
    assert.match(r.save?.output ?? "", /missing-dir/);
  });

  it("marks changes without a status as cut off", () => {
    const r = parseBatch("__PULUMI_LVS_RC__ 0 0\n", 2);
    assert.deepEqual(
      r.results.map((x) => x.code),
      [0, -1],
    );
  });

  it("quotes every argument", () => {
    const script = batchScript([["-A", "-t", "10.0.0.1:80", "-s", "rr; reboot"]], { rulesFile: "/etc/ipvsadm.rules", enable: "true" });
    assert.match(script, /ipvsadm -A -t 10\.0\.0\.1:80 -s 'rr; reboot'/);
  });

  describe("one ipvsadm -R for the batch", () => {
    const restore = (changes: string[][]) => {
      const script = restoreScript(changes, persist);
      assert.ok(script, "every argument is a restore word");
      const out = execFileSync("/bin/sh", ["-c", script], {
        env: { PATH: `${dir}/bin:/usr/bin:/bin`, FAKE_TABLE: `${dir}/table` },
        encoding: "utf8",
      });
      return parseRestore(out);
    };

    it("applies every line in one ipvsadm -R, reports no message when every line took, and saves once", () => {
      const r = restore([
        ["-A", "-t", "10.0.0.1:80", "-s", "rr"],
        [],
        ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m", "-w", "1"],
        ["-a", "-t", "10.0.0.1:80", "-r", "[fd00::1]:80", "-m", "-w", "2"],
      ]);
      assert.deepEqual(r.restore, { code: 0, output: "" });
      assert.deepEqual(r.save, { code: 0, output: "" });
      assert.equal(fs.readFileSync(persist.rulesFile, "utf8"), fs.readFileSync(`${dir}/table`, "utf8"));
      assert.equal(
        fs
          .readFileSync(`${dir}/table`, "utf8")
          .split("\n")
          .filter((l) => l.startsWith("-a ")).length,
        2,
      );
    });

    it("goes on after a failed line and reports its message, which the script cannot attribute", () => {
      const r = restore([
        ["-A", "-t", "10.0.0.1:80", "-s", "rr"],
        ["-d", "-t", "10.0.0.1:80", "-r", "10.0.9.9:80"],
        ["-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m", "-w", "1"],
      ]);
      assert.deepEqual(r.restore, { code: 0, output: "No such destination" });
      assert.equal(r.save?.code, 0);
      assert.match(fs.readFileSync(`${dir}/table`, "utf8"), /-r 10\.0\.1\.1:80/);
    });

    it("is not used for an argument ipvsadm -R would split or read differently", () => {
      for (const bad of ["rr wrr", "rr\n-C", "", "a'b", "a\\b", '"x"', "__PULUMI_LVS_RULES__ x"])
        assert.equal(restoreScript([["-A", "-t", "10.0.0.1:80", "-s", bad]], persist), undefined, JSON.stringify(bad));
    });

    it("reads a script cut off before ipvsadm -R reported as no result", () => {
      assert.deepEqual(parseRestore(""), {});
      assert.deepEqual(parseRestore("__PULUMI_LVS_RESTORE__ 1\nService not defined\nNo such destination\n__PULUMI_LVS_SAVE__ 0\n"), {
        restore: { code: 1, output: "Service not defined\nNo such destination" },
        save: { code: 0, output: "" },
      });
    });
  });
});
