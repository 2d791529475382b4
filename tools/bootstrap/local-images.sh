#!/usr/bin/env bash
# Builds the lab's local Docker images without Docker Hub (cached: an image
# whose tag already exists is skipped; FORCE=1 rebuilds all):
#   signed-image-lab/debian-base:<suite>  debootstrap --variant=minbase, docker import
#   images.registryLocal (versions.json)  FROM debian-base + Debian's docker-registry
#                                          binary (distribution <its tag>), behaves like
#                                          registry:2 (:5000, /var/lib/registry,
#                                          REGISTRY_* env, deletes enabled)
#   images.nodeBaseLocal (node-base:<suite>) debootstrap minbase + Debian's nodejs (no npm:
#                                          Debian's npm drags in ~450 packages), user node
#   signed-image-lab/timestamp-authority:<v>  FROM debian-base + the pinned timestamp-server
#                                          from .tools/bin (signing-tools.sh builds it); its
#                                          arguments come from the lab's timestamp steps
#   signed-image-lab/rekor-tiles:<v>      FROM debian-base + the pinned rekor-server (Rekor
#                                          v2, POSIX storage in /var/lib/rekor)
# Needs: root, docker daemon (docker-daemon.sh), debootstrap + docker-registry
# packages (system-packages.sh), the Debian mirror from /etc/apt/sources*.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUITE=$(node -p "require('$VERSIONS_JSON').debianSuite")
CACHE_DIR="$REPO_ROOT/.cache/debootstrap"
DEB_CACHE="$CACHE_DIR/debs-$SUITE"

BASE_IMAGE="signed-image-lab/debian-base:$SUITE"
REGISTRY_IMAGE=$(node -p "require('$VERSIONS_JSON').images.registryLocal")
NODE_IMAGE=$(node -p "require('$VERSIONS_JSON').images.nodeBaseLocal")
# The local registry image's tag is the distribution version Debian's docker-registry ships.
REGISTRY_VERSION=${REGISTRY_IMAGE##*:}
[[ $NODE_IMAGE == *":$SUITE" ]] || die "packages/tooling/versions.json: images.nodeBaseLocal ($NODE_IMAGE) must be tagged with debianSuite ($SUITE)"
TSA_IMAGE=$(node -p "require('$VERSIONS_JSON').timestampAuthority.image")
TSA_VERSION=$(node -p "require('$VERSIONS_JSON').timestampAuthority.version")
REKOR_IMAGE=$(node -p "require('$VERSIONS_JSON').rekorTiles.image")
REKOR_VERSION=$(node -p "require('$VERSIONS_JSON').rekorTiles.version")
FORCE=${FORCE:-0}

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap missing (run tools/bootstrap/system-packages.sh)"
timeout 10 docker info >/dev/null 2>&1 || die "docker daemon not answering (run tools/bootstrap/docker-daemon.sh)"

# The Debian mirror apt on this machine uses (first deb URI that serves
# 'debian', not 'debian-security'); DEBIAN_MIRROR overrides.
detect_mirror() {
  local m
  m=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
         grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; } \
       | grep -E '/debian/?$' | sed -n 1p)
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=${DEBIAN_MIRROR:-$(detect_mirror)}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
report() { log "$1: $(docker image inspect --format '{{.Id}}  {{.Size}} bytes' "$1")"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/local-images.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# debootstrap_root DIR [--include=...]: minbase root fs, debs cached in $DEB_CACHE.
debootstrap_root() {
  local root=$1; shift
  mkdir -p "$DEB_CACHE"
  log "debootstrap --variant=minbase ${*:+$* }$SUITE $root $MIRROR (debs cached in $DEB_CACHE)"
  debootstrap --variant=minbase --cache-dir="$DEB_CACHE" "$@" "$SUITE" "$root" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # Slim down: package caches, apt lists, docs, man pages, locales.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
         "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
         "$root"/usr/share/info/* "$root"/var/log/* "$root"/tmp/*
  find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true
  # apt inside images built FROM this base uses the same mirror.
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$root/etc/apt/sources.list"
  : > "$root/etc/resolv.conf"; : > "$root/etc/hostname"
}

import_root() {
  local root=$1 name=$2; shift 2
  log "docker import $name"
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    "$@" - "$name" >/dev/null || die "docker import of $name failed"
}

# --- (a) debian base -------------------------------------------------------
if [[ $FORCE != 1 ]] && image_exists "$BASE_IMAGE"; then
  log "$BASE_IMAGE exists, skipping"
else
  t0=$SECONDS
  debootstrap_root "$WORK/base"
  import_root "$WORK/base" "$BASE_IMAGE" --change 'CMD ["bash"]'
  rm -rf "$WORK/base"
  log "built $BASE_IMAGE in $((SECONDS - t0))s"
fi
report "$BASE_IMAGE"

# --- (b) registry ----------------------------------------------------------
if [[ $FORCE != 1 ]] && image_exists "$REGISTRY_IMAGE"; then
  log "$REGISTRY_IMAGE exists, skipping"
else
  t0=$SECONDS
  REG_BIN=$(command -v docker-registry || true)
  [[ -n $REG_BIN ]] || die "docker-registry binary missing (run tools/bootstrap/system-packages.sh)"
  reg_version=$("$REG_BIN" --version 2>&1 || true)
  [[ $reg_version == *" $REGISTRY_VERSION"* ]] || die "expected distribution $REGISTRY_VERSION from Debian's docker-registry (the tag of images.registryLocal in packages/tooling/versions.json), got: $reg_version"
  ctx="$WORK/registry"; mkdir -p "$ctx"
  install -m 0755 "$REG_BIN" "$ctx/registry"
  # Same as the config in the upstream registry:2 image, plus deletes enabled.
  cat > "$ctx/config.yml" <<'YAML'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML
  cat > "$ctx/Dockerfile" <<EOF2
FROM $BASE_IMAGE
COPY registry /bin/registry
COPY config.yml /etc/docker/registry/config.yml
RUN mkdir -p /var/lib/registry /auth
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/bin/registry", "serve"]
CMD ["/etc/docker/registry/config.yml"]
LABEL org.opencontainers.image.title="distribution registry $REGISTRY_VERSION (Debian docker-registry)"
EOF2
  log "docker build $REGISTRY_IMAGE (legacy builder, DOCKER_BUILDKIT=0)"
  DOCKER_BUILDKIT=0 docker build -q -t "$REGISTRY_IMAGE" "$ctx" >/dev/null 2>"$WORK/build.log" \
    || { cat "$WORK/build.log" >&2; die "docker build of $REGISTRY_IMAGE failed"; }
  log "built $REGISTRY_IMAGE in $((SECONDS - t0))s"
fi
report "$REGISTRY_IMAGE"

# --- (c) node base ---------------------------------------------------------
if [[ $FORCE != 1 ]] && image_exists "$NODE_IMAGE"; then
  log "$NODE_IMAGE exists, skipping"
else
  t0=$SECONDS
  debootstrap_root "$WORK/node" --include=nodejs,ca-certificates
  mkdir -p "$WORK/node/app"
  chroot "$WORK/node" /usr/sbin/useradd --create-home --uid 1000 --user-group --shell /bin/bash node \
    || die "useradd node in the node root failed"
  import_root "$WORK/node" "$NODE_IMAGE" --change 'WORKDIR /app' --change 'CMD ["node"]'
  rm -rf "$WORK/node"
  log "built $NODE_IMAGE in $((SECONDS - t0))s"
fi
report "$NODE_IMAGE"
log "node in $NODE_IMAGE: $(docker run --rm "$NODE_IMAGE" node --version)"

# --- (d), (e) Sigstore servers: a pinned Go binary on the Debian base ------
# server_image IMAGE BINARY VERSION SETUP TITLE: builds IMAGE from .tools/bin/BINARY (which must
# report VERSION), running SETUP in the image; keys are copied in by the step that creates the
# container, never baked into the image.
server_image() {
  local image=$1 binary=$2 version=$3 setup=$4 title=$5 t0=$SECONDS bin reported ctx
  if [[ $FORCE != 1 ]] && image_exists "$image"; then
    log "$image exists, skipping"
    report "$image"
    return
  fi
  bin="$BIN_DIR/$binary"
  [[ -x $bin ]] || die "$bin missing (run tools/bootstrap/signing-tools.sh $binary)"
  reported=$("$bin" version 2>/dev/null | awk '/^GitVersion:/ {print $2}')
  [[ $reported == "$version" ]] || die "$bin reports '$reported', expected $version"
  ctx="$WORK/$binary"; mkdir -p "$ctx"
  install -m 0755 "$bin" "$ctx/$binary"
  cat > "$ctx/Dockerfile" <<EOF2
FROM $BASE_IMAGE
COPY $binary /usr/local/bin/$binary
RUN $setup
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/$binary"]
LABEL org.opencontainers.image.title="$title (signed-image-lab build)"
EOF2
  log "docker build $image (legacy builder, DOCKER_BUILDKIT=0)"
  DOCKER_BUILDKIT=0 docker build -q -t "$image" "$ctx" >/dev/null 2>"$WORK/build.log" \
    || { cat "$WORK/build.log" >&2; die "docker build of $image failed"; }
  log "built $image in $((SECONDS - t0))s"
  report "$image"
}
server_image "$TSA_IMAGE" timestamp-server "$TSA_VERSION" "mkdir -m 0700 /etc/tsa" \
  "Sigstore timestamp-authority $TSA_VERSION"
server_image "$REKOR_IMAGE" rekor-server "$REKOR_VERSION" "mkdir -m 0700 /etc/rekor && mkdir -p /var/lib/rekor" \
  "Sigstore rekor-tiles $REKOR_VERSION, POSIX storage"
