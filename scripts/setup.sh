#!/usr/bin/env bash
# `npm run setup`: installs everything the tests and the demo need on a fresh
# Debian machine. Idempotent: a second run checks the caches and takes seconds.
#
#   1. Debian packages (apt-get update first, only when something is missing)
#   2. npm ci (skipped when node_modules matches package-lock.json)
#   3. the Pulumi CLI: one on PATH if recent enough, else the cached build, else
#      the official download, else a build from Go source (module proxy)
#   4. the Node.js language host and the dynamic-provider shim
#   5. the provider plugins the npm SDKs request (command, random)
#   6. the lab's VM image (lab/image/build.sh); PULUMI_LVS_NO_LAB=1 skips it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PROJECT_ROOT"

SETUP_START=$SECONDS
step_start=0
step() { step_start=$SECONDS; printf '\n==> %s\n' "$*"; }
done_step() { printf '    done in %ss (total %ss)\n' $((SECONDS - step_start)) $((SECONDS - SETUP_START)); }
note() { printf '    %s\n' "$*"; }
warn() { printf '    WARNING: %s\n' "$*" >&2; }

# Runs a long command in the background, printing elapsed time every 20 s.
with_progress() {
  local label=$1; shift
  local log
  log=$(mktemp)
  "$@" >"$log" 2>&1 &
  local pid=$! t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if (( (SECONDS - t0) % 20 < 2 && SECONDS - t0 >= 20 )); then note "$label: $((SECONDS - t0))s so far"; fi
  done
  if ! wait "$pid"; then
    echo "    $label failed; its output:" >&2
    tail -n 40 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------- 1. Debian
# ansible: the peer `npm run bench` times against.
DEB_PACKAGES=(git curl ca-certificates openssh-client qemu-system-x86 qemu-utils debootstrap e2fsprogs iproute2 ansible)
step "Debian packages"
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}) and not root; install them with apt-get and rerun" >&2
    exit 1
  fi
  note "installing: ${missing[*]}"
  with_progress "apt-get update" apt-get update -qq
  with_progress "apt-get install" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  note "all present: ${DEB_PACKAGES[*]}"
fi
done_step

# ---------------------------------------------------------------- 2. npm
step "npm ci"
lock_sum=$(sha256sum package-lock.json | cut -c1-16)
stamp=node_modules/.pulumi-lvs-lock
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  note "node_modules matches package-lock.json"
else
  with_progress "npm ci" npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi
done_step

# ---------------------------------------------------------------- 3. CLI
version_ok() { # version_ok HAVE MIN: HAVE >= MIN (semver, no prerelease)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
go_env() {
  export PATH=$PATH:/usr/local/go/bin
  local have
  have=$(go env GOVERSION 2>/dev/null | sed 's/^go//') || have=
  if [ -z "$have" ] || ! version_ok "$have" 1.25.11; then
    echo "setup: building the Pulumi toolchain needs Go >= 1.25.11 (found: ${have:-none}); install it from go.dev or the distribution and rerun" >&2
    exit 1
  fi
  export GOFLAGS=-mod=mod
  export CGO_ENABLED=0
}
build_cli_from_source() {
  go_env
  (cd scripts/toolchain && go build -tags osusergo,grpcnotrace \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$TOOLCHAIN_BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}
download_cli() {
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL --connect-timeout 5 --max-time 120 \
    "https://get.pulumi.com/releases/sdk/pulumi-v$PULUMI_VERSION-linux-x64.tar.gz" -o "$tmp/cli.tgz" &&
    tar -xzf "$tmp/cli.tgz" -C "$tmp" && cp "$tmp/pulumi/pulumi" "$TOOLCHAIN_BIN/pulumi"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

step "Pulumi CLI v$PULUMI_VERSION"
mkdir -p "$TOOLCHAIN_BIN"
if [ -x "$TOOLCHAIN_BIN/pulumi" ]; then
  note "cached: $TOOLCHAIN_BIN/pulumi ($("$TOOLCHAIN_BIN/pulumi" version))"
elif ambient=$(command -v pulumi 2>/dev/null) && have=$("$ambient" version 2>/dev/null | sed 's/^v//') &&
  version_ok "$have" "$PULUMI_MIN_CLI_VERSION"; then
  note "using $ambient (v$have >= v$PULUMI_MIN_CLI_VERSION)"
  ln -sf "$ambient" "$TOOLCHAIN_BIN/pulumi"
elif note "trying the official download" && download_cli; then
  note "downloaded"
else
  note "download unavailable; building from Go source through the module proxy (a few minutes)"
  with_progress "go build pulumi" build_cli_from_source
fi
"$TOOLCHAIN_BIN/pulumi" version >/dev/null
done_step

# ---------------------------------------------------------------- 4. host
step "Node.js language host and dynamic-provider shim"
if [ -x "$TOOLCHAIN_BIN/pulumi-language-nodejs" ]; then
  note "cached: $TOOLCHAIN_BIN/pulumi-language-nodejs"
else
  go_env
  with_progress "go build pulumi-language-nodejs" \
    bash -c "cd scripts/toolchain && go build -ldflags '-X main.version=$PULUMI_VERSION' -o '$TOOLCHAIN_BIN/pulumi-language-nodejs' ./langhost"
fi
# The shim resolves @pulumi/pulumi from the program's directory, so a copy
# next to the CLI serves every checkout.
install -m 0755 node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$TOOLCHAIN_BIN/pulumi-resource-pulumi-nodejs"
done_step

# ---------------------------------------------------------------- 5. plugins
export_pulumi_env
plugin_installed() { # plugin_installed NAME VERSION
  [ -d "$PULUMI_HOME_DIR/plugins/resource-$1-v$2" ]
}
try_plugin_download() { # NAME VERSION
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION= timeout 60 pulumi plugin install resource "$1" "$2" >/dev/null 2>&1
}
try_plugin_build() { # NAME VERSION MODULE@REV LDFLAG-VAR
  local name=$1 ver=$2 modrev=$3 var=$4 tmp rc
  tmp=$(mktemp -d)
  go_env
  (cd "$tmp" && go mod init pulumi-lvs/plugin-build >/dev/null 2>&1 &&
    go get "$modrev" >/dev/null 2>&1 &&
    go build -ldflags "-X $var=$ver" -o "$tmp/pulumi-resource-$name" "${modrev%@*}/cmd/pulumi-resource-$name" &&
    pulumi plugin install resource "$name" "$ver" -f "$tmp/pulumi-resource-$name" >/dev/null 2>&1)
  rc=$?
  rm -rf "$tmp"
  return $rc
}
PLUGINS_MISSING=()
step "provider plugins: command v$PULUMI_COMMAND_VERSION, random v$PULUMI_RANDOM_VERSION"
for spec in "command $PULUMI_COMMAND_VERSION github.com/pulumi/pulumi-command/provider@7f3eb6f3b77c github.com/pulumi/pulumi-command/provider/pkg/version.Version" \
  "random $PULUMI_RANDOM_VERSION github.com/pulumi/pulumi-random/provider/v4@v$PULUMI_RANDOM_VERSION github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version"; do
  read -r name ver modrev var <<<"$spec"
  refused="$CACHE_ROOT/toolchain/unavailable-$name-v$ver"
  if plugin_installed "$name" "$ver"; then
    note "$name v$ver: installed"
  elif [ -f "$refused" ] && [ -z "${PULUMI_LVS_RETRY_PLUGINS:-}" ]; then
    PLUGINS_MISSING+=("$name v$ver")
    warn "$name v$ver: unavailable when last tried ($(cat "$refused")); PULUMI_LVS_RETRY_PLUGINS=1 npm run setup tries again"
  elif try_plugin_download "$name" "$ver"; then
    note "$name v$ver: downloaded"
  elif try_plugin_build "$name" "$ver" "$modrev" "$var"; then
    note "$name v$ver: built from Go source"
  else
    PLUGINS_MISSING+=("$name v$ver")
    date -u +%FT%TZ > "$refused"
    warn "$name v$ver: not available (no download; the Go module proxy refuses ${modrev%@*}). Programs that create @pulumi/$name resources fail with 'no resource plugin'. pulumi-lvs resources do not need it."
  fi
done
done_step

# ---------------------------------------------------------------- 6. lab
step "lab VM image"
if [ -n "${PULUMI_LVS_NO_LAB:-}" ]; then
  note "skipped (PULUMI_LVS_NO_LAB is set: a machine that only previews real hosts)"
elif [ -f lab/image/build.sh ]; then
  bash lab/image/build.sh >/dev/null
else
  note "no lab recipe in this checkout"
fi
done_step

printf '\nsetup finished in %ss. Pulumi: %s (%s)\n' $((SECONDS - SETUP_START)) "$(pulumi version)" "$TOOLCHAIN_BIN"
[ ${#PLUGINS_MISSING[@]} -eq 0 ] || printf 'unavailable plugins: %s\n' "${PLUGINS_MISSING[*]}"
