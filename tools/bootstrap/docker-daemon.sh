#!/usr/bin/env bash
# Makes sure a Docker daemon answers `docker info`. If none does, starts
# `dockerd` in the background (detached, survives this shell), logging to
# $DOCKERD_LOG (default /var/log/dockerd-lab.log), and waits up to
# $DOCKERD_WAIT_SECONDS (default 60) for it. Idempotent: a running daemon is
# left alone.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd-lab.log}
DOCKERD_WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

command -v docker >/dev/null || die "docker CLI not found (run tools/bootstrap/system-packages.sh)"

docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

if docker_ok; then
  log "docker daemon already running (server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

command -v dockerd >/dev/null || die "dockerd not found (run tools/bootstrap/system-packages.sh)"
[[ $(id -u) -eq 0 ]] || die "dockerd must be started as root"

# A stale pid file from a dead daemon makes dockerd refuse to start.
if [[ -f /var/run/docker.pid ]]; then
  oldpid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [[ -n $oldpid ]] && kill -0 "$oldpid" 2>/dev/null; then
    log "dockerd pid $oldpid exists but does not answer yet; waiting for it"
  else
    log "removing stale /var/run/docker.pid (pid ${oldpid:-?} not running)"
    rm -f /var/run/docker.pid
  fi
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  log "starting dockerd in the background, log: $DOCKERD_LOG"
  # setsid + nohup: the daemon outlives the calling shell/CI step.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  log "dockerd pid $!"
fi

start=$SECONDS
until docker_ok; do
  if (( SECONDS - start >= DOCKERD_WAIT_SECONDS )); then
    printf '[docker-daemon] ERROR: dockerd did not answer `docker info` within %ss. Last log lines (%s):\n' \
      "$DOCKERD_WAIT_SECONDS" "$DOCKERD_LOG" >&2
    tail -n 30 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    printf '[docker-daemon] ERROR: dockerd exited during start-up. Last log lines (%s):\n' "$DOCKERD_LOG" >&2
    tail -n 30 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
  sleep 1
done
log "docker daemon up after $((SECONDS - start))s: server $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}')"
