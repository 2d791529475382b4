#!/usr/bin/env bash
# CI's check of the release path (Nx's own: `nx release` with version plans, one fixed group):
# a throwaway patch plan, `nx release --dry-run`, and the check that every published package
# would move to the same next version with its workspace dependencies following. Nothing is
# written: the plan is removed again and the dry run changes no file.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
plan=.nx/version-plans/ci-dry-run.md
[[ ! -e $plan ]] || { echo "release: $plan exists already" >&2; exit 1; }
mkdir -p .nx/version-plans
trap 'rm -f "$plan"' EXIT
printf -- '---\n__default__: patch\n---\n\nCI dry run of the release path.\n' >"$plan"
current=$(node -p "require('./packages/tooling/package.json').version")
next=$(node -p "const [a, b, c] = '$current'.split('.').map(Number); [a, b, c + 1].join('.')")
out=$(npx nx release --dry-run --skip-publish 2>&1) || { echo "$out"; exit 1; }
for name in tooling components policy-pack signing-lab; do
  grep -q "New version $next written to manifest: packages/$name/package.json" <<<"$out" ||
    { echo "$out"; echo "release: packages/$name would not move to $next" >&2; exit 1; }
done
grep -q "@signed-image-lab/tooling $next written to dependencies of packages/components/package.json" <<<"$out" ||
  { echo "$out"; echo "release: components' dependency on tooling would not follow to $next" >&2; exit 1; }
grep -q "@signed-image-lab/components $next written to dependencies of packages/signing-lab/package.json" <<<"$out" ||
  { echo "$out"; echo "release: signing-lab's dependency on components would not follow to $next" >&2; exit 1; }
git diff --quiet -- packages || { echo "release: the dry run changed files" >&2; exit 1; }
echo "release dry run: tooling, components, policy-pack and signing-lab $current -> $next (fixed group), dependencies follow"
