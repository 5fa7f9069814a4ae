#!/usr/bin/env bash
# Prints the environment the project's Pulumi CLI runs with (KEY=VALUE lines),
# for tools and tests that start the CLI themselves (the Automation API).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pulumi_env
