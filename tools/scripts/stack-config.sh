# Sourced by lab.sh: what lab.sh decides from a stack's config. Needs `pulumi` on PATH, the
# backend and passphrase in the environment, and the built tooling (packages/tooling/dist): the decisions
# are the lab's config schema's (packages/tooling/src/lib/config/lab-config-schema.ts), asked through
# packages/tooling/src/bin/lab-config.ts.
LAB_CONFIG_BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/packages/tooling/dist/bin/lab-config.js"

# needs_cosign_password STACK: true when the stack's key is a password-protected cosign key
# (signingKey.source generate or config), false for a KMS key or the lab's own vault dev
# server, whose config must not hold a cosignPassword (the schema refuses one). Exits lab.sh
# (status 3) when the schema cannot be asked.
needs_cosign_password() {
  local stack=$1 answer
  answer=$(LAB_CONFIG_SIGNING_KEY=$(pulumi config get signingKey --stack "$stack" 2>/dev/null || true) \
    LAB_CONFIG_VAULT_DEV_SERVER=$(pulumi config get vaultDevServer --stack "$stack" 2>/dev/null || true) \
    node "$LAB_CONFIG_BIN" needs-cosign-password) || { printf 'lab: %s failed\n' "$LAB_CONFIG_BIN" >&2; exit 3; }
  [[ $answer == yes ]]
}

# ensure_passphrase: the stack passphrase, from PULUMI_CONFIG_PASSPHRASE or the file
# PULUMI_CONFIG_PASSPHRASE_FILE names; with neither, the default file .pulumi-state/passphrase.
# A named file that does not exist yet is generated like the default one (24 random bytes,
# mode 0600, its folder made private when new). Exports PULUMI_CONFIG_PASSPHRASE_FILE.
ensure_passphrase() {
  [[ -n ${PULUMI_CONFIG_PASSPHRASE:-} ]] && return 0
  local file=${PULUMI_CONFIG_PASSPHRASE_FILE:-$PWD/.pulumi-state/passphrase}
  if [[ ! -e $file ]]; then
    (umask 077 && mkdir -p "$(dirname "$file")" &&
      node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' >"$file") ||
      { printf 'lab: could not create the passphrase file %s\n' "$file" >&2; exit 1; }
    printf 'lab: generated the stack passphrase into %s (mode 0600)\n' "$file"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE=$file
}

# remove_work_dir DIR: after a destroy, removes the stack's work folder (`<workDir>/<stack>`)
# and every empty folder in it; whatever file is still there (not the lab's) is kept and named.
remove_work_dir() {
  local dir=$1 left
  [[ -d $dir ]] || return 0
  find "$dir" -depth -type d -empty -delete 2>/dev/null || true
  if [[ -d $dir ]]; then
    left=$(find "$dir" -mindepth 1 -not -type d | head -n 3 | tr '\n' ' ')
    printf 'lab: kept %s: it still holds %s\n' "$dir" "$left" >&2
  fi
  return 0
}
