// Drives a provider object the way the engine does (check, then create /
// diff / read / update / delete) against fake hosts, and starts a new
// "operation" between steps: the providers cache a host's IPVS table and
// facts per provider process, which in the engine is one per operation.
import * as assert from "node:assert/strict";
import type { DiffResult, ResourceProvider } from "@pulumi/pulumi/dynamic";
import { FakeHost, installFakeHosts, startFakeHost, uninstallFakeHosts } from "../support/fakeHost";

/** The inputs type of a provider object (its Props are not exported). */
export type InputsOf<P extends { create(inputs: never): unknown }> = Parameters<P["create"]>[0];

/** Forgets what the providers cached about hosts (a new engine operation starts a new provider process). */
export function newOperation(): void {
  const g = globalThis as { __pulumiLvsIpvs?: Map<string, unknown>; __pulumiLvsFacts?: Map<string, unknown> };
  g.__pulumiLvsIpvs?.clear();
  g.__pulumiLvsFacts?.clear();
}

/** check, then create: the checked inputs' outputs and id. */
export async function create<I, O>(p: ResourceProvider<I, O>, inputs: I): Promise<{ id: string; outs: O }> {
  const checked = p.check ? await p.check({} as I, inputs) : { inputs };
  assert.deepEqual(checked.failures ?? [], [], "check refused the inputs");
  newOperation();
  const r = await p.create((checked.inputs ?? inputs) as I);
  return { id: r.id, outs: r.outs as O };
}

export async function read<I, O>(p: ResourceProvider<I, O>, id: string, props: O): Promise<{ id: string; props: O }> {
  newOperation();
  assert.ok(p.read, "provider has read");
  const r = await p.read(id, props);
  return { id: r.id ?? "", props: r.props as O };
}

export async function diff<I, O>(
  p: ResourceProvider<I, O>,
  id: string,
  olds: O,
  news: I,
): Promise<{ changes: boolean; replaces: string[] }> {
  assert.ok(p.diff, "provider has diff");
  const checked = p.check ? await p.check(olds as unknown as I, news) : { inputs: news };
  const d = await p.diff(id, olds, (checked.inputs ?? news) as I);
  return { changes: d.changes ?? false, replaces: d.replaces ?? [] };
}

/** The provider's whole diff answer (deleteBeforeReplace, stables, ...). */
export async function fullDiff<I, O>(p: ResourceProvider<I, O>, id: string, olds: O, news: I): Promise<DiffResult> {
  assert.ok(p.diff, "provider has diff");
  const checked = p.check ? await p.check(olds as unknown as I, news) : { inputs: news };
  return p.diff(id, olds, (checked.inputs ?? news) as I);
}

export async function update<I, O>(p: ResourceProvider<I, O>, id: string, olds: O, news: I): Promise<O> {
  assert.ok(p.update, "provider has update");
  const checked = p.check ? await p.check(olds as unknown as I, news) : { inputs: news };
  newOperation();
  const r = await p.update(id, olds, (checked.inputs ?? news) as I);
  return r.outs as O;
}

export async function remove<I, O>(p: ResourceProvider<I, O>, id: string, props: O): Promise<void> {
  assert.ok(p.delete, "provider has delete");
  newOperation();
  await p.delete(id, props);
}

/** One fake host per suite, installed in-process; stopped (holder killed by PID, directory removed) in `after`, pass or fail. */
export function withFakeHost(): () => FakeHost {
  let host: FakeHost | undefined;
  before(async function () {
    this.timeout(30000);
    host = await startFakeHost();
    installFakeHosts([host]);
  });
  after(() => {
    uninstallFakeHosts();
    host?.stop();
  });
  return () => {
    if (!host) throw new Error("the fake host did not start");
    return host;
  };
}
