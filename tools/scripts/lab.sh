#!/usr/bin/env bash
# The lab's main job: `npm run lab:up` stands the lab up with `pulumi up`, `npm run lab:destroy`
# takes it down. Embedded defaults: Pulumi's local file backend in .pulumi-state/ (no cloud
# login), the passphrase secrets provider, stack `dev`.
#
# Environment:
#   PULUMI_CONFIG_PASSPHRASE  passphrase of the stack's secrets; default: one generated once into
#                             .pulumi-state/passphrase (mode 0600, git-ignored)
#   LAB_COSIGN_PASSWORD       password for the generated cosign key; default: a random one, stored
#                             only as an encrypted stack secret
#   LAB_LOCAL_IMAGES=1        use the images tools/bootstrap/local-images.sh builds (machines
#                             without Docker Hub) as registryImage and baseImage
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:-up}
STACK=${LAB_STACK:-dev}

die() { printf 'lab: %s\n' "$*" >&2; exit 1; }
log() { printf 'lab: %s\n' "$*"; }

export PATH="$PWD/.tools/bin:$PATH"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p .pulumi-state
if [[ -z ${PULUMI_CONFIG_PASSPHRASE:-} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
  if [[ ! -f .pulumi-state/passphrase ]]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' > .pulumi-state/passphrase)
    log "generated the stack passphrase into .pulumi-state/passphrase"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE=$PWD/.pulumi-state/passphrase
fi

# The Pulumi CLI and its Node.js language host: on PATH or in .tools/bin (tools/engine/build.sh).
# Never an unpinned download.
command -v pulumi >/dev/null ||
  die "pulumi is not on PATH: build the pinned CLI with 'bash tools/engine/build.sh' (see the README)"
command -v pulumi-language-nodejs >/dev/null ||
  die "pulumi-language-nodejs (the CLI's Node.js language host) is not on PATH; it ships with the Pulumi CLI release"

for tool in docker cosign syft skopeo curl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (tools/bootstrap/ installs it; see the README)"
done
docker info >/dev/null 2>&1 || die "no Docker daemon answers (start it, or run tools/bootstrap/docker-daemon.sh)"

[[ -d node_modules ]] || npm ci --no-audit --no-fund
[[ -d packages/studentbook/node_modules ]] || npm ci --omit=dev --no-audit --no-fund --prefix packages/studentbook
NX_DAEMON=false npx nx run-many -t build --output-style=static >/dev/null

pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK" --secrets-provider passphrase

# Re-verifies what the stack says is deployed against the registry now; non-zero on a mismatch.
lab_status() {
  local user password
  user=$(pulumi config get --path 'registryAuth.users[0].username' --stack "$STACK" 2>/dev/null || true)
  password=$(pulumi config get --path 'registryAuth.users[0].password' --stack "$STACK" 2>/dev/null || true)
  pulumi stack output --json --stack "$STACK" |
    LAB_REGISTRY_USERNAME=$user LAB_REGISTRY_PASSWORD=$password node tools/dist/bin/lab-status.js
}

case $action in
  up)
    if ! pulumi config get cosignPassword --stack "$STACK" >/dev/null 2>&1; then
      password=${LAB_COSIGN_PASSWORD:-$(node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))')}
      printf '%s' "$password" | pulumi config set --secret cosignPassword --stack "$STACK"
      log "set cosignPassword (secret)"
    fi
    if [[ ${LAB_LOCAL_IMAGES:-} == 1 ]]; then
      set_config() { [[ $(pulumi config get "$1" --stack "$STACK" 2>/dev/null) == "$2" ]] || pulumi config set "$1" "$2" --stack "$STACK"; }
      set_config registryImage signed-image-lab/registry:2.8.2
      set_config baseImage signed-image-lab/node-base:bookworm
    fi
    pulumi up --yes --stack "$STACK"
    lab_status
    ;;
  status)
    lab_status
    ;;
  destroy)
    pulumi destroy --yes --stack "$STACK"
    ;;
  *)
    die "usage: lab.sh up|status|destroy"
    ;;
esac
