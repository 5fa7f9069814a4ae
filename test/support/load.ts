// A bounded request loop on a lab host (the client) that runs while a test
// changes the cluster, and counts answered and failed requests.
import * as lab from "../../lab/lab";

export interface LoadResult {
  ok: number;
  failed: number;
}

const STOP = "/tmp/pulumi-lvs-stop-load";

/** The loop: curl until the stop file appears (or maxSeconds pass); prints "<ok> <failed>". */
function loop(url: string, maxSeconds: number): string {
  return (
    `rm -f ${STOP}; ok=0; failed=0; end=$(( $(date +%s) + ${maxSeconds} )); ` +
    `while [ ! -e ${STOP} ] && [ $(date +%s) -lt $end ]; do ` +
    `if curl -s -o /dev/null --fail -m 2 ${url}; then ok=$((ok+1)); else failed=$((failed+1)); fi; done; ` +
    `rm -f ${STOP}; echo "$ok $failed"`
  );
}

function parse(out: string): LoadResult {
  const [ok, failed] = out.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(ok) || !Number.isFinite(failed)) throw new Error(`load loop printed ${JSON.stringify(out)}`);
  return { ok, failed };
}

/** Runs `work` while `host` requests `url` in a loop; returns the counts once both end. */
export async function loadDuring(host: string, url: string, work: () => Promise<void>, maxSeconds = 600): Promise<LoadResult> {
  const running = lab.execAsync(host, loop(url, maxSeconds));
  await new Promise((r) => setTimeout(r, 1000));
  try {
    await work();
  } finally {
    await new Promise((r) => setTimeout(r, 500));
    lab.exec(host, `touch ${STOP}`);
  }
  const r = await running;
  if (r.code !== 0) throw new Error(`load loop on ${host} exited ${r.code}: ${r.stderr}`);
  return parse(r.stdout);
}

/** Like loadDuring, for synchronous work (a command run in another host); returns its result too. */
export async function countFailures(host: string, url: string, work: () => string): Promise<LoadResult & { output: string }> {
  let output = "";
  const counts = await loadDuring(host, url, async () => {
    output = work();
  });
  return { ...counts, output };
}
