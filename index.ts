// The Pulumi program of pulumi-lvs: the stack name chooses the topology.
import * as pulumi from "@pulumi/pulumi";
import { stacks } from "./stacks";

const name = pulumi.getStack();
const program = stacks[name];
if (!program) {
  const known = Object.keys(stacks).sort();
  throw new Error(
    `pulumi-lvs has no stack named "${name}"; stacks: ${known.length ? known.join(", ") : "(none yet)"}`,
  );
}
export = program();
