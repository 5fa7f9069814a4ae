// The Pulumi program of pulumi-lvs: the stack name chooses the topology.
import * as pulumi from "@pulumi/pulumi";
import { stacks } from "./stacks";

const name = pulumi.getStack();
const entry = stacks[name];
if (!entry) {
  throw new Error(`pulumi-lvs has no stack named "${name}"; stacks: ${Object.keys(stacks).sort().join(", ")}`);
}
export = entry.program();
