# Shared shell definitions for scripts/*.sh: the pinned versions, the cache
# layout and the environment the project's Pulumi CLI runs with.
# Source it; it defines variables and functions only.

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/versions.env
. "$PROJECT_ROOT/scripts/toolchain/versions.env"

CACHE_ROOT=${PULUMI_LVS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-lvs}

# The toolchain build is keyed by the Pulumi version and by the sources that
# produce it (our go.mod/go.sum and the language host), so that a change to
# either builds anew and an unchanged tree reuses the cache.
toolchain_key() {
  local sum
  sum=$(cat "$PROJECT_ROOT/scripts/toolchain/go.mod" "$PROJECT_ROOT/scripts/toolchain/go.sum" \
    "$PROJECT_ROOT"/scripts/toolchain/langhost/*.go | sha256sum | cut -c1-12)
  echo "pulumi-v$PULUMI_VERSION-$sum"
}
TOOLCHAIN_DIR="$CACHE_ROOT/toolchain/$(toolchain_key)"
TOOLCHAIN_BIN="$TOOLCHAIN_DIR/bin"
# The CLI build alone (8 minutes on 2 cores) is also kept under a key of the
# Pulumi version and the Go module that pins its dependencies, so that a change
# to the language host rebuilds only the host; TOOLCHAIN_BIN gets a hard link.
cli_key() {
  local sum
  sum=$(cat "$PROJECT_ROOT/scripts/toolchain/go.mod" "$PROJECT_ROOT/scripts/toolchain/go.sum" \
    "$PROJECT_ROOT/scripts/toolchain/cli.go" | sha256sum | cut -c1-12)
  echo "pulumi-v$PULUMI_VERSION-$sum"
}
CLI_CACHE_DIR="$CACHE_ROOT/toolchain/cli/$(cli_key)"
# Provider plugin binaries, one folder per name and version
# (resource-<name>-v<version>/pulumi-resource-<name>), whichever way they were obtained.
PLUGIN_CACHE_DIR="$CACHE_ROOT/plugins"
# Upstream sources of the provider plugins (read-only input; see its README.md).
THIRD_PARTY_DIR=${PULUMI_LVS_THIRD_PARTY:-$PROJECT_ROOT/../shared/third_party}
PULUMI_HOME_DIR="$CACHE_ROOT/pulumi-home"
STATE_DIR="$PROJECT_ROOT/.pulumi-state"
# The lab's documented default; users set their own PULUMI_CONFIG_PASSPHRASE.
LAB_PASSPHRASE="pulumi-lvs-lab"

# pulumi_env prints the environment (KEY=VALUE lines) for running the CLI.
pulumi_env() {
  echo "PATH=$TOOLCHAIN_BIN:$PROJECT_ROOT/node_modules/.bin:$PATH"
  echo "PULUMI_HOME=$PULUMI_HOME_DIR"
  echo "PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$STATE_DIR}"
  echo "PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-$LAB_PASSPHRASE}"
  echo "PULUMI_SKIP_UPDATE_CHECK=true"
  echo "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  echo "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true"
  # `npm test` type-checks; programs then start without a second type-check.
  echo "PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
  # Not read by the CLI: tells the Automation API which CLI to use.
  echo "PULUMI_LVS_TOOLCHAIN=$TOOLCHAIN_DIR"
}

# export_pulumi_env exports pulumi_env into the current shell.
export_pulumi_env() {
  local line
  while IFS= read -r line; do export "${line?}"; done < <(pulumi_env)
  mkdir -p "$PULUMI_HOME_DIR" "$STATE_DIR"
}
