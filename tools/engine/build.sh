#!/usr/bin/env bash
# Builds (or reuses) the Pulumi engine pieces at the versions pinned in tools/versions.json:
#   pulumi                   CLI        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi            (module: tools/engine/cli)
#   pulumi-language-nodejs   lang host  github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
#   pulumi-resource-command  provider   github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command
# into <repo>/.tools/bin, then registers the command provider with `pulumi plugin install --file`
# so the engine never tries to download it.
#
# Language host and command provider: their Go modules are NOT served by the Go module proxy this
# project can reach (403 "This module version is not available" for every version, tags and
# pseudo-versions alike). They are built from a tools module only if one exists
# (tools/engine/nodejs/go.mod, tools/engine/command/go.mod); otherwise a prebuilt binary of the
# pinned version must be supplied: on PATH, already in .tools/bin, or via
# PULUMI_LANGUAGE_NODEJS_BIN / PULUMI_RESOURCE_COMMAND_BIN (copied into .tools/bin).
#
# tools/engine/langhost pins the older language host that github.com/pulumi/pulumi/sdk/v3@v3.68.0
# still contains (the proxy serves that module). It ran this project's program with the real CLI
# in a manual probe (see the README); this script does not build it: that host has no -version
# flag, ignores Pulumi.yaml's runtime options, and no command provider exists for it to use.
#
# Usage: tools/engine/build.sh            (prints `export PATH=...` hint at the end)
# Env:   PULUMI_HOME (where the provider plugin is registered; default ~/.pulumi)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
VERSIONS_JSON="$REPO_ROOT/tools/versions.json"
BIN_DIR="$REPO_ROOT/.tools/bin"

PULUMI_VERSION="$(node -p "require('$VERSIONS_JSON').pulumi.version")"          # v3.248.0
COMMAND_VERSION="$(node -p "require('$VERSIONS_JSON').pulumiCommand.version")"  # v1.2.1
COMMAND_PLUGIN_VERSION="${COMMAND_VERSION#v}"                                   # 1.2.1

# Keep the Go toolchain and the engine itself off the network except for the module proxy.
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

T_ALL="$(now)"

# --- version probes -------------------------------------------------------------------------------
# pulumi version                    -> v3.248.0
# pulumi-language-nodejs -version   -> v3.248.0
# pulumi-resource-command           -> has no version flag; read the -X ldflag that `go build` records in
#                                      the binary's build info (`go version -m`). The go command omits
#                                      -ldflags from build info under -trimpath, so the provider is
#                                      built WITHOUT -trimpath.
cli_version() { "$1" version 2>/dev/null | head -n1 || true; }
langhost_version() { "$1" -version 2>/dev/null | head -n1 || true; }
provider_version() {
  go version -m "$1" 2>/dev/null |
    sed -n 's/.*pulumi-command\/provider\/pkg\/version\.Version=\([^ "]*\).*/\1/p' | head -n1 || true
}

# Module version pinned in a tools module's go.mod (fails loudly if it drifts from versions.json).
check_module_pin() { # dir module want
  local got
  got="$(go -C "$1" list -m -f '{{.Version}}' "$2")"
  [[ "$got" == "$3" ]] || die "$1/go.mod pins $2 $got, tools/versions.json says $3 (run: go -C $1 get -tool <pkg>@$3 && go -C $1 mod tidy)"
}

# build <name> <tools-module-dir> <package> <ldflags> [extra go build flags...]
build_bin() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4" t
  shift 4
  t="$(now)"
  log "building $name from $pkg (module $dir) ..."
  mkdir -p "$BIN_DIR"
  go -C "$dir" build "$@" -ldflags "$ldflags" -o "$BIN_DIR/$name.tmp" "$pkg"
  mv -f "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  log "built $name in $(elapsed "$t") ($(du -h "$BIN_DIR/$name" | cut -f1))"
}

# use_prebuilt <name> <env-var-value> <version-fn> <want>: copy a supplied binary into BIN_DIR.
use_prebuilt() {
  local name="$1" src="$2" fn="$3" want="$4" got
  [[ -n "$src" ]] || return 1
  [[ -x "$src" ]] || die "$name: $src is not an executable file"
  got="$("$fn" "$src")"
  [[ "$got" == "$want" ]] || die "$name: $src reports version '${got:-?}', want $want"
  mkdir -p "$BIN_DIR"
  cp -f "$src" "$BIN_DIR/$name.tmp" && mv -f "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  log "$name: using supplied $src ($got)"
}

# --- 1. CLI + language host: prefer a matching install on PATH ------------------------------------
USE_PATH=false
if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1; then
  p="$(command -v pulumi)"
  if [[ "$(dirname "$p")" != "$BIN_DIR" && "$(cli_version "$p")" == "$PULUMI_VERSION" &&
    "$(langhost_version "$(command -v pulumi-language-nodejs)")" == "$PULUMI_VERSION" ]]; then
    USE_PATH=true
    PULUMI="$p"
    log "using pulumi on PATH: $p ($PULUMI_VERSION) and $(command -v pulumi-language-nodejs)"
  fi
fi

if [[ "$USE_PATH" == false ]]; then
  PULUMI="$BIN_DIR/pulumi"

  # CLI
  if [[ -x "$PULUMI" && "$(cli_version "$PULUMI")" == "$PULUMI_VERSION" ]]; then
    log "pulumi $PULUMI_VERSION: cached ($PULUMI)"
  else
    check_module_pin "$SCRIPT_DIR/cli" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION"
    build_bin pulumi "$SCRIPT_DIR/cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" -trimpath
  fi

  # Node.js language host (looked up by the CLI next to the pulumi binary or on PATH)
  LH="$BIN_DIR/pulumi-language-nodejs"
  if [[ -x "$LH" && "$(langhost_version "$LH")" == "$PULUMI_VERSION" ]]; then
    log "pulumi-language-nodejs $PULUMI_VERSION: cached ($LH)"
  elif [[ -f "$SCRIPT_DIR/nodejs/go.mod" ]]; then
    build_bin pulumi-language-nodejs "$SCRIPT_DIR/nodejs" \
      github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" -trimpath
  elif use_prebuilt pulumi-language-nodejs "${PULUMI_LANGUAGE_NODEJS_BIN:-}" langhost_version "$PULUMI_VERSION"; then
    :
  elif command -v pulumi-language-nodejs >/dev/null 2>&1 &&
    [[ "$(langhost_version "$(command -v pulumi-language-nodejs)")" == "$PULUMI_VERSION" ]]; then
    log "pulumi-language-nodejs: using $(command -v pulumi-language-nodejs)"
  else
    die "pulumi-language-nodejs $PULUMI_VERSION not available: its Go module is not served by the module proxy here; set PULUMI_LANGUAGE_NODEJS_BIN=<prebuilt binary> or add tools/engine/nodejs/go.mod"
  fi
fi

# --- 2. command provider --------------------------------------------------------------------------
PROV="$BIN_DIR/pulumi-resource-command"
if [[ -x "$PROV" && "$(provider_version "$PROV")" == "$COMMAND_PLUGIN_VERSION" ]]; then
  log "pulumi-resource-command $COMMAND_PLUGIN_VERSION: cached ($PROV)"
elif [[ -f "$SCRIPT_DIR/command/go.mod" ]]; then
  build_bin pulumi-resource-command "$SCRIPT_DIR/command" \
    github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command \
    "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_PLUGIN_VERSION"
elif use_prebuilt pulumi-resource-command "${PULUMI_RESOURCE_COMMAND_BIN:-}" provider_version "$COMMAND_PLUGIN_VERSION"; then
  :
else
  die "pulumi-resource-command $COMMAND_PLUGIN_VERSION not available: its Go module is not served by the module proxy here; set PULUMI_RESOURCE_COMMAND_BIN=<prebuilt binary> or add tools/engine/command/go.mod"
fi

# --- 3. register the provider so the engine never downloads it ------------------------------------
# Plugins live in $PULUMI_HOME/plugins/<kind>-<name>-v<version>/ (PULUMI_HOME defaults to ~/.pulumi).
PLUGIN_DIR="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-command-v$COMMAND_PLUGIN_VERSION"
if cmp -s "$PROV" "$PLUGIN_DIR/pulumi-resource-command" && [[ ! -e "$PLUGIN_DIR.partial" ]]; then
  log "plugin resource command $COMMAND_PLUGIN_VERSION: already registered ($PLUGIN_DIR)"
else
  t="$(now)"
  "$PULUMI" plugin install resource command "$COMMAND_PLUGIN_VERSION" --file "$PROV" --reinstall
  log "registered plugin resource command $COMMAND_PLUGIN_VERSION in $(elapsed "$t") ($PLUGIN_DIR)"
fi

# --- summary --------------------------------------------------------------------------------------
LH_USED="$(dirname "$PULUMI")/pulumi-language-nodejs"
[[ -x "$LH_USED" ]] || LH_USED="$(command -v pulumi-language-nodejs || true)"
log "versions: pulumi $(cli_version "$PULUMI"), pulumi-language-nodejs $(langhost_version "$LH_USED") ($LH_USED), pulumi-resource-command $(provider_version "$PROV")"
log "go: $(go version)"
log "total: $(elapsed "$T_ALL")"
if [[ "$USE_PATH" == false ]]; then
  log "add to PATH: export PATH=\"$BIN_DIR:\$PATH\""
fi
