# Sourced by lab.sh: what lab.sh decides from a stack's config. Needs `pulumi` on PATH and the
# backend and passphrase in the environment.

# needs_cosign_password STACK: true when the stack's key is a password-protected cosign key
# (signingKey.source generate or config), false for a KMS key or the lab's own vault dev
# server, whose config must not hold a cosignPassword (the schema refuses one).
needs_cosign_password() {
  local stack=$1
  [[ -z $(pulumi config get vaultDevServer --stack "$stack" 2>/dev/null) ]] || return 1
  # signingKey as pulumi prints it: JSON, whether it was set with --path or as a JSON string.
  ! pulumi config get signingKey --stack "$stack" 2>/dev/null | grep -Eq '"source": *"kms"'
}
