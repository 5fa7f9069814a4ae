// The Pulumi program of pulumi-lvs: the stack's config chooses the topology
// (`pulumi-lvs:topology`), its settings and its hosts (by inventory group).
import { COMMON_KEYS, StackConfig } from "./stacks/config";
import { hostsFromConfig } from "./stacks/hosts";
import { stacks } from "./stacks";
import { TopologyContext } from "./stacks/topology";

const names = Object.keys(stacks).sort();
const pick = new StackConfig("(none)");
const topology = pick.string({ ...COMMON_KEYS.topology, allowed: names });
pick.done();
export = stacks[topology].program(new TopologyContext(new StackConfig(topology), hostsFromConfig()));
