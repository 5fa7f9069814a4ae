// Reviewable changes against a stack: collects the engine's step events of a
// preview or a refresh preview and hands them to the pure core.
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { Drift, driftOf, driftTable, previewChanges, previewMarkdown, ResourceChange, Step } from "./core";
import { previewTopology } from "./diagramCore";

/** Step metadata of the events: before each step (preview) or with its outputs (refresh reads). */
function collector(kind: "resourcePreEvent" | "resOutputsEvent"): { steps: Step[]; onEvent: (e: EngineEvent) => void } {
  const steps: Step[] = [];
  return {
    steps,
    onEvent: (e) => {
      const ev = e[kind];
      if (ev) steps.push(ev.metadata as Step);
    },
  };
}

/**
 * Runs a preview and returns its changes and the pull-request Markdown (`note`
 * goes above the counts), which ends with the stack's topology diagram: from
 * the outputs the preview plans for the stack (the engine reports them as the
 * root resource's outputs, unknown values as a placeholder), else from the
 * deployed stack's outputs, else a one-line note.
 */
export async function previewReport(stack: Stack, note?: string): Promise<{ changes: ResourceChange[]; markdown: string }> {
  const c = collector("resourcePreEvent");
  let planned: Record<string, unknown> | undefined;
  await stack.preview({
    onEvent: (e) => {
      c.onEvent(e);
      const m = e.resOutputsEvent?.metadata;
      if (m?.type === "pulumi:pulumi:Stack") planned = m.new?.outputs;
    },
  });
  const changes = previewChanges(c.steps);
  const topology = previewTopology(stack.name, planned, await deployedOutputs(stack));
  return { changes, markdown: previewMarkdown(stack.name, changes, note, topology) };
}

/** The stack's outputs as plain values (secrets as "[secret]"); none when the backend holds no update of it. */
async function deployedOutputs(stack: Stack): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await stack.outputs();
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
  } catch (err) {
    process.stderr.write(
      `preview-report: could not read the outputs of stack ${stack.name}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return undefined;
  }
}

/** Runs a refresh preview (nothing is written to state) and returns the drift. */
export async function driftReport(stack: Stack): Promise<{ drifts: Drift[]; text: string }> {
  const c = collector("resOutputsEvent");
  await stack.previewRefresh({ onEvent: c.onEvent });
  const drifts = driftOf(c.steps);
  return { drifts, text: driftTable(drifts) };
}
