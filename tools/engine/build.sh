#!/usr/bin/env bash
# Puts the Pulumi engine pieces at the pinned versions into <repo>/.tools/bin and registers the
# provider plugins, so `lab:up` and `npm run test:engine` never download anything:
#   pulumi                    CLI, built from its Go module (tools/engine/cli pins
#                             github.com/pulumi/pulumi/pkg/v3 at packages/tooling/versions.json "pulumi")
#   pulumi-language-nodejs    the CLI's Node.js language host  } no registry here serves these as
#   pulumi-resource-command   provider plugin @pulumi/command  } binaries: supply them (a Pulumi
#   pulumi-resource-docker    provider plugin @pulumi/docker   } release, or a build of your own)
# Supplied binaries: PULUMI_LANGUAGE_NODEJS_BIN, PULUMI_RESOURCE_COMMAND_BIN,
# PULUMI_RESOURCE_DOCKER_BIN (each checked for its version where the binary can tell it).
# On a connected machine the engine downloads the two plugins itself on first use.
#
# Usage: bash tools/engine/build.sh [--cli-only]   Env: PULUMI_HOME (plugin cache; default ~/.pulumi)
#   --cli-only: just the CLI (what lab:up's preflight obtains itself)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
BIN_DIR="$REPO_ROOT/.tools/bin"
PULUMI_VERSION="$(node -p "require('$REPO_ROOT/packages/tooling/versions.json').pulumi.version")"
COMMAND_VERSION="$(node -p "require('$REPO_ROOT/packages/tooling/versions.json').pulumiCommand.version.replace(/^v/, '')")"
DOCKER_VERSION="$(node -p "require('$REPO_ROOT/packages/tooling/versions.json').pulumiDocker.version")"

export GOFLAGS="${GOFLAGS:--buildvcs=false}" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }
started=$SECONDS
mkdir -p "$BIN_DIR"

# --- the CLI ------------------------------------------------------------------------------------
PULUMI="$BIN_DIR/pulumi"
if [[ -x "$PULUMI" && "$("$PULUMI" version 2>/dev/null)" == "$PULUMI_VERSION" ]]; then
  log "pulumi $PULUMI_VERSION: cached ($PULUMI)"
else
  got="$(go -C "$SCRIPT_DIR/cli" list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)"
  [[ "$got" == "$PULUMI_VERSION" ]] || die "tools/engine/cli pins pkg/v3 $got, packages/tooling/versions.json says $PULUMI_VERSION"
  log "building pulumi $PULUMI_VERSION from its Go module (minutes on 2 cores) ..."
  go -C "$SCRIPT_DIR/cli" build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$PULUMI.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv -f "$PULUMI.tmp" "$PULUMI"
  log "built pulumi in $((SECONDS - started)) s"
fi

if [[ ${1:-} == --cli-only ]]; then
  log "pulumi $PULUMI_VERSION ready in $BIN_DIR"
  exit 0
fi

# --- the language host: supplied, or already beside the CLI / on PATH ----------------------------
LH="$BIN_DIR/pulumi-language-nodejs"
if [[ -n "${PULUMI_LANGUAGE_NODEJS_BIN:-}" ]]; then
  got="$("$PULUMI_LANGUAGE_NODEJS_BIN" -version 2>/dev/null || true)"
  [[ "$got" == "$PULUMI_VERSION" ]] || die "$PULUMI_LANGUAGE_NODEJS_BIN reports '${got:-?}', want $PULUMI_VERSION"
  cp -f "$PULUMI_LANGUAGE_NODEJS_BIN" "$LH"
  log "pulumi-language-nodejs: copied from $PULUMI_LANGUAGE_NODEJS_BIN"
elif [[ ! -x "$LH" ]] && ! command -v pulumi-language-nodejs >/dev/null; then
  die "pulumi-language-nodejs $PULUMI_VERSION missing: set PULUMI_LANGUAGE_NODEJS_BIN=<binary> (it ships with every Pulumi CLI release)"
fi

# --- the provider plugins: registered in the plugin cache ----------------------------------------
register() { # name version env-var
  local name=$1 version=$2 supplied=${!3:-}
  if "$PULUMI" plugin ls 2>/dev/null | awk -v n="$name" -v v="$version" '$1 == n && $2 == "resource" && $3 == v { f = 1 } END { exit !f }'; then
    log "plugin $name $version: registered"
  elif [[ -n "$supplied" ]]; then
    "$PULUMI" plugin install resource "$name" "$version" --file "$supplied" --reinstall
    log "plugin $name $version: registered from $supplied"
  else
    die "plugin $name $version missing: set $3=<pulumi-resource-$name binary>"
  fi
}
register command "$COMMAND_VERSION" PULUMI_RESOURCE_COMMAND_BIN
register docker "$DOCKER_VERSION" PULUMI_RESOURCE_DOCKER_BIN

log "ready in $((SECONDS - started)) s: $("$PULUMI" version), language host $("${LH}" -version 2>/dev/null || command -v pulumi-language-nodejs)"
log "add to PATH: export PATH=\"$BIN_DIR:\$PATH\""
