// Where the lab keeps things: the image cache (per recipe) and the one run
// directory of the running lab (machine-wide, so one lab runs at a time; it is
// defined in stacks/inventory.ts, next to the default inventory path the
// stacks read).
import * as os from "node:os";
import * as path from "node:path";

export function cacheRoot(): string {
  return process.env.PULUMI_LVS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-lvs");
}

export { labRunDir } from "../stacks/inventory";

export const projectRoot = path.resolve(__dirname, "..");
