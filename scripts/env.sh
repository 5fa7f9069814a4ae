#!/usr/bin/env bash
# Prints the environment the project's Pulumi CLI runs with (KEY=VALUE lines),
# for tools and tests that start the CLI themselves (the Automation API).
# `env.sh --stack NAME`: for a command on stack NAME, whose passphrase follows
# `npm run pulumi`'s rule (the lab's only for the lab's stacks).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pulumi_env "$@"
