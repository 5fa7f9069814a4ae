// The PR preview workflow (.github/workflows/preview.yml) as a runner runs it,
// on this machine (no forge here): a system user that is not root, a clean
// clone of the project (HEAD, plus the working copy's uncommitted changes
// unless PULUMI_LVS_WORKFLOW_TEST_HEAD=1) in a temporary directory it owns, its
// HOME's ~/.cache/pulumi-lvs seeded from root's as the actions/cache step would
// restore it, then the workflow's own `run:` steps, read from the YAML, in
// order, with the expressions (`${{ ... }}`) filled in: the preview-mode setup,
// the inventory step, `npm run preview-report` of the dr stack on a throwaway
// file:// backend where it has no state (every resource a create; the hosts
// are a closed port, so the preview is offline), and scripts/pr-comment.sh
// against a stub `gh` on PATH that records its calls (POST first, then PATCH
// of the same comment). The `uses:` steps are emulated (checkout = the clone,
// setup-node = the system node, cache = the seeding); a `uses:` step the test
// does not know fails it, so the workflow and the test cannot drift apart.
//
// Runs as root (it creates the user `pulumi-lvs-ci` when absent); skipped
// otherwise. npm ci reaches the registry through a copy of root's npm cache
// (prefer-offline). It removes its temporary directory, nothing else.
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { closedInventory } from "../support/closedInventory";
import { projectRoot } from "../support/toolchain";

const USER = "pulumi-lvs-ci";
const STACK = "dr";
const PR = "7";
const REPO = "example/pulumi-lvs";
const workflowFile = path.join(projectRoot, ".github/workflows/preview.yml");

interface WorkflowStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: {
    preview: {
      strategy: { matrix: { stack: string[] } };
      env?: Record<string, string>;
      steps: WorkflowStep[];
    };
  };
}

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

/** Variables of scripts/lib.sh, as root sees them from the project root. */
function libVars(names: string[]): Record<string, string> {
  const out = sh("bash", ["-c", `. scripts/lib.sh; ${names.map((n) => `printf '%s\\n' "$${n}"`).join("; ")}`], { cwd: projectRoot });
  const lines = out.split("\n");
  return Object.fromEntries(names.map((n, i) => [n, lines[i]]));
}

/** `${{ expr }}` filled in from `values`; an expression the test does not know fails it. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in values)) throw new Error(`the workflow uses \${{ ${expr} }}, which test/engine/workflow.test.ts does not fill in`);
    return values[expr];
  });
}

/** The gh stub: `gh api` on a repository's issue comments, kept in $GH_STUB_STATE/comments.json; calls in calls.log. */
const GH_STUB = `#!/usr/bin/env bash
set -euo pipefail
state=\${GH_STUB_STATE:?}
[ "\${1:-}" = api ] || { echo "gh stub: only 'gh api'" >&2; exit 1; }
shift
method=GET jq_expr= field= endpoint=
while [ $# -gt 0 ]; do
  case $1 in
    --method | -X) method=$2; shift 2 ;;
    --paginate) shift ;;
    --jq | -q) jq_expr=$2; shift 2 ;;
    -F | --field) field=$2; shift 2 ;;
    -*) echo "gh stub: unknown flag $1" >&2; exit 1 ;;
    *) endpoint=$1; shift ;;
  esac
done
[ -n "\${GH_TOKEN:-}" ] || { echo "gh stub: no GH_TOKEN" >&2; exit 4; }
endpoint=\${endpoint//\\{owner\\}\\/\\{repo\\}/\${GH_REPO:?}}
printf '%s %s\\n' "$method" "$endpoint" >>"$state/calls.log"
c=$state/comments.json
case "$method $endpoint" in
  "GET repos/$GH_REPO/issues/$GH_STUB_PR/comments")
    if [ -n "$jq_expr" ]; then jq -r "$jq_expr" "$c"; else cat "$c"; fi ;;
  "POST repos/$GH_REPO/issues/$GH_STUB_PR/comments")
    id=$((1000 + $(jq length "$c")))
    jq --rawfile b "\${field#body=@}" --argjson id "$id" '. + [{id: $id, body: $b}]' "$c" >"$c.new" && mv "$c.new" "$c" ;;
  "PATCH repos/$GH_REPO/issues/comments/"*)
    id=\${endpoint##*/}
    jq -e --argjson id "$id" 'any(.id == $id)' "$c" >/dev/null || { echo "gh stub: no comment $id" >&2; exit 1; }
    jq --rawfile b "\${field#body=@}" --argjson id "$id" 'map(if .id == $id then .body = $b else . end)' "$c" >"$c.new" && mv "$c.new" "$c" ;;
  *) echo "gh stub: unexpected $method $endpoint" >&2; exit 1 ;;
esac
`;

describe("the PR preview workflow, as a non-root user from a clean clone (real engine)", function () {
  this.timeout(300000);
  const workflow = YAML.parse(fs.readFileSync(workflowFile, "utf8")) as Workflow;
  const job = workflow.jobs.preview;
  let tmp = "";
  let clone = "";
  let home = "";
  let runnerTemp = "";
  let ghState = "";
  let uid = 0;
  let gid = 0;
  let values: Record<string, string> = {};
  let baseEnv: Record<string, string> = {};
  const timings: Record<string, number> = {};

  /** Runs a workflow `run:` step as the CI user in the clone, as the runner does (bash -eo pipefail). */
  function runStep(step: WorkflowStep, extraEnv: Record<string, string> = {}): string {
    const env: Record<string, string> = { ...baseEnv, ...extraEnv };
    for (const [k, v] of Object.entries(job.env ?? {})) env[k] = fill(String(v), values);
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = fill(String(v), values);
    const script = fill(step.run ?? "", values);
    const t0 = Date.now();
    const r = spawnSync(
      "runuser",
      [
        "-u",
        USER,
        "--",
        "env",
        "-i",
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        "bash",
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        script,
      ],
      { cwd: clone, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    timings[step.name ?? script] = (Date.now() - t0) / 1000;
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`step "${step.name ?? script}" failed (${r.status ?? r.signal}):\n${out.slice(-6000)}`);
    return out;
  }

  before(function () {
    // It creates a user and runs the steps as that user: without root it cannot, and says so.
    if (process.getuid?.() !== 0)
      throw new Error("the workflow test needs root (it creates the non-root user pulumi-lvs-ci); run npm test as root");
    const t0 = Date.now();
    if (spawnSync("id", ["-u", USER]).status !== 0) {
      sh("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/bash", USER]);
    }
    uid = Number(sh("id", ["-u", USER]).trim());
    gid = Number(sh("id", ["-g", USER]).trim());
    assert.notEqual(uid, 0);

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lvs-workflow-"));
    clone = path.join(tmp, "repo");
    home = path.join(tmp, "home");
    runnerTemp = path.join(tmp, "runner-temp");
    ghState = path.join(tmp, "gh");
    for (const d of [home, runnerTemp, ghState, path.join(tmp, "stub-bin"), path.join(tmp, "state")]) fs.mkdirSync(d, { recursive: true });

    // actions/checkout: a clone of the project the test runs from.
    sh("git", ["clone", "--quiet", "--no-hardlinks", projectRoot, clone]);
    if (!process.env.PULUMI_LVS_WORKFLOW_TEST_HEAD) {
      // The working copy's uncommitted changes (git cannot clone them), read-only on the project.
      const list = (...flags: string[]) =>
        sh("git", ["ls-files", "-z", ...flags], { cwd: projectRoot })
          .split("\0")
          .filter(Boolean);
      for (const f of list("--modified", "--others", "--exclude-standard")) {
        const src = path.join(projectRoot, f);
        const dst = path.join(clone, f);
        if (fs.existsSync(src)) {
          fs.mkdirSync(path.dirname(dst), { recursive: true });
          fs.copyFileSync(src, dst);
        } else fs.rmSync(dst, { force: true });
      }
    }

    // actions/cache: restore what the cache step saves (its paths), from root's cache.
    const lib = libVars(["CACHE_ROOT", "TOOLCHAIN_DIR", "CLI_CACHE_DIR", "PLUGIN_CACHE_DIR"]);
    const cacheStep = job.steps.find((s) => s.uses?.startsWith("actions/cache@"));
    assert.ok(cacheStep, "the workflow caches the toolchain with actions/cache");
    const paths = String(cacheStep.with?.path ?? "")
      .split("\n")
      .map((p) => p.trim())
      .filter(Boolean);
    const cached = (p: string) =>
      paths.some((c) => !c.startsWith("!") && (p === c || p.startsWith(`${c}/`))) &&
      !paths.some((c) => c.startsWith("!") && (p === c.slice(1) || p.startsWith(`${c.slice(1)}/`)));
    const seeds = [
      lib.TOOLCHAIN_DIR,
      lib.CLI_CACHE_DIR,
      ...fs
        .readdirSync(lib.PLUGIN_CACHE_DIR)
        .filter((d) => d.startsWith("resource-"))
        .map((d) => path.join(lib.PLUGIN_CACHE_DIR, d)),
    ];
    for (const src of seeds) {
      const rel = path.relative(lib.CACHE_ROOT, src);
      assert.ok(cached(`~/.cache/pulumi-lvs/${rel}`), `the cache step's paths (${paths.join(", ")}) hold ${rel}`);
      const dst = path.join(home, ".cache/pulumi-lvs", rel);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      sh("cp", ["-a", src, dst]);
    }
    // setup-node's npm cache: a copy of root's, so that npm ci fetches little.
    const npmCache = sh("npm", ["config", "get", "cache"]).trim();
    if (fs.existsSync(npmCache)) sh("cp", ["-a", npmCache, path.join(tmp, "npm-cache")]);

    fs.writeFileSync(path.join(tmp, "stub-bin/gh"), GH_STUB, { mode: 0o755 });
    // An unrelated comment and another stack's report are on the pull request already.
    fs.writeFileSync(
      path.join(ghState, "comments.json"),
      JSON.stringify([
        { id: 900, body: "LGTM" },
        { id: 901, body: "<!-- pulumi-lvs-preview:nat-lab -->\n### pulumi-lvs preview: `nat-lab`\n" },
      ]),
    );
    sh("chown", ["-R", `${uid}:${gid}`, tmp]);

    values = {
      "matrix.stack": STACK,
      "runner.os": "Linux",
      "secrets.PULUMI_BACKEND_URL": `file://${tmp}/state`,
      "secrets.PULUMI_CONFIG_PASSPHRASE": "a CI passphrase",
      "secrets.PULUMI_LVS_INVENTORY": inventory(),
      "secrets.PULUMI_LVS_SSH_KEY": "not a key: the hosts are never reached",
      "github.token": "stub-token",
      "github.repository": REPO,
      "github.event.pull_request.number": PR,
    };
    baseEnv = {
      HOME: home,
      USER,
      LANG: "C.UTF-8",
      RUNNER_TEMP: runnerTemp,
      PATH: `${tmp}/stub-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      CI: "true",
      npm_config_cache: path.join(tmp, "npm-cache"),
      npm_config_prefer_offline: "true",
      npm_config_update_notifier: "false",
      GH_STUB_STATE: ghState,
      GH_STUB_PR: PR,
    };
    timings["clone, seed caches, user"] = (Date.now() - t0) / 1000;
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (Object.keys(timings).length) console.log(`      timings (s): ${JSON.stringify(timings)}`);
  });

  /** The hosts of the dr preset at a closed port on 127.0.0.1: any attempt to reach one would fail. */
  const inventory = () => closedInventory("~/.ssh/pulumi-lvs");

  it("previews every stack the project defines but the benchmark stack scale, each with its committed config", () => {
    const lib = sh("bash", ["-c", '. scripts/lib.sh; printf "%s\\n" "${LAB_STACKS[@]}"'], { cwd: projectRoot }).trim().split("\n");
    assert.deepEqual([...job.strategy.matrix.stack].sort(), lib.filter((s) => s !== "scale").sort());
    for (const s of job.strategy.matrix.stack) assert.ok(fs.existsSync(path.join(projectRoot, `Pulumi.${s}.yaml`)), s);
    assert.match(fs.readFileSync(workflowFile, "utf8"), /`scale`: that is the benchmark stack/);
  });

  it("knows every `uses:` step, keys the toolchain cache on versions.env and go.sum, sets up in preview mode", () => {
    const uses = job.steps.filter((s) => s.uses).map((s) => s.uses!.split("@")[0]);
    assert.deepEqual(uses, ["actions/checkout", "actions/setup-node", "actions/cache", "actions/setup-go"]);
    const cache = job.steps.find((s) => s.uses?.startsWith("actions/cache@"))!;
    assert.match(String(cache.with?.key), /hashFiles\([^)]*'scripts\/toolchain\/versions\.env'[^)]*'scripts\/toolchain\/go\.sum'/);
    const runs = job.steps.filter((s) => s.run).map((s) => s.run!.trim().split("\n")[0]);
    assert.equal(runs[0], "PULUMI_LVS_SETUP=preview npm run setup");
    assert.ok(runs.some((r) => r.startsWith("npm run preview-report -- ${{ matrix.stack }} --out preview.md")));
    assert.ok(runs.some((r) => r.startsWith("bash scripts/pr-comment.sh ${{ github.event.pull_request.number }} preview.md")));
  });

  it("runs the workflow's run: steps in order: setup, inventory, a report of the planned creates, one new comment", () => {
    const configFile = path.join(clone, `Pulumi.${STACK}.yaml`);
    let configBeforePreview = "";
    const outputs = job.steps
      .filter((s) => s.run)
      .map((s) => {
        if (s.run!.includes("preview-report")) configBeforePreview = fs.readFileSync(configFile, "utf8");
        return [s, runStep(s)] as const;
      });
    const out = (re: RegExp) => outputs.find(([s]) => re.test(s.run!))?.[1] ?? "";

    const setup = out(/npm run setup/);
    console.log(
      setup
        .split("\n")
        .filter((l) => /^==> |done in|finished in/.test(l))
        .map((l) => `      ${l}`)
        .join("\n"),
    );
    assert.match(setup, /tools \(preview mode: no Debian packages\)/);
    assert.doesNotMatch(setup, /==> Debian packages/);
    assert.match(setup, /lab VM image\n\s+skipped \(PULUMI_LVS_SETUP=preview\)/);
    assert.match(setup, /setup \(preview\) finished/);
    assert.equal(fs.statSync(path.join(home, ".cache/pulumi-lvs/pulumi-home")).uid, uid, "the user's own cache");

    const reportFile = path.join(clone, "preview.md");
    const report = fs.readFileSync(reportFile, "utf8");
    console.log(report.replace(/^/gm, "      "));
    const lines = report.split("\n");
    assert.equal(lines[0], `<!-- pulumi-lvs-preview:${STACK} -->`);
    assert.equal(lines[1], `### pulumi-lvs preview: \`${STACK}\``);
    assert.match(report, /no state for this stack yet/);
    const m = /\*\*(\d+) to create, 0 to update in place, 0 to replace, 0 to delete\*\*/.exec(report);
    assert.ok(m, report);
    const creates = Number(m[1]);
    assert.ok(creates >= 8 && creates <= 40, `a plausible number of creates for dr: ${creates}`);
    assert.equal(lines.filter((l) => /^\| `[^`]+` \| \w+ \| create \|/.test(l)).length, creates);
    assert.match(report, /\| `dr-service` \| IpvsService \| create \|/);
    // The backend is left as it was and the committed stack config unchanged.
    const stacksDir = path.join(tmp, "state/.pulumi/stacks/pulumi-lvs");
    assert.deepEqual(fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).filter((f) => /\.json(\.gz)?$/.test(f)) : [], []);
    // The inventory step pointed the checkout's stack config at the secret's inventory; preview-report left it so.
    const committed = YAML.parse(fs.readFileSync(path.join(projectRoot, `Pulumi.${STACK}.yaml`), "utf8")) as { config: object };
    assert.deepEqual(YAML.parse(configBeforePreview), {
      config: { ...committed.config, "pulumi-lvs:inventory": path.join(runnerTemp, "inventory.yaml") },
    });
    assert.equal(fs.readFileSync(configFile, "utf8"), configBeforePreview);
    assert.equal(fs.readFileSync(path.join(home, ".ssh/pulumi-lvs"), "utf8"), `${values["secrets.PULUMI_LVS_SSH_KEY"]}\n`);

    assert.deepEqual(fs.readFileSync(path.join(ghState, "calls.log"), "utf8").trim().split("\n"), [
      `GET repos/${REPO}/issues/${PR}/comments`,
      `POST repos/${REPO}/issues/${PR}/comments`,
    ]);
    const comments = JSON.parse(fs.readFileSync(path.join(ghState, "comments.json"), "utf8")) as { id: number; body: string }[];
    assert.deepEqual(
      comments.map((c) => c.id),
      [900, 901, 1002],
    );
    assert.equal(comments[2].body, report);
  });

  it("the preview-mode setup names a tool missing from PATH and stops before installing anything", () => {
    const bin = path.join(tmp, "bin-without-git");
    fs.mkdirSync(bin);
    for (const f of fs.readdirSync("/usr/bin")) if (f !== "git") fs.symlinkSync(path.join("/usr/bin", f), path.join(bin, f));
    const setup = job.steps.find((s) => s.run?.includes("npm run setup"))!;
    assert.throws(
      () => runStep({ ...setup, name: "setup without git" }, { PATH: bin }),
      /setup: not on PATH: git; the preview mode installs no packages: install them \(Debian: apt-get install git\) and rerun/,
    );
  });

  it("a second push updates the stack's comment in place (PATCH), leaving the others alone", function () {
    if (!fs.existsSync(path.join(ghState, "calls.log"))) throw new Error("the first comment run left no gh calls: the test above failed");
    fs.writeFileSync(path.join(ghState, "calls.log"), "");
    const report = path.join(clone, "preview.md");
    fs.appendFileSync(report, "second push\n");
    runStep(job.steps.find((s) => s.run?.includes("scripts/pr-comment.sh"))!);
    assert.deepEqual(fs.readFileSync(path.join(ghState, "calls.log"), "utf8").trim().split("\n"), [
      `GET repos/${REPO}/issues/${PR}/comments`,
      `PATCH repos/${REPO}/issues/comments/1002`,
    ]);
    const comments = JSON.parse(fs.readFileSync(path.join(ghState, "comments.json"), "utf8")) as { id: number; body: string }[];
    assert.deepEqual(
      comments.map((c) => [c.id, c.body.endsWith("second push\n")]),
      [
        [900, false],
        [901, false],
        [1002, true],
      ],
    );
  });
});
