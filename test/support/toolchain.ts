// The tests reach the project's Pulumi CLI through the tools' helper (tests
// sit above the tools: they may import scripts/lib, never the reverse).
export { pinnedVersions, projectRoot, pulumiCommand, toolchainEnv } from "../../scripts/lib/toolchain";
