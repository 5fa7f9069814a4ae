// Mocha hooks for a lab test that drives stacks through the engine: puts the
// preset's hosts in their bare state before (the running VM reset to its saved
// state, or the preset started), and after (even on failure) destroys the last
// stack and removes its backend. The VM stays for the next suite of the same
// preset; test/support/labTier.ts stops it at the end of the tier.
import { Stack } from "@pulumi/pulumi/automation";
import * as lab from "../../lab/lab";
import { testBackend, TestBackend } from "./engine";

export interface LabStackContext {
  backend: TestBackend;
  /** The stack to destroy at the end (set it after each inlineStack). */
  stack?: Stack;
}

export function useLabStacks(preset: string, onReady?: () => void): LabStackContext {
  const ctx = {} as LabStackContext;
  before(async function () {
    this.timeout(600000);
    const r = await lab.use(preset);
    console.log(`      lab ${preset}: ${r.mode} in ${r.seconds.toFixed(1)}s`);
    ctx.backend = testBackend();
    onReady?.();
  });
  after(async () => {
    try {
      if (ctx.stack) await ctx.stack.destroy().catch(() => undefined);
    } finally {
      ctx.backend?.dispose();
    }
  });
  return ctx;
}
