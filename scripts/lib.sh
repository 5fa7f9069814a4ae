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
# The lab's stacks: the stack names whose committed Pulumi.<name>.yaml holds the
# lab's values (one per topology in stacks/index.ts). Only these get the lab's
# passphrase when the user sets none; every other stack needs the user's own
# (export_pulumi_env). Keep this list and those files in step.
LAB_STACKS=(nat-lab dr dr-keepalived lvs-nginx-tomcat haproxy keepalived-nginx scale tun dr-fwmark dr-ipv6)
# The lab's documented passphrase, for the lab's stacks only.
LAB_PASSPHRASE="pulumi-lvs-lab"
# The arguments of the script that sourced this file: `. lib.sh` without
# arguments leaves the caller's positional parameters in place, so for
# scripts/pulumi.sh these are the arguments it hands to pulumi.
LIB_CALLER_ARGS=("$@")

# pulumi_base_env prints the environment (KEY=VALUE lines) for running the CLI,
# the passphrase aside.
pulumi_base_env() {
  echo "PATH=$TOOLCHAIN_BIN:$PROJECT_ROOT/node_modules/.bin:$PATH"
  echo "PULUMI_HOME=$PULUMI_HOME_DIR"
  echo "PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$STATE_DIR}"
  echo "PULUMI_SKIP_UPDATE_CHECK=true"
  echo "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  echo "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true"
  # `npm test` type-checks; programs then start without a second type-check.
  echo "PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
  # 64 operations in flight instead of the engine's 4 x CPUs: the IPVS
  # resources of one host run their changes as one batch (one SSH command),
  # so more in flight means fewer batches (docs/performance.md); the SSH
  # channels per host stay capped below sshd's MaxSessions. PULUMI_PARALLEL
  # or --parallel still decide.
  echo "PULUMI_PARALLEL=${PULUMI_PARALLEL:-64}"
  # Not read by the CLI: tells the Automation API which CLI to use.
  echo "PULUMI_LVS_TOOLCHAIN=$TOOLCHAIN_DIR"
}

# pulumi_env prints the environment (KEY=VALUE lines) for the tools and tests
# that start the CLI themselves (scripts/env.sh): pulumi_base_env and the
# user's PULUMI_CONFIG_PASSPHRASE, else the lab's passphrase, but none when the
# user set only PULUMI_CONFIG_PASSPHRASE_FILE (pulumi prefers
# PULUMI_CONFIG_PASSPHRASE and would ignore the file). It knows no stack;
# `npm run pulumi` goes through export_pulumi_env instead.
pulumi_env() {
  pulumi_base_env
  if [ $# -gt 0 ]; then
    # A stack is named (--stack NAME): the same rule as `npm run pulumi`.
    export_pulumi_passphrase "$@" || return 1
    if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then echo "PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE"; fi
    return 0
  fi
  if is_shared_backend; then
    # No default on a shared backend: the user's own or none.
    refuse_lab_passphrase || return 1
    if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then echo "PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE"; fi
    return 0
  fi
  if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    echo "PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-$LAB_PASSPHRASE}"
  fi
}

# is_lab_stack NAME: whether NAME (or org/project/NAME) is one of LAB_STACKS.
is_lab_stack() {
  local s
  for s in "${LAB_STACKS[@]}"; do
    if [ "${1##*/}" = "$s" ]; then return 0; fi
  done
  return 1
}

# selected_stack [DIR]: the stack pulumi takes when the command names none, run
# in DIR (default PROJECT_ROOT): PULUMI_STACK, else the one `pulumi stack
# select` recorded for the project found from DIR upwards, in
# PULUMI_HOME/workspaces/<project>-<sha1 of the Pulumi.yaml path>-workspace.json
# ({"stack": "organization/<project>/<name>"}). Prints nothing when none is.
# Reading that file takes milliseconds; `pulumi stack --show-name` half a second.
selected_stack() {
  if [ -n "${PULUMI_STACK+set}" ]; then
    echo "$PULUMI_STACK"
    return 0
  fi
  local dir yaml="" sum f
  if [ -n "${1:-}" ]; then
    # pulumi's --cwd: pulumi then sees the physical path.
    dir=$(cd "$PROJECT_ROOT" && cd "$1" 2>/dev/null && pwd -P) || return 0
  else
    dir=$PROJECT_ROOT # where scripts/pulumi.sh runs pulumi
  fi
  while [ -z "$yaml" ]; do
    if [ -f "$dir/Pulumi.yaml" ]; then
      yaml=$dir/Pulumi.yaml
    elif [ -f "$dir/Pulumi.yml" ]; then
      yaml=$dir/Pulumi.yml
    elif [ "$dir" = / ]; then
      return 0
    else
      dir=$(dirname "$dir")
    fi
  done
  sum=$(printf %s "$yaml" | sha1sum)
  for f in "$PULUMI_HOME_DIR/workspaces/"*"-${sum%% *}-workspace.json"; do
    if [ -f "$f" ]; then sed -n 's/^[[:space:]]*"stack":[[:space:]]*"\([^"]*\)".*/\1/p' "$f"; fi
    return 0
  done
}

# pulumi_command_stack ARGS...: the stack the pulumi command line ARGS works on.
# Prints the stack named by --stack X, --stack=X, -s X, -sX, -s=X, -ys X or
# PULUMI_OPTION_STACK (pulumi reads any flag from PULUMI_OPTION_<FLAG>), or by
# `stack init|new|select|rm|remove X`; when several are named, the first that
# is not a lab stack. Prints nothing for a command without a stack (none, help,
# version, plugin, login, logout, whoami, gen-completion, stack ls, --help).
# Otherwise prints selected_stack (nothing when none is selected).
pulumi_command_stack() {
  local a c cwd=${PULUMI_OPTION_CWD:-} flag=${PULUMI_OPTION_STACK:-} help="" named=() words=() s
  while [ $# -gt 0 ]; do
    a=$1
    shift
    case $a in
      --) # the rest are positional
        words+=("$@")
        break
        ;;
      --stack)
        flag=${1-}
        shift $(($# > 0))
        ;;
      --stack=*) flag=${a#*=} ;;
      --cwd)
        cwd=${1-}
        shift $(($# > 0))
        ;;
      --cwd=*) cwd=${a#*=} ;;
      # The other flags that take a value: pulumi's global ones and those of
      # stack init/select, so that their values are not taken for a stack.
      --color | --tracing | --tracing-header | --otel-traces | --profiling | --memprofilerate | --verbose | \
        --secrets-provider | --copy-config-from | --teams) shift $(($# > 0)) ;;
      --help) help=1 ;;
      -[!-]*) # shorthands, one or several (-s prod, -sprod, -s=prod, -ys prod)
        a=${a#-}
        while [ -n "$a" ]; do
          c=${a:0:1}
          a=${a:1}
          case $c in
            s | C | v) # these take a value: the rest of the word, else the next one
              if [ -n "$a" ]; then a=${a#=}; else
                a=${1-}
                shift $(($# > 0))
              fi
              if [ "$c" = s ]; then flag=$a; elif [ "$c" = C ]; then cwd=$a; fi
              break
              ;;
            h) help=1 ;;
          esac
        done
        ;;
      -*) ;;
      *) words+=("$a") ;;
    esac
  done
  if [ -n "$flag" ]; then named+=("$flag"); fi
  if [ "${words[0]:-}" = stack ]; then
    case ${words[1]:-} in
      init | new | select | rm | remove) named+=("${words[@]:2}") ;;
    esac
  fi
  if [ ${#named[@]} -gt 0 ]; then
    for s in "${named[@]}"; do
      if ! is_lab_stack "$s"; then
        echo "$s"
        return 0
      fi
    done
    echo "${named[0]}"
    return 0
  fi
  if [ -n "$help" ]; then return 0; fi
  case "${words[0]:-} ${words[1]:-}" in
    " " | "help "* | "version "* | "plugin "* | "login "* | "logout "* | "whoami "* | "gen-completion "* | "stack ls" | "stack list") return 0 ;;
  esac
  selected_stack "$cwd"
}

# is_shared_backend: whether PULUMI_BACKEND_URL names a backend others share
# (postgres://, s3://, gs://, azblob://, the Pulumi Cloud): anything but file://.
is_shared_backend() {
  case ${PULUMI_BACKEND_URL:-} in
    "" | file://*) return 1 ;;
    *) return 0 ;;
  esac
}

# redacted_backend_url: PULUMI_BACKEND_URL with any user:password@ masked.
redacted_backend_url() {
  printf '%s\n' "${PULUMI_BACKEND_URL:-}" | sed -E 's#//[^/@]*@#//****@#'
}

# refuse_lab_passphrase: on a shared backend, returns 1 with the fix on stderr
# when the passphrase in use (PULUMI_CONFIG_PASSPHRASE, else the first line of
# PULUMI_CONFIG_PASSPHRASE_FILE) is the lab's, which is published in this
# repository and so protects nothing.
refuse_lab_passphrase() {
  local p=${PULUMI_CONFIG_PASSPHRASE:-}
  if [ -z "$p" ] && [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ -r "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
    IFS= read -r p <"$PULUMI_CONFIG_PASSPHRASE_FILE" || true
  fi
  if [ "$p" != "$LAB_PASSPHRASE" ]; then return 0; fi
  {
    echo "pulumi-lvs: the lab's passphrase is public (scripts/lib.sh); it is refused on a shared backend ($(redacted_backend_url))."
    echo "Use the team's own: export PULUMI_CONFIG_PASSPHRASE=...   (or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>)"
    echo "A stack already encrypted with it: pulumi stack change-secrets-provider passphrase --stack NAME (docs/team.md)"
  } >&2
  return 1
}

# export_pulumi_passphrase ARGS...: the passphrase for the pulumi command line
# ARGS. The user's PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE
# stays as it is, and nothing sets the other one: pulumi prefers
# PULUMI_CONFIG_PASSPHRASE and would ignore the file. An empty
# PULUMI_CONFIG_PASSPHRASE counts as unset and is removed (pulumi would take
# "" for the passphrase and ignore the file). Without either, a lab stack
# (LAB_STACKS) gets LAB_PASSPHRASE, a command without a stack gets none, and
# any other stack is refused: returns 1 with the fix on stderr. On a shared
# backend (is_shared_backend) no stack gets a default and the lab's
# passphrase is refused even when the user sets it.
export_pulumi_passphrase() {
  if is_shared_backend; then
    refuse_lab_passphrase || return 1
    if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then return 0; fi
    unset PULUMI_CONFIG_PASSPHRASE
    if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then return 0; fi
    local shared
    shared=$(pulumi_command_stack "$@")
    if [ -z "$shared" ]; then return 0; fi
    {
      echo "pulumi-lvs: stack ${shared##*/}: no passphrase. On a shared backend ($(redacted_backend_url)) every stack, the lab's too, needs the team's own."
      echo "Set it before every command (docs/team.md says who holds it and how to rotate it):"
      echo "  export PULUMI_CONFIG_PASSPHRASE=...   (or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>)"
    } >&2
    return 1
  fi
  if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then return 0; fi
  unset PULUMI_CONFIG_PASSPHRASE
  if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then return 0; fi
  local stack labs
  stack=$(pulumi_command_stack "$@")
  stack=${stack##*/} # organization/<project>/<name>
  if [ -z "$stack" ]; then return 0; fi
  if is_lab_stack "$stack"; then
    export PULUMI_CONFIG_PASSPHRASE=$LAB_PASSPHRASE
    return 0
  fi
  labs=$(printf '%s, ' "${LAB_STACKS[@]}")
  {
    echo "pulumi-lvs: stack $stack: no passphrase. The lab's passphrase is only for the lab's stacks (${labs%, })."
    echo "Set your own before \`pulumi stack init $stack\` and every later command on $stack:"
    echo "  export PULUMI_CONFIG_PASSPHRASE=...   (or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>)"
  } >&2
  return 1
}

# export_pulumi_env [ARGS...] exports the CLI's environment into the current
# shell for the pulumi command line ARGS (default: the arguments of the script
# that sourced this file, LIB_CALLER_ARGS): pulumi_base_env and
# export_pulumi_passphrase. For a stack that is not the lab's, when the user
# set no passphrase, it returns 1 having exported none; its callers run under
# `set -e` and so stop before pulumi.
export_pulumi_env() {
  local line
  while IFS= read -r line; do export "${line?}"; done < <(pulumi_base_env)
  mkdir -p "$PULUMI_HOME_DIR" "$STATE_DIR"
  if [ $# -eq 0 ]; then set -- "${LIB_CALLER_ARGS[@]}"; fi
  export_pulumi_passphrase "$@"
}
