#!/usr/bin/env bash
# `npm run pulumi -- <args>`: the project's Pulumi CLI with a local file://
# backend in .pulumi-state/, a passphrase secrets provider, no login, no update
# check and no plugin download.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ ! -x "$TOOLCHAIN_BIN/pulumi" ]; then
  echo "pulumi-lvs: the Pulumi CLI is not built yet ($TOOLCHAIN_BIN/pulumi); run: npm run setup" >&2
  exit 1
fi
export_pulumi_env
cd "$PROJECT_ROOT"
exec pulumi "$@"
