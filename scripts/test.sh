#!/usr/bin/env bash
# Runs the test tiers in order, each in its own mocha process (Pulumi mock and
# runtime state is global per process). Every tier runs; the exit code is the
# first failure's.
set -u
cd "$(dirname "$0")/.."
status=0
run_tier() {
  local name=$1 t0=$SECONDS
  echo "== test tier: $name"
  if ! npx mocha --config "test/.mocharc.$name.json"; then
    echo "== test tier $name FAILED after $((SECONDS - t0)) s"
    [ "$status" -ne 0 ] || status=1
  else
    echo "== test tier $name passed in $((SECONDS - t0)) s"
  fi
}
run_tier unit
run_tier fake
run_tier engine
run_tier lab
exit "$status"
