#!/usr/bin/env bash
# Runs the test tiers in order, each in its own mocha process (Pulumi mock and
# runtime state is global per process). Every tier runs; the exit code is the
# first failure's.
set -u
cd "$(dirname "$0")/.."
status=0
run_tier() {
  local name=$1
  echo "== test tier: $name"
  if ! npx mocha --config "test/.mocharc.$name.json"; then
    echo "== test tier $name FAILED"
    [ "$status" -ne 0 ] || status=1
  fi
}
run_tier unit
run_tier engine
run_tier lab
exit "$status"
