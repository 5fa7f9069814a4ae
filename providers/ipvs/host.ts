// The IPVS table of one host during one operation (one provider process):
//
// - read once (with the host's facts, in one command) and shared by every
//   resource of that host: a refresh of 500 real servers reads it once;
// - changes from resources running at the same time are queued and run as
//   one batch: one SSH command with one `ipvsadm -R` for all of them and one
//   save for boot when the table changed. ipvsadm -R does not say which line
//   failed; when any did, the table is read back, the changes it shows are
//   done, and the others run again one ipvsadm each, so that each resource
//   gets its own result (a batch of one, or with an argument ipvsadm -R could
//   read differently, runs that way at once). Each successful change is
//   applied to the cached table (a failed one drops the cache, and the next
//   read asks the host).
//
// State lives on globalThis: one per provider process, whichever copy of this
// module a resource's provider loaded.
import { FACTS_PROBE, hostFacts, parseFactsOutput, seedFacts } from "../transport/facts";
import { Transport } from "../transport/types";
import { IpvsTable } from "./model";
import { parseIpvsSave, parseThresholds, ServerCounters, withThresholds } from "./parse";
import { SEP } from "../common/check";
import { batchScript, parseBatch, parseRestore, Persistence, persistencePlan, READ_TABLE, restoreScript } from "./batch";
import { holds, TableEdit } from "./plan";

export interface IpvsState {
  table: IpvsTable;
  counters: ServerCounters[];
}

interface Pending {
  args: string[];
  edit: TableEdit;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface HostIpvs {
  state?: Promise<IpvsState>;
  queue: Pending[];
  /** A batch is scheduled or running. */
  busy: boolean;
  /** A save in this process enabled the restore at boot: later saves skip that check (two or three commands). */
  bootEnabled?: boolean;
}

/** How long the first change of a batch waits for others from resources running alongside. */
const BATCH_WINDOW_MS = 15;

function hostState(target: string): HostIpvs {
  const g = globalThis as { __pulumiLvsIpvs?: Map<string, HostIpvs> };
  g.__pulumiLvsIpvs ??= new Map();
  let h = g.__pulumiLvsIpvs.get(target);
  if (!h) {
    h = { queue: [], busy: false };
    g.__pulumiLvsIpvs.set(target, h);
  }
  return h;
}

/** Parses READ_TABLE's output. */
function parseTableRead(out: string): IpvsState {
  const [save, thresholds = ""] = out.split(`${SEP}\n`);
  const counters = parseThresholds(thresholds);
  return { table: withThresholds(parseIpvsSave(save), counters), counters };
}

const FACTS_SEP = "__PULUMI_LVS_FACTS__";

/**
 * The host's table with thresholds, and the connection counters: read once
 * per operation. `fresh` reads again (counters while draining a server).
 */
export function readIpvs(t: Transport, opts: { fresh?: boolean } = {}): Promise<IpvsState> {
  const h = hostState(t.target);
  if (h.state && !opts.fresh) return h.state;
  const read = t.run(`${FACTS_PROBE}; echo ${FACTS_SEP}; ${READ_TABLE}`).then((out) => {
    const at = out.indexOf(`${FACTS_SEP}\n`);
    seedFacts(t.target, parseFactsOutput(out.slice(0, at)));
    return parseTableRead(out.slice(at + FACTS_SEP.length + 1));
  });
  read.catch(() => {
    if (h.state === read) h.state = undefined;
  });
  h.state = read;
  return read;
}

/**
 * Runs one ipvsadm change (in a batch with the host's other pending changes);
 * rejects with that change's own error. `edit` is the change as the cached
 * table sees it.
 */
export function changeIpvs(t: Transport, args: string[], edit: TableEdit): Promise<void> {
  const h = hostState(t.target);
  return new Promise<void>((resolve, reject) => {
    h.queue.push({ args, edit, resolve, reject });
    if (!h.busy) {
      h.busy = true;
      setTimeout(() => void drain(t, h), BATCH_WINDOW_MS);
    }
  });
}

/**
 * Makes the rules file for boot equal the table, with no change to the table (a batch entry without arguments):
 * for a create that finds its object already there, where an earlier run may have died between its change and
 * the save. The save rewrites the file only when it differs.
 */
export function saveIpvs(t: Transport): Promise<void> {
  return changeIpvs(t, [], (table) => table);
}

/** Runs batches until the queue is empty; changes queued during a batch form the next one. */
async function drain(t: Transport, h: HostIpvs): Promise<void> {
  try {
    while (h.queue.length) {
      const batch = h.queue.splice(0);
      await runBatch(t, h, batch);
    }
  } finally {
    h.busy = false;
  }
}

/** Batches of at least this many changes go through one `ipvsadm -R` (one process on the host, not one per change). */
const RESTORE_MIN = 2;

async function runBatch(t: Transport, h: HostIpvs, batch: Pending[]): Promise<void> {
  let persist: Persistence;
  try {
    const plan = persistencePlan((await hostFacts(t)).family);
    persist = h.bootEnabled ? { ...plan, enable: ":" } : plan;
  } catch (err) {
    return fail(h, batch, err);
  }
  const script =
    batch.filter((p) => p.args.length > 0).length >= RESTORE_MIN
      ? restoreScript(
          batch.map((p) => p.args),
          persist,
        )
      : undefined;
  if (!script) return runEach(t, h, batch, persist);
  let out: string;
  try {
    out = (await t.exec(script)).stdout;
  } catch (err) {
    return fail(h, batch, err);
  }
  const r = parseRestore(out);
  const saveError = r.save && r.save.code !== 0 ? saveMessage(r.save) : undefined;
  if (r.save?.code === 0) h.bootEnabled = true;
  if (r.restore && r.restore.code === 0 && r.restore.output === "") {
    // Every line took.
    const cached = h.state;
    h.state = cached?.then((s) => ({ ...s, table: batch.reduce((tb, p) => p.edit(tb), s.table) }));
    for (const p of batch) settle(t, p, saveError);
    return;
  }
  // A line failed (ipvsadm -R does not say which) or the script was cut off: the table says which changes took;
  // the others run again one by one, each with its own exit status and message.
  let table;
  try {
    table = (await readIpvs(t, { fresh: true })).table;
  } catch (err) {
    const said = r.restore ? `ipvsadm -R reported "${r.restore.output}"` : "the batch was cut off";
    return fail(
      h,
      batch,
      new Error(`ssh ${t.target}: ${said}, and reading the table back failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  const again = batch.filter((p) => p.args.length > 0 && !holds(p.edit, table));
  for (const p of batch) if (!again.includes(p)) settle(t, p, saveError);
  if (again.length) await runEach(t, h, again, persist);
}

function fail(h: HostIpvs, batch: Pending[], err: unknown): void {
  h.state = undefined;
  for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
}

function saveMessage(save: { code: number; output: string }): string {
  return `ran, but saving the table for boot (ipvsadm -Sn) failed: ${save.output || `exit ${save.code}`}`;
}

/** A change that took: resolved, or rejected when the save for boot failed. */
function settle(t: Transport, p: Pending, saveError: string | undefined): void {
  if (!saveError) return p.resolve();
  p.reject(new Error(`ssh ${t.target}: "${["ipvsadm", ...p.args].join(" ")}" ${saveError}`));
}

/** One ipvsadm per change, each with its own exit status and message, then the save. */
async function runEach(t: Transport, h: HostIpvs, batch: Pending[], persist: Persistence): Promise<void> {
  let out: string;
  try {
    out = (
      await t.exec(
        batchScript(
          batch.map((p) => p.args),
          persist,
        ),
      )
    ).stdout;
  } catch (err) {
    return fail(h, batch, err);
  }
  const parsed = parseBatch(out, batch.length);
  const cached = h.state;
  if (!cached || parsed.results.some((r) => r.code !== 0)) h.state = undefined;
  else h.state = cached.then((s) => ({ ...s, table: batch.reduce((tb, p) => p.edit(tb), s.table) }));
  const saveFailed = parsed.save && parsed.save.code !== 0;
  if (parsed.save?.code === 0) h.bootEnabled = true;
  batch.forEach((p, i) => {
    const r = parsed.results[i];
    const line = ["ipvsadm", ...p.args].join(" ");
    if (r.code === 0 && !saveFailed) return p.resolve();
    const what =
      r.code === -1
        ? "was cut off: the SSH session ended before it reported a status"
        : r.code !== 0
          ? `exited ${r.code}${r.output ? `: ${r.output}` : ""}`
          : `ran, but saving the table for boot (ipvsadm -Sn) failed: ${parsed.save?.output || `exit ${parsed.save?.code}`}`;
    p.reject(new Error(`ssh ${t.target}: "${line}" ${what}`));
  });
}
