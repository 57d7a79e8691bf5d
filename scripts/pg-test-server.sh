#!/usr/bin/env bash
# A PostgreSQL server for the event store's tests, started the Debian way (pg_createcluster /
# pg_ctlcluster, never initdb directly). Idempotent: creates the cluster once, starts it when it is
# down, makes sure the test role and database exist, and prints the URL as its LAST line:
#
#   export CLAW_TEST_PG_URL="$(bash scripts/pg-test-server.sh)"
#
# Used by .ci/run and by the tests themselves (runtime/store/testing/postgres.ts) when
# CLAW_TEST_PG_URL is unset. Needs root (or the postgres user) and Debian's postgresql package;
# with --install it installs that package with apt-get first when it is missing.
# A cluster of its own ("clawtest", port $CLAW_PG_PORT, default 54329, listening on 127.0.0.1 only)
# leaves any other cluster on the machine alone.
set -euo pipefail

CLUSTER=clawtest
PORT="${CLAW_PG_PORT:-54329}"
ROLE=claw
PASSWORD=claw
DB=claw_test

log() { echo "pg-test-server: $*" >&2; }

# Test files running in parallel may call this together: one at a time (the lock is released when
# this script exits; at most 2 minutes of waiting).
exec 9>/tmp/claw-pg-test-server.lock
flock -w 120 9 || { log "another pg-test-server.sh holds /tmp/claw-pg-test-server.lock"; exit 2; }

if [[ "${1:-}" == "--install" ]] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing Debian's postgresql package (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

# The newest installed server version (e.g. 15).
VERSION="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sed -E 's#.*/postgresql/([0-9]+)/bin/postgres#\1#' | sort -n | tail -1)"
if [[ -z "$VERSION" ]]; then
  log "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/postgres); run with --install, or apt-get install postgresql"
  exit 2
fi
command -v pg_ctlcluster >/dev/null || { log "pg_ctlcluster missing (Debian's postgresql-common)"; exit 2; }

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
  pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" --start-conf=manual >&2 9>&-
  # Debian's postgresql.conf includes conf.d/. Test data only: no fsync (speed), loopback only.
  cat >"/etc/postgresql/$VERSION/$CLUSTER/conf.d/claw-test.conf" <<'CONF'
listen_addresses = '127.0.0.1'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

status="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [[ "$status" != online* ]]; then
  log "starting cluster $VERSION/$CLUSTER"
  # 9>&-: the server must not inherit the lock's descriptor, or it would hold the lock for its lifetime.
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2 9>&-
fi

as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$PORT" -d postgres "$@"; }

# Wait for it to accept connections (a fresh start can take a moment).
for _ in $(seq 1 50); do
  if psql_admin -tAc "SELECT 1" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

# The role may create databases: each test makes a database of its own and drops it.
psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'" | grep -q 1 ||
  psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
