# Sourced by the bootstrap scripts: strict mode, messages tagged with the script's name, and
# the repository's paths. Not run on its own.
set -euo pipefail
LAB_TAG=$(basename "$0" .sh)
log() { printf '[%s] %s\n' "$LAB_TAG" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$LAB_TAG" "$*" >&2; exit 1; }
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
VERSIONS_JSON="$REPO_ROOT/packages/tooling/versions.json"
BIN_DIR="$REPO_ROOT/.tools/bin"
