#!/usr/bin/env bash
# `npm run test:engine`: the engine acceptance suite (tools/e2e/acceptance) runs the README path
# under the real Pulumi engine. It needs four pieces that no registry here serves as binaries:
#   pulumi, pulumi-language-nodejs     (the CLI and its Node.js language host, packages/tooling/versions.json)
#   pulumi-resource-command, -docker   (provider plugins: on PATH, or installed with
#                                       `pulumi plugin install resource <name> <version> --file …`)
# The Python and YAML programs over the component package (acceptance/{python,yaml}-program) also
# need pulumi-language-python (with python3 and its venv module) and pulumi-language-yaml; where one
# is missing, that spec alone is NOT RUN and said so.
# Where one is missing it says exactly which, runs nothing and exits 0: it claims nothing.
# LAB_ENGINE_BIN=<dir> puts a folder holding the pieces first on PATH.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="${LAB_ENGINE_BIN:+$LAB_ENGINE_BIN:}$PWD/.tools/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true NX_DAEMON=false NX_NO_CLOUD=true

command_version=$(node -p "require('./packages/tooling/versions.json').pulumiCommand.version.replace(/^v/, '')")
docker_version=$(node -p "require('./packages/tooling/versions.json').pulumiDocker.version")
missing=()
for bin in pulumi pulumi-language-nodejs; do
  command -v "$bin" >/dev/null || missing+=("$bin (not on PATH)")
done
plugins=$(command -v pulumi >/dev/null && pulumi plugin ls 2>/dev/null || true)
for plugin in "command $command_version" "docker $docker_version"; do
  read -r name version <<<"$plugin"
  command -v "pulumi-resource-$name" >/dev/null && continue
  awk -v n="$name" -v v="$version" '$1 == n && $2 == "resource" && $3 == v { found = 1 } END { exit !found }' <<<"$plugins" ||
    missing+=("pulumi-resource-$name $version (not on PATH, not in 'pulumi plugin ls')")
done
if ((${#missing[@]} > 0)); then
  echo "engine acceptance suite NOT RUN (nothing is claimed): missing"
  printf '  - %s\n' "${missing[@]}"
  exit 0
fi
excluded=()
for host in python yaml; do
  reason=""
  command -v "pulumi-language-$host" >/dev/null || reason="pulumi-language-$host not on PATH"
  [[ $host == python && -z $reason ]] && ! python3 -c 'import venv' 2>/dev/null && reason="python3 with its venv module not found"
  if [[ -n $reason ]]; then
    echo "the $host program over the component package NOT RUN (nothing is claimed): $reason"
    excluded+=("acceptance/$host-program.acceptance.ts")
  fi
done
export LAB_ACCEPTANCE_EXCLUDE="${excluded[*]}"
echo "engine acceptance suite: $(pulumi version) with $(command -v pulumi-language-nodejs), plugins command $command_version and docker $docker_version"
exec npx nx run @signed-image-lab/e2e:acceptance --output-style=static --skip-nx-cache
