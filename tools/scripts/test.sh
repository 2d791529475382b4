#!/usr/bin/env bash
# The README's test command (`npm test`): type-checks and runs every project's unit specs and
# the real end-to-end specs through Nx, then prints the summed closing line.
# `--unit-only` leaves out the end-to-end specs (no docker, cosign or syft needed).
set -uo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
targets="typecheck,test,e2e"
[[ " $* " == *" --unit-only "* ]] && targets="typecheck,test"
rm -rf packages/tooling/test-results packages/components/test-results packages/policy-pack/test-results packages/signing-lab/test-results infra/test-results tools/generators/test-results tools/e2e/test-results
# Tools the bootstrap installs project-locally come first.
export PATH="$PWD/.tools/bin:$PATH"
# Lint and format first (Biome: recommended rules, module boundaries, one format): a finding fails the run.
echo "=== lint and format (biome ci)"
npx biome ci . --colors=off
lint=$?
npx nx run-many -t "$targets" --output-style=static --skip-nx-cache
status=$?
((lint == 0)) || { echo "lint: biome ci found problems (npm run format fixes the formatting)"; status=1; }
node tools/scripts/test-summary.mjs "$@" || status=1
exit $status
