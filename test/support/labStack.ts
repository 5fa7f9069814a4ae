// Mocha hooks for a lab test that drives stacks through the engine: boots the
// preset before, and after (even on failure) destroys the last stack, removes
// its backend and stops the lab.
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
    await lab.up(preset);
    ctx.backend = testBackend();
    onReady?.();
  });
  after(async () => {
    try {
      if (ctx.stack) await ctx.stack.destroy().catch(() => undefined);
    } finally {
      ctx.backend?.dispose();
      await lab.down();
    }
  });
  return ctx;
}
