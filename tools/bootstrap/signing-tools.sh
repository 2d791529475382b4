#!/usr/bin/env bash
# Ensures cosign, syft, oras (promotion between registries), the Sigstore timestamp authority
# (timestamp-server) and Rekor v2 (rekor-server, the POSIX build of rekor-tiles) of the versions
# pinned in packages/tooling/versions.json
# are available in <repo>/.tools/bin (project-local; add it to PATH).
#  - already in .tools/bin with the right version  -> nothing to do (seconds)
#  - a binary on PATH reports exactly that version  -> copied into .tools/bin
#  - otherwise                                      -> GOBIN=.tools/bin go install MODULE@VERSION
# syft gets the -X main.version/... ldflags its release build uses, so
# `syft version` and the SBOM creator field carry the version.
# timestamp-server's go.mod asks for a newer Go than the machine's: it is built with the
# toolchain pinned beside it (GOTOOLCHAIN, fetched through the Go module proxy).
# Arguments: the tools to ensure (cosign, syft, oras, timestamp-server, rekor-server,
# policy-check); default all six. lab:up's preflight asks for the ones the lab itself runs.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ -f $VERSIONS_JSON ]] || die "missing $VERSIONS_JSON"
command -v node >/dev/null || die "node is needed to read $VERSIONS_JSON"
COSIGN_VERSION=$(node -p "require('$VERSIONS_JSON').cosign.version")
COSIGN_MODULE=$(node -p "require('$VERSIONS_JSON').cosign.module")
SYFT_VERSION=$(node -p "require('$VERSIONS_JSON').syft.version")
SYFT_MODULE=$(node -p "require('$VERSIONS_JSON').syft.module")
ORAS_VERSION=$(node -p "require('$VERSIONS_JSON').oras.version")
ORAS_MODULE=$(node -p "require('$VERSIONS_JSON').oras.module")
TSA_VERSION=$(node -p "require('$VERSIONS_JSON').timestampAuthority.version")
TSA_MODULE=$(node -p "require('$VERSIONS_JSON').timestampAuthority.module")
TSA_GOTOOLCHAIN=$(node -p "require('$VERSIONS_JSON').timestampAuthority.goToolchain")
REKOR_VERSION=$(node -p "require('$VERSIONS_JSON').rekorTiles.version")
REKOR_MODULE=$(node -p "require('$VERSIONS_JSON').rekorTiles.module")
[[ $COSIGN_VERSION == v* && $SYFT_VERSION == v* && $ORAS_VERSION == v* && $TSA_VERSION == v* ]] || die "versions in $VERSIONS_JSON must start with v"

mkdir -p "$BIN_DIR"

# Version strings as reported by the binaries (without the leading v).
cosign_version_of() { "$1" version 2>/dev/null | awk '/^GitVersion:/ {sub(/^v/, "", $2); print $2}'; }
syft_version_of()   { SYFT_CHECK_FOR_APP_UPDATE=false "$1" version 2>/dev/null | awk '/^Version:/ {sub(/^v/, "", $2); print $2}'; }
# oras reads its version from the module's build info (go install sets it).
oras_version_of()   { "$1" version 2>/dev/null | awk '/^Version:/ {sub(/^v/, "", $2); print $2}'; }
# timestamp-server and rekor-server print the same release-utils block as cosign (GitVersion).
release_version_of() { "$1" version 2>/dev/null | awk '/^GitVersion:/ {sub(/^v/, "", $2); print $2}'; }

find_go() {
  if command -v go >/dev/null; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "no Go toolchain found (need Go >= 1.26.8 on PATH or /usr/local/go/bin/go)"; fi
}

# ensure NAME VERSION MODULE VERSION_FN [extra go install args...]
# ENSURE_GOTOOLCHAIN: the Go toolchain to build with (default: the caller's GOTOOLCHAIN).
# ENSURE_BUILT_AS: the name go install gives the binary when it is not NAME (installed as NAME).
ensure() {
  local name=$1 version=$2 module=$3 version_fn=$4; shift 4
  local want=${version#v} target="$BIN_DIR/$name" have onpath
  if [[ -x $target ]]; then
    have=$($version_fn "$target" || true)
    if [[ $have == "$want" ]]; then
      log "$name $version already in $BIN_DIR"
      return 0
    fi
    log "$target reports version '${have:-?}', want $want: replacing"
  fi
  onpath=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN_DIR" | paste -sd: -) \
           command -v "$name" 2>/dev/null || true)
  if [[ -n $onpath ]]; then
    have=$($version_fn "$onpath" || true)
    if [[ $have == "$want" ]]; then
      log "using $onpath ($name $have from PATH), copying into $BIN_DIR"
      install -m 0755 "$onpath" "$target"
      return 0
    fi
    log "$onpath reports version '${have:-?}', not $want: building instead"
  fi
  local go; go=$(find_go)
  log "building $name: GOBIN=$BIN_DIR $go install $* $module@$version (several minutes on 2 cores)"
  local t0=$SECONDS
  # GOWORK=off / GOFLAGS cleared: a workspace or -mod flag in the caller's
  # environment must not change what `go install pkg@version` does.
  local gobin=$BIN_DIR
  [[ -z ${ENSURE_BUILT_AS:-} ]] || gobin=$(mktemp -d "${TMPDIR:-/tmp}/signing-tools.XXXXXX")
  GOBIN="$gobin" GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOTOOLCHAIN="${ENSURE_GOTOOLCHAIN:-${GOTOOLCHAIN:-auto}}" \
    "$go" install "$@" "$module@$version" \
    || die "go install $module@$version failed (needs the Go module proxy; if it asks for a newer Go, retry with GOTOOLCHAIN=$TSA_GOTOOLCHAIN)"
  if [[ -n ${ENSURE_BUILT_AS:-} ]]; then
    install -m 0755 "$gobin/$ENSURE_BUILT_AS" "$target" && rm -rf "$gobin"
  fi
  have=$($version_fn "$target" || true)
  [[ $have == "$want" ]] || die "built $target but it reports version '${have:-?}', expected $want"
  log "built $name $version in $((SECONDS - t0))s"
}

wanted=" ${*:-cosign syft oras timestamp-server rekor-server policy-check} "
wants() { [[ $wanted == *" $1 "* ]]; }

! wants cosign || ensure cosign "$COSIGN_VERSION" "$COSIGN_MODULE" cosign_version_of -trimpath

# syft's release build: -X main.version={{.Version}} (no leading v), plus
# gitCommit/buildDate/gitDescription (see syft's .goreleaser.yaml, cmd/syft/main.go).
syft_ldflags() {
  local go info meta date commit
  go=$(find_go)
  # `go mod download -json` names the proxy's .info file: {"Version","Time"[,"Origin":{"Hash"}]}.
  info=$(GOWORK=off GOFLAGS= "$go" mod download -json "${SYFT_MODULE%%/cmd/*}@$SYFT_VERSION" 2>/dev/null || true)
  meta=$(printf '%s' "$info" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      let t = "", h = "";
      try { const i = JSON.parse(require("fs").readFileSync(JSON.parse(s).Info, "utf8"));
            t = i.Time || ""; h = (i.Origin && i.Origin.Hash) || ""; } catch {}
      process.stdout.write(`${t} ${h}`);
    });')
  read -r date commit <<<"$meta" || true
  printf -- '-s -w -X main.version=%s -X main.gitCommit=%s -X main.buildDate=%s -X main.gitDescription=%s' \
    "${SYFT_VERSION#v}" "${commit:-unknown}" "${date:-unknown}" "$SYFT_VERSION"
}
! wants syft || ensure syft "$SYFT_VERSION" "$SYFT_MODULE" syft_version_of -trimpath -ldflags "$(syft_ldflags)"

# Promotion between registries: `oras cp -r` (cosign v3 deprecates `cosign copy`).
! wants oras || ensure oras "$ORAS_VERSION" "$ORAS_MODULE" oras_version_of -trimpath

# The lab's timestamp authority (transparency: timestamps). Its go.mod asks for Go 1.27.
! wants timestamp-server || ENSURE_GOTOOLCHAIN=$TSA_GOTOOLCHAIN \
  ensure timestamp-server "$TSA_VERSION" "$TSA_MODULE" release_version_of -trimpath

# The lab's transparency log, Rekor v2 (transparency: timestamps+log).
! wants rekor-server || ENSURE_BUILT_AS=posix \
  ensure rekor-server "$REKOR_VERSION" "$REKOR_MODULE" release_version_of -trimpath

# lab-policy-check: the lab's independent signature verifier on containers/image (Debian's
# skopeo has sigstore disabled). Rebuilt when its sources change (a stamp holds their hash).
ensure_policy_check() {
  local src="$REPO_ROOT/tools/policy-check" target="$BIN_DIR/lab-policy-check" stamp want go t0
  want=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -d' ' -f1)
  stamp="$target.sources-sha256"
  if [[ -x $target && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    log "lab-policy-check up to date in $BIN_DIR"
    return 0
  fi
  go=$(find_go); t0=$SECONDS
  log "building lab-policy-check from tools/policy-check (containers/image, pure Go)"
  (cd "$src" && GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$go" build -trimpath \
     -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper" -o "$target" .) \
    || die "building tools/policy-check failed"
  printf '%s' "$want" > "$stamp"
  log "built lab-policy-check in $((SECONDS - t0))s"
}
! wants policy-check || ensure_policy_check

log "in use (add to PATH: export PATH=\"$BIN_DIR:\$PATH\"):"
! wants cosign || "$BIN_DIR/cosign" version 2>&1 | sed -n '/^GitVersion:/,/^Platform:/p' | sed 's/^/  cosign: /'
! wants syft || SYFT_CHECK_FOR_APP_UPDATE=false "$BIN_DIR/syft" version 2>&1 | sed 's/^/  syft:   /'
! wants oras || "$BIN_DIR/oras" version 2>&1 | sed -n '/^Version:/p' | sed 's/^/  oras:   /'
! wants timestamp-server || "$BIN_DIR/timestamp-server" version 2>&1 | sed -n '/^GitVersion:/p' | sed 's/^/  timestamp-server: /'
! wants rekor-server || "$BIN_DIR/rekor-server" version 2>&1 | sed -n '/^GitVersion:/p' | sed 's/^/  rekor-server: /'
