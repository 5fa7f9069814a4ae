// Stacks for tests that go through the real engine: a throwaway file://
// backend per test run, the project's CLI and environment, and either an
// inline program (the test process serves the language runtime) or a program
// directory (the CLI starts the Node.js language host).
import * as fs from "node:fs";
import * as path from "node:path";
import { InlineProgramArgs, LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiCommand, toolchainEnv } from "./toolchain";

export interface TestBackend {
  /**
   * Directory holding the file:// state and the workspace; removed by
   * dispose(). It lies inside the project (.test-work/, ignored by git) so
   * that the dynamic-provider plugin, started there, finds node_modules.
   */
  dir: string;
  env: Record<string, string>;
  dispose(): void;
}

/** A fresh file:// backend in a temporary directory, with the project's CLI environment. */
export function testBackend(prefix = "backend-"): TestBackend {
  const parent = path.join(projectRoot, ".test-work");
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  fs.mkdirSync(path.join(dir, "state"));
  const env = { ...toolchainEnv(), PULUMI_BACKEND_URL: `file://${dir}/state` };
  return { dir, env, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** An inline program's gRPC client that never reached the engine's resource monitor. */
const MONITOR_UNREACHED = /14 UNAVAILABLE: No connection established/;

/**
 * Under load an inline program's gRPC client sometimes fails to reach the engine's resource monitor at all
 * ("14 UNAVAILABLE: No connection established"), a transport failure before the program has registered
 * anything or looked at any input. Such a preview runs again, at most twice; every other outcome, error or
 * not, is the preview's own.
 */
function retryUnreachedMonitor(stack: Stack): Stack {
  const preview = stack.preview.bind(stack);
  stack.preview = async (opts) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await preview(opts);
      } catch (err) {
        if (attempt >= 3 || !MONITOR_UNREACHED.test(err instanceof Error ? err.message : String(err))) throw err;
        console.log(`      ${stack.name}: the program did not reach the engine (gRPC UNAVAILABLE); preview again (attempt ${attempt + 1})`);
      }
    }
  };
  return stack;
}

/** A stack running `program` in this process, on `backend`; its preview is run again if the program never reached the engine. */
export async function inlineStack(backend: TestBackend, projectName: string, stackName: string, program: PulumiFn): Promise<Stack> {
  const args: InlineProgramArgs = { projectName, stackName, program };
  const workDir = path.join(backend.dir, "work", projectName);
  fs.mkdirSync(workDir, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(args, {
    workDir,
    pulumiCommand: await pulumiCommand(backend.env),
    pulumiHome: backend.env.PULUMI_HOME,
    envVars: backend.env,
    projectSettings: { name: projectName, runtime: "nodejs", backend: { url: backend.env.PULUMI_BACKEND_URL } },
  });
  return retryUnreachedMonitor(stack);
}

/** A stack of the program in `workDir` (a directory with Pulumi.yaml), on `backend`. */
export async function localStack(backend: TestBackend, workDir: string, stackName: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName, workDir },
    { pulumiCommand: await pulumiCommand(backend.env), pulumiHome: backend.env.PULUMI_HOME, envVars: backend.env },
  );
}
