// The passphrase `npm run pulumi` runs with (scripts/lib.sh): the lab's only
// for the lab's stacks, the user's own passed through as it is, and any other
// stack without one refused before pulumi starts. Runs bash with a controlled
// environment and a throwaway cache (PULUMI_HOME); no CLI, lab or network.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const LIB = path.join(root, "scripts/lib.sh");
const LAB_PASSPHRASE = "pulumi-lvs-lab";
const LAB_STACKS = [
  "nat-lab",
  "dr",
  "dr-keepalived",
  "lvs-nginx-tomcat",
  "haproxy",
  "keepalived-nginx",
  "scale",
  "tun",
  "dr-fwmark",
  "dr-ipv6",
];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** PULUMI_CONFIG_PASSPHRASE and PULUMI_CONFIG_PASSPHRASE_FILE afterwards; undefined when unset. */
  passphrase?: string;
  file?: string;
}

describe("the CLI's passphrase (scripts/lib.sh)", function () {
  let dir: string;
  let cache: string;
  this.timeout(20000);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-passphrase-"));
    cache = path.join(dir, "cache");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** bash with only PATH, HOME, the throwaway cache and `env`. */
  function bash(script: string, args: string[], env: Record<string, string> = {}) {
    const r = spawnSync("bash", ["-c", script, "bash", ...args], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, PULUMI_LVS_CACHE: cache, ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /**
   * export_pulumi_env for each pulumi command line in `cases` (one bash, each
   * case in a subshell under `set -euo pipefail`, as in scripts/pulumi.sh),
   * then the two variables it leaves. Case i writes out/i.status, i.out, i.err.
   */
  function exportEnvs(cases: string[][], env: Record<string, string> = {}): Run[] {
    const out = fs.mkdtempSync(path.join(dir, "out-"));
    const script = `set -euo pipefail
cases=("$@")
set -- # lib.sh would take these for the pulumi arguments of the script sourcing it
. "${LIB}"
i=0 k=0
while [ "$i" -lt \${#cases[@]} ]; do
  n=\${cases[i]}
  args=("\${cases[@]:i+1:n}")
  i=$((i + 1 + n))
  (
    export_pulumi_env "\${args[@]}"
    echo "P=\${PULUMI_CONFIG_PASSPHRASE-<unset>}"
    echo "F=\${PULUMI_CONFIG_PASSPHRASE_FILE-<unset>}"
  ) >"${out}/$k.out" 2>"${out}/$k.err" &
  status=0
  wait $! || status=$?
  echo "$status" >"${out}/$k.status"
  k=$((k + 1))
done`;
    const r = bash(
      script,
      cases.flatMap((c) => [String(c.length), ...c]),
      env,
    );
    assert.equal(r.status, 0, r.stderr);
    return cases.map((_, k): Run => {
      const read = (ext: string) => fs.readFileSync(path.join(out, `${k}.${ext}`), "utf8");
      const stdout = read("out");
      const get = (name: string) => {
        const m = new RegExp(`^${name}=(.*)$`, "m").exec(stdout);
        return !m || m[1] === "<unset>" ? undefined : m[1];
      };
      return { status: Number(read("status")), stdout, stderr: read("err"), passphrase: get("P"), file: get("F") };
    });
  }
  const exportEnv = (args: string[], env: Record<string, string> = {}): Run => exportEnvs([args], env)[0];

  /** Records `stack` as the selected one, where `pulumi stack select` does (PULUMI_HOME/workspaces). */
  function select(stack: string) {
    const sha = crypto.createHash("sha1").update(path.join(root, "Pulumi.yaml")).digest("hex");
    const ws = path.join(cache, "pulumi-home", "workspaces");
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, `pulumi-lvs-${sha}-workspace.json`), `{\n    "stack": "organization/pulumi-lvs/${stack}"\n}`);
  }

  function assertRefused(r: Run, stack: string) {
    assert.equal(r.status, 1, `exit status; stdout: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`stack ${stack}: no passphrase`));
    assert.match(r.stderr, /export PULUMI_CONFIG_PASSPHRASE=/);
    assert.match(r.stderr, /PULUMI_CONFIG_PASSPHRASE_FILE/);
    assert.match(r.stderr, new RegExp(LAB_STACKS.join(", ")));
    assert.equal(r.passphrase, undefined);
  }

  function assertLab(r: Run) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.passphrase, LAB_PASSPHRASE);
    assert.equal(r.file, undefined);
  }

  it("holds the lab's stacks in one list", () => {
    const m = /^LAB_STACKS=\(([^)]*)\)$/m.exec(fs.readFileSync(LIB, "utf8"));
    assert.ok(m, "LAB_STACKS=(...) in scripts/lib.sh");
    assert.deepEqual(m[1].split(/\s+/), LAB_STACKS);
  });

  it("gives each lab stack the lab's passphrase when the user set none", () => {
    exportEnvs(LAB_STACKS.map((stack) => ["up", "--stack", stack])).forEach(assertLab);
    assertLab(exportEnv(["preview", "-s", "organization/pulumi-lvs/nat-lab"]));
  });

  it("refuses prod without a passphrase, naming the stack and the variables", () => {
    assertRefused(exportEnv(["up", "--stack", "prod"]), "prod");
  });

  it("recognises the stack in --stack=X, -s X, -sX, stack init X and stack select X", () => {
    const forms = (s: string) => [
      ["up", `--stack=${s}`],
      ["up", "-s", s],
      ["config", "set", "k", "v", `-s${s}`],
      ["up", "-ys", s],
      ["stack", "init", s],
      ["stack", "init", "--copy-config-from", "nat-lab", s],
      ["stack", "select", s],
      ["--cwd", ".", "stack", "rm", s],
    ];
    exportEnvs(forms("prod")).forEach((r) => assertRefused(r, "prod"));
    exportEnvs(forms("dr")).forEach(assertLab);
    // A lab stack named alongside another one does not lend it the lab's passphrase.
    assertRefused(exportEnv(["stack", "init", "nat-lab", "--stack", "prod"]), "prod");
  });

  it("passes the user's PULUMI_CONFIG_PASSPHRASE through, for prod and for a lab stack", () => {
    for (const stack of ["prod", "nat-lab"]) {
      const r = exportEnv(["stack", "init", stack], { PULUMI_CONFIG_PASSPHRASE: "s3cret word" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.passphrase, "s3cret word");
      assert.equal(r.file, undefined);
    }
  });

  it("passes the user's PULUMI_CONFIG_PASSPHRASE_FILE through and sets no PULUMI_CONFIG_PASSPHRASE beside it", () => {
    const file = path.join(dir, "passphrase");
    fs.writeFileSync(file, "s3cret\n");
    for (const stack of ["prod", "nat-lab"]) {
      const r = exportEnv(["up", "-s", stack], { PULUMI_CONFIG_PASSPHRASE_FILE: file });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.file, file);
      assert.equal(r.passphrase, undefined);
    }
    // An empty PULUMI_CONFIG_PASSPHRASE would win over the file in pulumi: it is dropped.
    const r = exportEnv(["up", "-s", "prod"], { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: file });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([r.passphrase, r.file], [undefined, file]);
    assertRefused(exportEnv(["up", "-s", "prod"], { PULUMI_CONFIG_PASSPHRASE: "" }), "prod");
  });

  it("takes the selected stack when the command names none (PULUMI_STACK, then pulumi's workspace file)", () => {
    select("prod");
    assertRefused(exportEnv(["up"]), "prod");
    assertLab(exportEnv(["up"], { PULUMI_STACK: "dr" }));
    assertLab(exportEnv(["up", "-s", "nat-lab"]));
    select("nat-lab");
    assertLab(exportEnv(["up"]));
    assertRefused(exportEnv(["up"], { PULUMI_STACK: "prod" }), "prod");
    assertRefused(exportEnv(["up"], { PULUMI_OPTION_STACK: "prod" }), "prod");
  });

  it("sets no passphrase for a command without a stack, or when no stack is selected", () => {
    select("prod");
    for (const args of [[], ["version"], ["plugin", "ls"], ["stack", "ls"], ["up", "--help"]]) {
      const r = exportEnv(args);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.passphrase, undefined, args.join(" "));
    }
    fs.rmSync(path.join(cache, "pulumi-home", "workspaces"), { recursive: true });
    const r = exportEnv(["up"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.passphrase, undefined);
  });

  describe("through npm run pulumi (scripts/pulumi.sh, with a stand-in CLI)", () => {
    let bin: string;
    beforeEach(() => {
      bin = bash(`. "${LIB}"; echo "$TOOLCHAIN_BIN"`, []).stdout.trim();
      assert.ok(bin.startsWith(cache), bin);
      fs.mkdirSync(bin, { recursive: true });
      const fake =
        '#!/bin/sh\necho "ran: $*"\necho "P=${PULUMI_CONFIG_PASSPHRASE-<unset>}"\necho "F=${PULUMI_CONFIG_PASSPHRASE_FILE-<unset>}"\n';
      fs.writeFileSync(path.join(bin, "pulumi"), fake, { mode: 0o755 });
    });
    const pulumi = (args: string[], env: Record<string, string> = {}) =>
      bash(`exec bash "${path.join(root, "scripts/pulumi.sh")}" "$@"`, args, env);

    it("stops before pulumi for prod without a passphrase", () => {
      const r = pulumi(["stack", "init", "prod"]);
      assert.notEqual(r.status, 0);
      assert.doesNotMatch(r.stdout, /ran:/);
      assert.match(r.stderr, /stack prod: no passphrase/);
    });

    it("runs pulumi with the lab's passphrase for a lab stack, and the user's for prod", () => {
      let r = pulumi(["stack", "init", "nat-lab"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^ran: stack init nat-lab$/m);
      assert.match(r.stdout, new RegExp(`^P=${LAB_PASSPHRASE}$`, "m"));
      r = pulumi(["up", "-s", "prod"], { PULUMI_CONFIG_PASSPHRASE_FILE: "/dev/null" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^P=<unset>$/m);
      assert.match(r.stdout, /^F=\/dev\/null$/m);
    });
  });

  it("scripts/env.sh (the Automation API's environment) prints no PULUMI_CONFIG_PASSPHRASE beside the user's file", () => {
    const env = (extra: Record<string, string>) => bash(`exec bash "${path.join(root, "scripts/env.sh")}"`, [], extra).stdout;
    assert.match(env({}), new RegExp(`^PULUMI_CONFIG_PASSPHRASE=${LAB_PASSPHRASE}$`, "m"));
    assert.match(env({ PULUMI_CONFIG_PASSPHRASE: "mine" }), /^PULUMI_CONFIG_PASSPHRASE=mine$/m);
    assert.doesNotMatch(env({ PULUMI_CONFIG_PASSPHRASE_FILE: "/dev/null" }), /PULUMI_CONFIG_PASSPHRASE=/);
  });

  it("scripts/env.sh --stack NAME (demo, drift, doctor, migrate) follows the same rule for NAME", () => {
    const env = (stack: string, extra: Record<string, string> = {}) =>
      bash(`exec bash "${path.join(root, "scripts/env.sh")}" --stack "$1"`, [stack], extra);
    assert.match(env("haproxy").stdout, new RegExp(`^PULUMI_CONFIG_PASSPHRASE=${LAB_PASSPHRASE}$`, "m"));
    const prod = env("prod");
    assert.notEqual(prod.status, 0);
    assert.match(prod.stderr, /stack prod: no passphrase/);
    assert.match(env("prod", { PULUMI_CONFIG_PASSPHRASE: "mine" }).stdout, /^PULUMI_CONFIG_PASSPHRASE=mine$/m);
  });

  describe("on a shared backend (PULUMI_BACKEND_URL other than file://)", () => {
    const shared = { PULUMI_BACKEND_URL: "postgres://team:s3cret@127.0.0.1:5432/pulumi" };

    it("gives no stack a default, the lab's included, and masks the backend's password in the message", () => {
      for (const stack of ["nat-lab", "prod"]) {
        const r = exportEnv(["up", "--stack", stack], shared);
        assert.equal(r.status, 1, r.stdout);
        assert.match(
          r.stderr,
          new RegExp(`stack ${stack}: no passphrase\\. On a shared backend \\(postgres://\\*\\*\\*\\*@127\\.0\\.0\\.1:5432/pulumi\\)`),
        );
        assert.doesNotMatch(r.stderr, /s3cret/);
        assert.equal(r.passphrase, undefined);
      }
      assert.equal(exportEnv(["stack", "ls"], shared).status, 0, "a command without a stack needs none");
    });

    it("refuses the lab's passphrase, set directly or in a file, and takes the team's", () => {
      const file = path.join(dir, "pass");
      fs.writeFileSync(file, `${LAB_PASSPHRASE}\n`);
      for (const env of [{ PULUMI_CONFIG_PASSPHRASE: LAB_PASSPHRASE }, { PULUMI_CONFIG_PASSPHRASE_FILE: file }] as Record<
        string,
        string
      >[]) {
        const r = exportEnv(["up", "--stack", "nat-lab"], { ...shared, ...env });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /the lab's passphrase is public .* refused on a shared backend/);
        assert.match(r.stderr, /change-secrets-provider/);
      }
      const ok = exportEnv(["up", "--stack", "nat-lab"], { ...shared, PULUMI_CONFIG_PASSPHRASE: "team" });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.passphrase, "team");
      const local = exportEnv(["up", "--stack", "nat-lab"], { PULUMI_BACKEND_URL: "file:///srv/state" });
      assert.equal(local.passphrase, LAB_PASSPHRASE, "a file backend keeps the lab's default");
    });

    it("scripts/env.sh prints no default passphrase there and refuses the lab's", () => {
      const env = (extra: Record<string, string>) => bash(`exec bash "${path.join(root, "scripts/env.sh")}"`, [], { ...shared, ...extra });
      const none = env({});
      assert.equal(none.status, 0, none.stderr);
      assert.doesNotMatch(none.stdout, /PULUMI_CONFIG_PASSPHRASE=/);
      assert.match(env({ PULUMI_CONFIG_PASSPHRASE: "team" }).stdout, /^PULUMI_CONFIG_PASSPHRASE=team$/m);
      assert.notEqual(env({ PULUMI_CONFIG_PASSPHRASE: LAB_PASSPHRASE }).status, 0);
    });
  });
});
