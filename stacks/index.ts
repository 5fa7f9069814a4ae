// The registry of stacks: each stack name maps to the function that declares
// its resources and returns its outputs. index.ts picks one by
// `pulumi.getStack()`. The seed's topologies (nat-lab, dr, dr-keepalived,
// lvs-nginx-tomcat, haproxy, keepalived-nginx) are registered here as they land.
export type StackOutputs = Record<string, unknown>;
export type StackProgram = () => StackOutputs | Promise<StackOutputs>;

export const stacks: Record<string, StackProgram> = {};
