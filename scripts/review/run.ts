// Reviewable changes against a stack: collects the engine's step events of a
// preview or a refresh preview and hands them to the pure core.
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { Drift, driftOf, driftTable, previewChanges, previewMarkdown, ResourceChange, Step } from "./core";

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

/** Runs a preview and returns its changes and the pull-request Markdown (`note` goes above the counts). */
export async function previewReport(stack: Stack, note?: string): Promise<{ changes: ResourceChange[]; markdown: string }> {
  const c = collector("resourcePreEvent");
  await stack.preview({ onEvent: c.onEvent });
  const changes = previewChanges(c.steps);
  return { changes, markdown: previewMarkdown(stack.name, changes, note) };
}

/** Runs a refresh preview (nothing is written to state) and returns the drift. */
export async function driftReport(stack: Stack): Promise<{ drifts: Drift[]; text: string }> {
  const c = collector("resOutputsEvent");
  await stack.previewRefresh({ onEvent: c.onEvent });
  const drifts = driftOf(c.steps);
  return { drifts, text: driftTable(drifts) };
}
