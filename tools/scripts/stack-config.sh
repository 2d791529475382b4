# Sourced by lab.sh: what lab.sh decides from a stack's config. Needs `pulumi` on PATH, the
# backend and passphrase in the environment, and the built tooling (packages/tooling/dist): the decisions
# are the lab's config schema's (packages/tooling/src/lib/lab-config-schema.ts), asked through
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
