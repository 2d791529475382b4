#!/usr/bin/env bash
# The lab's main job: `npm run lab:up` stands the lab up with `pulumi up`, `npm run lab:destroy`
# takes it down, `npm run lab:doctor` only says what is there and what is missing. Embedded defaults: Pulumi's local file backend in .pulumi-state/ (no cloud
# login), the passphrase secrets provider, stack `dev`.
# `npm run lab:pulumi -- <args>` runs the pinned pulumi CLI on that backend, passphrase and stack;
# `eval "$(npm run -s lab:env)"` puts the same into your shell, so a plain `pulumi` works there.
# `npm run lab:explain` prints what the lab ran for each step of the seed lab, and how to check it.
#
# Environment:
#   PULUMI_CONFIG_PASSPHRASE  passphrase of the stack's secrets; default: one generated once into
#                             .pulumi-state/passphrase (mode 0600, git-ignored)
#   PULUMI_CONFIG_PASSPHRASE_FILE  a file holding it; generated like the default when it does not exist yet
#   LAB_COSIGN_PASSWORD       password for the generated cosign key; default: a random one, stored
#                             only as an encrypted stack secret
#   LAB_LOCAL_IMAGES=1        use the images tools/bootstrap/local-images.sh builds (machines
#                             without Docker Hub) as registryImage and baseImage
#
# Team mode (docs/teams.md): state in a shared backend instead of .pulumi-state/, e.g.
#   PULUMI_BACKEND_URL=postgres://pulumi@db:5432/pulumi?sslmode=verify-full  PGPASSWORD=…
#   PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE  the team's passphrase (required:
#                             a passphrase generated on one machine would lock the others out)
#   LAB_TEAM_ENV=<file>       reads those from a KEY=value file (mode 0600, never committed;
#                             tools/bootstrap/postgres.sh writes one); the environment wins
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:-up}
(($# == 0)) || shift
STACK=${LAB_STACK:-dev}

# shellcheck source=tools/scripts/stack-config.sh
source tools/scripts/stack-config.sh
# shellcheck source=tools/scripts/run-engine.sh
source tools/scripts/run-engine.sh
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }
log() { printf 'lab: %s\n' "$*"; }
# stage "what" cmd…: a line before and after a long step, with its time.
stage() {
  local what=$1 t0=$SECONDS; shift
  printf 'lab: %s ...\n' "$what" >&2
  "$@" || die "$what failed"
  printf 'lab: %s done in %ss\n' "$what" "$((SECONDS - t0))" >&2
}

export PATH="$PWD/.tools/bin:$PATH"
if [[ -n ${LAB_TEAM_ENV:-} ]]; then
  [[ -f $LAB_TEAM_ENV ]] || die "LAB_TEAM_ENV: no file $LAB_TEAM_ENV"
  [[ $(stat -c %a "$LAB_TEAM_ENV") == [0-7]00 ]] || die "LAB_TEAM_ENV: $LAB_TEAM_ENV holds secrets but others may read it: chmod 600 it"
  ! git ls-files --error-unmatch "$LAB_TEAM_ENV" >/dev/null 2>&1 || die "LAB_TEAM_ENV: $LAB_TEAM_ENV is committed to git; it holds secrets: remove it from the repository"
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^((PULUMI|PG|VAULT|LAB)[A-Z0-9_]*)=(.*)$ ]] || die "LAB_TEAM_ENV: $LAB_TEAM_ENV: expected PULUMI_*/PG*/VAULT_*/LAB_*=value lines, got '${line%%=*}'"
    [[ -n ${!BASH_REMATCH[1]:-} ]] || export "${BASH_REMATCH[1]}=${BASH_REMATCH[3]}"
  done <"$LAB_TEAM_ENV"
fi
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}
export PULUMI_SKIP_UPDATE_CHECK=true
if [[ $PULUMI_BACKEND_URL != file://* ]]; then
  [[ -n ${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]] ||
    die "team mode (PULUMI_BACKEND_URL is not file://): set the team's PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (or LAB_TEAM_ENV)"
  [[ ! $PULUMI_BACKEND_URL =~ ^[a-z]+://[^/@]*:[^/@]*@ ]] ||
    log "warning: PULUMI_BACKEND_URL holds a password; put it in PGPASSWORD instead (the CLI may print the URL)"
  # A running update from this checkout: stop before the build below rewrites what it runs.
  [[ $action == pulumi || $action == env ]] || for pid in $(pgrep -x pulumi || true); do
    [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$PWD" ]] && tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL" &&
      die "an update from this checkout is running right now (pid $pid); wait for it, or stop that process"
  done
fi
mkdir -p .pulumi-state
ensure_passphrase

# `lab:pulumi` and `lab:env`: the pinned CLI with the lab's backend, passphrase and stack; no
# install, no build. PULUMI_STACK selects the stack for every command (--stack still wins).
if [[ $action == pulumi || $action == env ]]; then
  pin=$(node -p "require('./packages/tooling/versions.json').pulumi.version")
  found=$(pulumi version 2>/dev/null || true)
  [[ $found == "$pin" ]] ||
    die "the lab pins pulumi $pin, but ${found:+pulumi $found is first on PATH}${found:-no pulumi is on PATH}: npm run lab:doctor says how to get it"
  export PULUMI_STACK=$STACK
  if [[ $action == pulumi ]]; then
    exec pulumi "$@"
  fi
  # Shell lines for `eval`: no secret on stdout (a team env file is sourced, not printed).
  [[ -n ${LAB_TEAM_ENV:-} ]] && printf 'set -a && . %q && set +a\n' "$(realpath "$LAB_TEAM_ENV")"
  printf 'export PATH=%q:"$PATH"\n' "$PWD/.tools/bin"
  for name in PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_SKIP_UPDATE_CHECK PULUMI_STACK; do
    [[ -n ${!name:-} ]] && printf 'export %s=%q\n' "$name" "${!name}"
  done
  exit 0
fi

# A running update of this stack (same checkout): stop before the build below rewrites what it runs.
for lock in .pulumi-state/.pulumi/locks/organization/*/"$STACK"/*.json; do
  [[ -f $lock ]] || continue
  pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$lock")
  if [[ -n $pid ]] && tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1 | grep -q 'pulumi$'; then
    die "stack $STACK is being updated right now (pid $pid); wait for it, or stop that process"
  fi
done

# npm ci where node_modules is missing or was installed from another lockfile (a pulled upgrade).
# The stamps live in the root node_modules, never inside a build context (studentbook's node_modules is one).
install_locked() { # <dir> <stage label> <npm ci arguments…>
  local dir=$1 label=$2 want stamp
  shift 2
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  stamp=node_modules/.lab-installed/$(printf '%s' "$dir" | tr -c 'A-Za-z0-9' '_').sha256
  [[ -d $dir/node_modules && "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && return 0
  stage "$label" npm ci --no-audit --no-fund "$@"
  mkdir -p node_modules/.lab-installed && echo "$want" >"$stamp"
}
install_locked . "npm ci"
install_locked packages/studentbook "npm ci of studentbook" --omit=dev --prefix packages/studentbook
build() { NX_DAEMON=false npx nx run-many -t build --output-style=static >/dev/null; }
# Nx hashes every input before it finds its cache (4 s on a busy machine, most of a lab:up that
# only reads config): skipped when no file of the projects changed since the last build and
# every project's dist is there. The stamp's time is the build's start.
build_stamp=node_modules/.lab-installed/build.stamp
built_up_to_date() {
  [[ -f $build_stamp ]] || return 1
  local dist
  for dist in packages/tooling packages/components packages/policy-pack infra tools/generators; do [[ -d $dist/dist ]] || return 1; done
  [[ -z $(find packages infra tools package.json package-lock.json tsconfig.base.json nx.json \
    \( -name node_modules -o -name dist -o -name .nx -o -name test-results \) -prune -o \
    -type f -newer "$build_stamp" -print -quit 2>/dev/null) ]]
}
if ! built_up_to_date; then
  mkdir -p node_modules/.lab-installed && : >"$build_stamp.next"
  stage "build (nx)" build
  mv "$build_stamp.next" "$build_stamp"
fi

# The config's problems (schema and paths, the program's own pass), before the preflight and the
# engine start: a bad port or path is named in about a second. Nothing to check before the stack
# exists or while pulumi is still to be obtained; the program checks again either way.
if [[ $action == up ]] && command -v pulumi >/dev/null; then
  if config_json=$(pulumi config --json --show-secrets --stack "$STACK" 2>/dev/null); then
    printf '%s' "$config_json" | node packages/components/dist/bin/lab-config-check.js --project-root "$PWD" || exit 1
  fi
  unset config_json
fi

# Preflight: one table of every tool, pinned version, where it was found; what needs no root is
# obtained into .tools/bin first (never an unpinned download); what needs root stops here.
if [[ $action == doctor ]]; then
  exec node packages/tooling/dist/bin/lab-doctor.js
fi
if [[ $action == up ]]; then
  node packages/tooling/dist/bin/lab-doctor.js --obtain >&2 || die "preflight failed: run the command in the 'next' column above, then lab:up again"
  # The program's own tool check (SigningLab) would ask the same again.
  export LAB_TOOLS_CHECKED=1
else
  command -v pulumi >/dev/null || die "pulumi is not on PATH: npm run lab:doctor says how to get it"
fi

pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK" --secrets-provider passphrase

# Re-verifies what the stack says is deployed against the registry now; non-zero on a mismatch.
lab_status() {
  local user password
  user=$(pulumi config get --path 'registryAuth.users[0].username' --stack "$STACK" 2>/dev/null || true)
  password=$(pulumi config get --path 'registryAuth.users[0].password' --stack "$STACK" 2>/dev/null || true)
  pulumi stack output --json --stack "$STACK" |
    LAB_REGISTRY_USERNAME=$user LAB_REGISTRY_PASSWORD=$password node packages/tooling/dist/bin/lab-status.js
}

case $action in
  up)
    if needs_cosign_password "$STACK" && ! pulumi config get cosignPassword --stack "$STACK" >/dev/null 2>&1; then
      password=${LAB_COSIGN_PASSWORD:-$(node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))')}
      printf '%s' "$password" | pulumi config set --secret cosignPassword --stack "$STACK"
      log "set cosignPassword (secret)"
    fi
    if [[ ${LAB_LOCAL_IMAGES:-} == 1 ]]; then
      set_config() { [[ $(pulumi config get "$1" --stack "$STACK" 2>/dev/null) == "$2" ]] || pulumi config set "$1" "$2" --stack "$STACK"; }
      set_config registryImage "$(node -p "require('./packages/tooling/versions.json').images.registryLocal")"
      set_config baseImage "$(node -p "require('./packages/tooling/versions.json').images.nodeBaseLocal")"
    fi
    # An update killed earlier on this machine: stale lock, pending operations, orphans.
    node packages/tooling/dist/bin/lab-recover.js --stack "$STACK"
    # --refresh: a registry or app container stopped or removed since the last update is seen
    # and made again; signatures and attestations are checked by the program's drift check.
    run_engine up --yes --skip-preview --refresh --stack "$STACK"
    lab_status
    ;;
  status)
    lab_status
    ;;
  explain)
    outputs=$(pulumi stack output --json --stack "$STACK")
    config=$(pulumi config --json --stack "$STACK")
    printf '{"outputs":%s,"config":%s}' "$outputs" "$config" | LAB_STACK=$STACK node packages/tooling/dist/bin/lab-explain.js "$@"
    ;;
  destroy)
    node packages/tooling/dist/bin/lab-recover.js --stack "$STACK"
    # The build tags that still hold the image the lab pushed, by image ID, read before the
    # destroy: the app's RemoteImage may drop the image's digest reference before the Image's own
    # tag cleanup reads it (the two deletes are not ordered), which then keeps the tag.
    built=$(pulumi stack output --json images --stack "$STACK" 2>/dev/null |
      node -e 'let t="";process.stdin.on("data",(d)=>(t+=d)).on("end",()=>{for(const i of Object.values(JSON.parse(t||"{}")))if(i.taggedRef)console.log(i.taggedRef+" "+i.digestRef)})' || true)
    held=()
    while read -r tag digest; do
      [[ -n $tag ]] || continue
      id=$(docker image inspect --format '{{.Id}}' "$digest" 2>/dev/null) || continue
      [[ $(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null) == "$id" ]] && held+=("$tag $id")
    done <<<"$built"
    work_dir=$(pulumi config get workDir --stack "$STACK" 2>/dev/null || echo .lab)
    run_engine destroy --yes --stack "$STACK"
    [[ $work_dir == /* ]] || work_dir=$PWD/$work_dir
    remove_work_dir "$work_dir/$STACK"
    for entry in "${held[@]}"; do
      read -r tag id <<<"$entry"
      [[ $(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null) == "$id" ]] && docker image rm "$tag" >/dev/null 2>&1 || true
    done
    true
    ;;
  *)
    die "usage: lab.sh up|status|destroy|doctor|explain|pulumi <args>|env"
    ;;
esac
