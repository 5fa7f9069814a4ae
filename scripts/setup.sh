#!/usr/bin/env bash
# `npm run setup`: installs everything the tests and the demo need on a fresh
# Debian machine. Idempotent: a second run checks the caches and takes seconds.
#
# PULUMI_LVS_SETUP selects what it installs:
#   full (default)  all of the steps below; needs root when a Debian package is missing
#   preview         what `npm run preview-report` needs (CI previews,
#                   .github/workflows/preview.yml): steps 2 to 5 only, as any
#                   user; no Debian package (step 1 only checks that git, curl,
#                   tar, node and npm are on PATH and names the missing ones),
#                   no lab image. The CLI and plugins come from the cache
#                   ($PULUMI_LVS_CACHE, default ~/.cache/pulumi-lvs) or the
#                   official download, as in a full setup.
#
#   1. Debian packages (apt-get update first, only when something is missing);
#      postgresql: tests start a private PostgreSQL server from its binaries;
#      chromium-headless-shell: tests render the diagrams in it
#   2. npm ci (skipped when node_modules matches package-lock.json)
#   3. the Pulumi CLI: the cached build, else one on PATH if recent enough,
#      else the official download, else a build from Go source (module proxy)
#   4. the Node.js language host and the dynamic-provider shim
#   5. the provider plugins the npm SDKs request (command, random): installed,
#      else cached, else the official download, else `go get` of the upstream
#      module, else a build from the source tree in $THIRD_PARTY_DIR
#      (PULUMI_LVS_THIRD_PARTY, default ../shared/third_party); setup fails
#      when none of these worked
#   6. the lab's VM image (lab/image/build.sh); PULUMI_LVS_NO_LAB=1 skips it
#      (as does the preview mode)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PROJECT_ROOT"

SETUP_MODE=${PULUMI_LVS_SETUP:-full}
case $SETUP_MODE in
  full | preview) ;;
  *)
    echo "setup: PULUMI_LVS_SETUP=$SETUP_MODE: expected full (the default) or preview" >&2
    exit 1
    ;;
esac

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
# ansible: the peer `npm run bench` times against. postgresql: the tests start
# a private PostgreSQL server from its binaries (the distribution's service is
# not used). chromium-headless-shell: the tests render the Mermaid diagrams and
# SVGs in it (test/support/browser.ts); fonts-liberation, which it only
# recommends, gives their labels a font.
DEB_PACKAGES=(git curl ca-certificates openssh-client qemu-system-x86 qemu-utils debootstrap e2fsprogs iproute2 ansible postgresql
  chromium-headless-shell fonts-liberation)
# The preview mode installs no package; it needs these commands.
PREVIEW_TOOLS=(git curl tar node npm)
if [ "$SETUP_MODE" = preview ]; then
  step "tools (preview mode: no Debian packages)"
  missing=()
  for t in "${PREVIEW_TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: not on PATH: ${missing[*]}; the preview mode installs no packages: install them (Debian: apt-get install ${missing[*]/node/nodejs}) and rerun" >&2
    exit 1
  fi
  note "all on PATH: ${PREVIEW_TOOLS[*]}"
  done_step
else
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
fi

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
    -o "$CLI_CACHE_DIR/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) &&
    mv "$CLI_CACHE_DIR/pulumi.partial" "$CLI_CACHE_DIR/pulumi"
}
download_cli() {
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL --connect-timeout 5 --max-time 120 \
    "https://get.pulumi.com/releases/sdk/pulumi-v$PULUMI_VERSION-linux-x64.tar.gz" -o "$tmp/cli.tgz" &&
    tar -xzf "$tmp/cli.tgz" -C "$tmp" && cp "$tmp/pulumi/pulumi" "$CLI_CACHE_DIR/pulumi"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

# The CLI looks for plugins next to its resolved path: a hard link (or a copy),
# never a symlink, puts the cached build into TOOLCHAIN_BIN.
link_cli() { ln -f "$CLI_CACHE_DIR/pulumi" "$TOOLCHAIN_BIN/pulumi" 2>/dev/null || cp "$CLI_CACHE_DIR/pulumi" "$TOOLCHAIN_BIN/pulumi"; }

step "Pulumi CLI v$PULUMI_VERSION"
mkdir -p "$TOOLCHAIN_BIN" "$CLI_CACHE_DIR"
if [ -x "$TOOLCHAIN_BIN/pulumi" ]; then
  note "cached: $TOOLCHAIN_BIN/pulumi ($("$TOOLCHAIN_BIN/pulumi" version))"
elif [ -x "$CLI_CACHE_DIR/pulumi" ]; then
  link_cli
  note "cached build: $CLI_CACHE_DIR/pulumi ($("$TOOLCHAIN_BIN/pulumi" version))"
elif ambient=$(command -v pulumi 2>/dev/null) && have=$("$ambient" version 2>/dev/null | sed 's/^v//') &&
  version_ok "$have" "$PULUMI_MIN_CLI_VERSION"; then
  note "using $ambient (v$have >= v$PULUMI_MIN_CLI_VERSION)"
  ln -sf "$ambient" "$TOOLCHAIN_BIN/pulumi"
elif note "trying the official download" && download_cli; then
  link_cli
  note "downloaded"
else
  note "download unavailable; building from Go source through the module proxy (a few minutes)"
  with_progress "go build pulumi" build_cli_from_source
  link_cli
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
# Each plugin comes from the first way that works; every way but the download
# leaves the binary in PLUGIN_CACHE_DIR/resource-<name>-v<version>/, which is
# then installed into PULUMI_HOME with `pulumi plugin install --file`.
export_pulumi_env
plugin_installed() { # NAME VERSION
  [ -x "$PULUMI_HOME_DIR/plugins/resource-$1-v$2/pulumi-resource-$1" ] &&
    [ ! -e "$PULUMI_HOME_DIR/plugins/resource-$1-v$2.partial" ]
}
plugin_cached() { # NAME VERSION: the cached binary's path
  echo "$PLUGIN_CACHE_DIR/resource-$1-v$2/pulumi-resource-$1"
}
install_plugin_file() { # NAME VERSION FILE
  local out
  if ! out=$(pulumi plugin install resource "$1" "$2" --file "$3" 2>&1); then
    printf '    pulumi plugin install %s %s --file %s failed:\n%s\n' "$1" "$2" "$3" "$out" >&2
    return 1
  fi
}
# The official release download (get.pulumi.com / GitHub); it fails fast where
# the host does not resolve.
try_plugin_download() { # NAME VERSION
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION= timeout 60 pulumi plugin install resource "$1" "$2" >/dev/null 2>&1
}
# `go get` + `go build` of the upstream module through the Go module proxy
# (a proxy that refuses the module answers 403 within seconds).
build_plugin_from_module() { # NAME VERSION MODULE@REV LDFLAG-VAR OUT
  local name=$1 ver=$2 modrev=$3 var=$4 out=$5 tmp rc
  tmp=$(mktemp -d)
  (cd "$tmp" && go mod init pulumi-lvs/plugin-build >/dev/null 2>&1 &&
    go get "$modrev" >/dev/null 2>&1 &&
    go build -ldflags "-X $var=$ver" -o "$out.partial" "${modrev%@*}/cmd/pulumi-resource-$name" &&
    mv "$out.partial" "$out")
  rc=$?
  rm -rf "$tmp"
  return $rc
}
# A build from the upstream source tree in THIRD_PARTY_DIR/pulumi-<name>/provider,
# as THIRD_PARTY_DIR/README.md describes it: the tree is copied to a writable
# directory (the shared folder is read-only), `go generate` runs where the
# command's main package asks for it (random writes schema-embed.json), then
# `go build` with the version stamped in.
third_party_tag() { # NAME: the tag THIRD_PARTY_DIR/README.md gives for pulumi-<name>/
  [ -f "$THIRD_PARTY_DIR/README.md" ] || return 0
  sed -n "s/^| *\`pulumi-$1\/\` *|[^|]*| *\(v[^ |]*\) *|.*/\1/p" "$THIRD_PARTY_DIR/README.md" | head -n1
}
build_plugin_from_source() { # NAME VERSION LDFLAG-VAR OUT
  local name=$1 ver=$2 var=$3 out=$4 src="$THIRD_PARTY_DIR/pulumi-$1" tag work cmd rc
  if [ ! -f "$src/provider/go.mod" ]; then
    echo "    $name: no source tree at $src/provider (set PULUMI_LVS_THIRD_PARTY to the folder holding pulumi-$name/)" >&2
    return 1
  fi
  tag=$(third_party_tag "$name")
  if [ -n "$tag" ] && [ "$tag" != "v$ver" ]; then
    echo "    $name: $THIRD_PARTY_DIR/README.md says pulumi-$name/ is $tag, the pin is v$ver (scripts/toolchain/versions.env)" >&2
    return 1
  fi
  mkdir -p "$PLUGIN_CACHE_DIR/build"
  work=$(mktemp -d "$PLUGIN_CACHE_DIR/build/$name-v$ver.XXXXXX")
  if ! { cp -R "$src/." "$work/" && chmod -R u+w "$work"; }; then
    rm -rf "$work"
    return 1
  fi
  cmd="./cmd/pulumi-resource-$name"
  (cd "$work/provider" &&
    if grep -qs '^//go:generate' "$cmd"/*.go; then
      with_progress "$name: go generate" env VERSION="$ver" go generate "$cmd"
    fi &&
    with_progress "$name: go build" go build -ldflags "-X $var=$ver" -o "$out.partial" "$cmd" &&
    mv "$out.partial" "$out")
  rc=$?
  rm -rf "$work"
  return $rc
}

step "provider plugins: command v$PULUMI_COMMAND_VERSION, random v$PULUMI_RANDOM_VERSION"
rm -f "$CACHE_ROOT"/toolchain/unavailable-* # markers of setups that only warned
plugins_failed=()
for spec in "command $PULUMI_COMMAND_VERSION github.com/pulumi/pulumi-command/provider@7f3eb6f3b77c github.com/pulumi/pulumi-command/provider/pkg/version.Version" \
  "random $PULUMI_RANDOM_VERSION github.com/pulumi/pulumi-random/provider/v4@v$PULUMI_RANDOM_VERSION github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version"; do
  read -r name ver modrev var <<<"$spec"
  cached=$(plugin_cached "$name" "$ver")
  t0=$SECONDS
  if plugin_installed "$name" "$ver"; then
    note "$name v$ver: installed"
    continue
  fi
  if [ -x "$cached" ]; then
    install_plugin_file "$name" "$ver" "$cached" && note "$name v$ver: installed from the cache ($cached)" && continue
  fi
  note "$name v$ver: trying the official download"
  if try_plugin_download "$name" "$ver"; then
    note "$name v$ver: downloaded in $((SECONDS - t0))s"
    continue
  fi
  note "$name v$ver: no download ($((SECONDS - t0))s); trying \`go get ${modrev%@*}\` through the module proxy"
  mkdir -p "$(dirname "$cached")"
  go_env
  t1=$SECONDS
  if build_plugin_from_module "$name" "$ver" "$modrev" "$var" "$cached"; then
    install_plugin_file "$name" "$ver" "$cached" && note "$name v$ver: built from the Go module in $((SECONDS - t1))s" && continue
  fi
  note "$name v$ver: the module proxy did not serve it ($((SECONDS - t1))s); building from the source tree in $THIRD_PARTY_DIR/pulumi-$name"
  t1=$SECONDS
  if build_plugin_from_source "$name" "$ver" "$var" "$cached"; then
    install_plugin_file "$name" "$ver" "$cached" && note "$name v$ver: built from source in $((SECONDS - t1))s" && continue
  fi
  plugins_failed+=("$name v$ver")
done
if [ ${#plugins_failed[@]} -gt 0 ]; then
  cat >&2 <<MSG

setup: no way worked for the provider plugin(s): ${plugins_failed[*]}
  tried: the official download (pulumi plugin install), \`go get\` of the upstream module through the Go
  module proxy, and a build from the source tree in $THIRD_PARTY_DIR/pulumi-<name>/provider.
  Fix one of them (network access, a proxy that serves the module, or PULUMI_LVS_THIRD_PARTY pointing at a
  folder with pulumi-<name>/ at the pinned tag) and rerun \`npm run setup\`.
MSG
  exit 1
fi
done_step

# ---------------------------------------------------------------- 6. lab
step "lab VM image"
if [ "$SETUP_MODE" = preview ]; then
  note "skipped (PULUMI_LVS_SETUP=preview)"
elif [ -n "${PULUMI_LVS_NO_LAB:-}" ]; then
  note "skipped (PULUMI_LVS_NO_LAB is set: a machine that only previews real hosts)"
elif [ -f lab/image/build.sh ]; then
  bash lab/image/build.sh >/dev/null
else
  note "no lab recipe in this checkout"
fi
done_step

printf '\nsetup (%s) finished in %ss. Pulumi: %s (%s)\n' "$SETUP_MODE" $((SECONDS - SETUP_START)) "$(pulumi version)" "$TOOLCHAIN_BIN"
