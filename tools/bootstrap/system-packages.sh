#!/usr/bin/env bash
# Installs the Debian packages the lab's end-to-end tests need:
#   docker.io (dockerd + containerd), skopeo, apache2-utils (htpasswd),
#   debootstrap (builds base images without Docker Hub), docker-registry
#   (the distribution binary copied into the local registry image, packages/tooling/versions.json images.registryLocal),
#   postgresql (the server team mode's state specs run: tools/bootstrap/postgres.sh),
#   plus iptables/ca-certificates/curl/jq/xz-utils used around them.
# Idempotent: packages already installed are skipped (dpkg-query), so a second
# run does no apt work at all. Package postinst scripts are prevented from
# starting services (policy-rc.d exit 101); docker-daemon.sh starts dockerd.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PACKAGES=(
  ca-certificates
  iptables
  docker.io
  skopeo
  apache2-utils
  debootstrap
  docker-registry
  postgresql
  curl
  jq
  xz-utils
)

[[ $(id -u) -eq 0 ]] || die "must run as root (apt-get install)"
command -v dpkg >/dev/null || die "dpkg not found: this script expects Debian"

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]]; then
    :
  else
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} packages already installed: ${PACKAGES[*]}"
  exit 0
fi
log "missing packages: ${missing[*]}"

# Keep postinst scripts from starting services (docker, docker-registry, postgresql).
POLICY=/usr/sbin/policy-rc.d
policy_created=0
if [[ ! -e $POLICY ]]; then
  log "installing temporary $POLICY (exit 101: do not start services)"
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"
  chmod 0755 "$POLICY"
  policy_created=1
fi
cleanup() { if [[ $policy_created -eq 1 ]]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
apt-get update -q || die "apt-get update failed (is the Debian mirror reachable?)"
log "apt-get install --no-install-recommends ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}" \
  || die "apt-get install failed for: ${missing[*]}"

for p in "${missing[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]] \
    || die "package $p is still not installed after apt-get install"
done
# Debian's docker-registry package enables a systemd service; there is no
# systemd here, and the lab runs the registry in containers only.
log "done: installed ${missing[*]}"
