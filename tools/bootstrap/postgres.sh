#!/usr/bin/env bash
# Starts a real PostgreSQL server (Debian's postgresql-15) on loopback for team mode's Pulumi
# state backend, and writes how to reach it into a 0600 env file. Idempotent: a server that
# already runs from the same directory is left alone; the cluster, role and password are made
# once and reused (cached in the directory).
#
#   bash tools/bootstrap/postgres.sh [DIR]        start (default DIR: <repo>/.cache/postgres)
#   bash tools/bootstrap/postgres.sh --stop [DIR] stop it (the data stays)
#
# Layout of DIR: data/ (the cluster, owned by the server's OS user), run/ (its unix socket),
# server.log (those three in /var/lib/postgresql/signed-image-lab/<hash> when the server's user
# cannot reach DIR), password and team.env (mode 0600, the invoking user's):
#   PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD   standard libpq variables (psql, pg_dump, the CLI)
#   PULUMI_BACKEND_URL                          postgres://pulumi@127.0.0.1:<port>/pulumi?sslmode=disable
#                                               (no password: the CLI's driver reads PGPASSWORD)
#   LAB_PG_BIN                                  the server's binaries (pg_dump/psql of its version)
# `set -a; source DIR/team.env; set +a` exports them. The password never appears in argv: it is
# generated into a file, given to psql on stdin, and to clients through PGPASSWORD.
#
# The server listens on 127.0.0.1 only (port LAB_PG_PORT, default 55432, not the system's 5432),
# password auth is scram-sha-256 over TCP; the role `pulumi` owns database `pulumi` (and may
# create databases). As root (CI), the server runs as the Debian package's `postgres` user.
# Env: LAB_PG_PORT, LAB_PG_BIN (default /usr/lib/postgresql/15/bin).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

stop=0
if [[ ${1:-} == --stop ]]; then stop=1; shift; fi
DIR=${1:-$REPO_ROOT/.cache/postgres}
PORT=${LAB_PG_PORT:-55432}
PG_BIN=${LAB_PG_BIN:-/usr/lib/postgresql/15/bin}
[[ $PORT =~ ^[0-9]+$ ]] || die "LAB_PG_PORT must be a port number, got '$PORT'"
[[ -x $PG_BIN/pg_ctl && -x $PG_BIN/initdb ]] \
  || die "PostgreSQL server binaries missing in $PG_BIN: run tools/bootstrap/system-packages.sh (installs postgresql)"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ENV_FILE=$DIR/team.env PASSWORD_FILE=$DIR/password

# The server may not run as root: as root, use the package's `postgres` user (a dedicated one).
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user: install Debian's postgresql package (tools/bootstrap/system-packages.sh)"
  as_server() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  as_server() { "$@"; }
  owner=$(id -un)
fi
# The cluster lives in DIR when the server's user can reach it; a clone under /root (700) is
# not reachable by `postgres`, so there it lives in postgres's home, one folder per DIR.
CLUSTER=$DIR
if ! as_server test -x "$DIR"; then
  CLUSTER=/var/lib/postgresql/signed-image-lab/$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
  [[ $(id -u) -eq 0 ]] || die "$DIR is not reachable: give a directory you can traverse"
  mkdir -p "$CLUSTER" && chown postgres "$CLUSTER"
fi
DATA=$CLUSTER/data RUN=$CLUSTER/run LOG=$CLUSTER/server.log
pg_ctl() { as_server "$PG_BIN/pg_ctl" -D "$DATA" "$@"; }

if [[ $stop -eq 1 ]]; then
  if [[ -f $DATA/postmaster.pid ]] && pg_ctl status >/dev/null 2>&1; then
    pg_ctl stop -m fast -w >/dev/null
    log "stopped the server in $DATA"
  else
    log "no server running in $DATA"
  fi
  exit 0
fi

if [[ ! -f $DATA/PG_VERSION ]]; then
  log "new cluster in $DATA (server user $owner)"
  rm -rf "$DATA"
  mkdir -p "$DATA" "$RUN"
  chown "$owner" "$DATA" "$RUN"
  chmod 0700 "$DATA"
  (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' > "$PASSWORD_FILE")
  # The superuser connects over the unix socket as its own OS user (peer), everyone else over
  # TCP with a scram-sha-256 password.
  as_server "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$CLUSTER/initdb.log" 2>&1 || die "initdb failed: $(tail -n 20 "$CLUSTER/initdb.log")"
  fresh=1
else
  [[ -s $PASSWORD_FILE ]] || die "$DATA exists but $PASSWORD_FILE is gone: remove $DIR to start over"
  fresh=0
fi
mkdir -p "$RUN"
chown "$owner" "$RUN"

if pg_ctl status >/dev/null 2>&1; then
  log "server already running from $DATA"
else
  # Something else on the port would make the clients below talk to the wrong server.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "127.0.0.1:$PORT is taken by another process: set LAB_PG_PORT to a free port"
  fi
  touch "$LOG" && chown "$owner" "$LOG"
  pg_ctl start -w -t 60 -l "$LOG" \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$RUN -c password_encryption=scram-sha-256" \
    >/dev/null || die "the server did not start: $(tail -n 20 "$LOG")"
  log "started PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$PORT"
fi
# The port in use is the one the running server was started with.
running_port=$(sed -n 4p "$DATA/postmaster.pid")
[[ $running_port == "$PORT" ]] || die "the server in $DATA listens on $running_port, not LAB_PG_PORT=$PORT: --stop it first"

# The role and database, made once; the password travels on stdin, never argv.
psql_super() { as_server "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U postgres -d postgres "$@"; }
if [[ $fresh -eq 1 ]] || [[ $(psql_super -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'pulumi'") != 1 ]]; then
  password=$(cat "$PASSWORD_FILE")
  printf "CREATE ROLE pulumi LOGIN CREATEDB PASSWORD '%s';\nCREATE DATABASE pulumi OWNER pulumi;\n" "$password" | psql_super -f - \
    || die "could not create role and database 'pulumi'"
  unset password
  log "created role and database 'pulumi' (password in $PASSWORD_FILE)"
fi

(
  umask 077
  {
    printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=pulumi\nPGDATABASE=pulumi\n' "$PORT"
    printf 'PGPASSWORD=%s\n' "$(cat "$PASSWORD_FILE")"
    printf 'PULUMI_BACKEND_URL=postgres://pulumi@127.0.0.1:%s/pulumi?sslmode=disable\n' "$PORT"
    printf 'LAB_PG_BIN=%s\n' "$PG_BIN"
  } >"$ENV_FILE.tmp"
)
mv -f "$ENV_FILE.tmp" "$ENV_FILE"

# The check a client makes: TCP, password auth, as the role the state backend uses.
PGPASSWORD=$(cat "$PASSWORD_FILE") "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U pulumi -d pulumi -tAc 'SELECT 1' >/dev/null \
  || die "cannot log in as 'pulumi' on 127.0.0.1:$PORT with the password in $PASSWORD_FILE"
log "ready: postgres://pulumi@127.0.0.1:$PORT/pulumi (scram-sha-256); environment in $ENV_FILE (0600): set -a; source $ENV_FILE; set +a"
