#!/usr/bin/env bash
# Restores a `pg_dump -Fc` backup of the SyftHub database (operations.md §10; backup/README.md).
#
#   deploy/scripts/restore.sh [--verify] [--local] [--yes] <dump>
#
#   <dump>     a file written by backup-loop.sh (backup/syfthub_<stamp>.dump) or by pg_dump -Fc
#   --verify   restore into a scratch database, check it (tables, row counts, migrations), drop it; the live
#              database is not touched. Run it monthly and after schema changes.
#   --local    run pg_restore/psql on this machine with the libpq environment (PGHOST, PGPORT, PGUSER,
#              PGPASSWORD) instead of inside the compose `db` container: managed databases, Kubernetes, tests
#   --yes      do not ask for confirmation (required when stdin is not a terminal)
#
# The dump is restored into a new database first; only when that succeeded is the live database renamed to
# <name>_pre_restore_<stamp> (kept for you to drop) and the new one renamed into its place. A damaged dump
# therefore never leaves a half-restored database, and the schema afterwards is exactly the dump's: tables that
# later migrations added are not left behind to collide with the migrate step.
#
# Compose mode (the default, from /opt/syfthub) then runs the rest of the procedure: the writers are stopped
# before the swap, migrations run (the dump may predate the current schema), sessions and MCP grants are revoked
# (revocations made after the dump would otherwise come back to life), and the services start again.
#
# Environment: COMPOSE_FILE (docker-compose.deploy.yml), DB_NAME (syfthub), DB_USER (syfthub; the libpq user
# in --local mode), MAINTENANCE_DB (postgres), REVOKE_SESSIONS_COMMAND, REVOKE_GRANTS_COMMAND.
set -euo pipefail

usage() {
  sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

VERIFY=false
LOCAL=false
ASSUME_YES=false
DUMP=
while [ $# -gt 0 ]; do
  case "$1" in
    --verify) VERIFY=true ;;
    --local) LOCAL=true ;;
    --yes | -y) ASSUME_YES=true ;;
    -h | --help) usage ;;
    -*) echo "restore: unknown option $1" >&2; usage ;;
    *)
      [ -n "$DUMP" ] && usage
      DUMP=$1
      ;;
  esac
  shift
done
[ -n "$DUMP" ] || usage
if [ ! -r "$DUMP" ]; then
  echo "restore: cannot read $DUMP" >&2
  exit 2
fi

COMPOSE_FILE=${COMPOSE_FILE:-docker-compose.deploy.yml}
DB_NAME=${DB_NAME:-syfthub}
DB_USER=${DB_USER:-syfthub}
MAINTENANCE_DB=${MAINTENANCE_DB:-postgres}
REVOKE_SESSIONS_COMMAND=${REVOKE_SESSIONS_COMMAND:-node dist/cli.js sessions:revoke-all}
REVOKE_GRANTS_COMMAND=${REVOKE_GRANTS_COMMAND:-node dist/cli.js grants:revoke-all}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SCRATCH_DB="${DB_NAME}_restore_${STAMP,,}"
[ "$VERIFY" = true ] && SCRATCH_DB="${DB_NAME}_verify"
PREVIOUS_DB="${DB_NAME}_pre_restore_${STAMP,,}"

log() { printf '%s restore: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
  log "ERROR: $*"
  exit 1
}

compose() { docker compose -f "$COMPOSE_FILE" "$@"; }

# Runs a PostgreSQL client program either here or inside the db container; stdin is passed through.
pg() {
  if [ "$LOCAL" = true ]; then
    "$@"
  else
    compose exec -T db "$@"
  fi
}
# -X: no ~/.psqlrc; ON_ERROR_STOP: a failed statement fails the script.
sql() {
  local db=$1
  shift
  pg psql -X -q -v ON_ERROR_STOP=1 -U "$DB_USER" -d "$db" -At "$@"
}
quote_ident() { printf '"%s"' "${1//\"/\"\"}"; }

db_exists() {
  [ "$(sql "$MAINTENANCE_DB" -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]
}

drop_db() {
  sql "$MAINTENANCE_DB" -c "DROP DATABASE IF EXISTS $(quote_ident "$1") WITH (FORCE)"
}

# Table row counts and the migration history of a database, one "name count" per line.
report() {
  local db=$1
  sql "$db" <<'SQL'
SELECT format('%I.%I', schemaname, relname) || ' ' ||
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, relname), false, true, '')))[1]::text
FROM pg_stat_user_tables
ORDER BY 1;
SQL
}

restore_into_scratch() {
  log "restoring ${DUMP} into scratch database ${SCRATCH_DB}"
  if db_exists "$SCRATCH_DB"; then
    drop_db "$SCRATCH_DB"
  fi
  sql "$MAINTENANCE_DB" -c "CREATE DATABASE $(quote_ident "$SCRATCH_DB")"
  # One transaction: a damaged dump leaves an empty scratch database, which is dropped below.
  if ! pg pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    -U "$DB_USER" -d "$SCRATCH_DB" <"$DUMP"; then
    drop_db "$SCRATCH_DB" || true
    die "pg_restore failed; the live database ${DB_NAME} was not touched"
  fi
}

check_scratch() {
  local tables migrations
  tables=$(report "$SCRATCH_DB")
  [ -n "$tables" ] || die "the dump contains no tables"
  printf '%s\n' "$tables" | sed 's/^/  /'
  migrations=$(sql "$SCRATCH_DB" -c "SELECT count(*) FROM drizzle.__drizzle_migrations" 2>/dev/null || echo 0)
  if [ "${migrations:-0}" -lt 1 ]; then
    log "WARNING: no rows in drizzle.__drizzle_migrations: the dump may not be a SyftHub database"
  else
    log "${migrations} migration(s) recorded in the dump"
  fi
}

confirm() {
  [ "$ASSUME_YES" = true ] && return 0
  if [ ! -t 0 ]; then
    die "stdin is not a terminal: pass --yes to confirm replacing ${DB_NAME}"
  fi
  local answer
  read -r -p "Replace database ${DB_NAME} with ${DUMP}? The services are stopped meanwhile. [y/N] " answer
  [[ "$answer" =~ ^[Yy]$ ]] || die "aborted"
}

running_writers() {
  local svc running
  running=$(compose ps --status running --services 2>/dev/null || true)
  for svc in backend mcp aggregator satellite; do
    if grep -qx "$svc" <<<"$running"; then printf '%s ' "$svc"; fi
  done
}

swap_databases() {
  log "swapping: ${DB_NAME} -> ${PREVIOUS_DB}, ${SCRATCH_DB} -> ${DB_NAME}"
  sql "$MAINTENANCE_DB" <<SQL
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DB_NAME}' AND pid <> pg_backend_pid();
ALTER DATABASE $(quote_ident "$DB_NAME") RENAME TO $(quote_ident "$PREVIOUS_DB");
ALTER DATABASE $(quote_ident "$SCRATCH_DB") RENAME TO $(quote_ident "$DB_NAME");
SQL
}

if [ "$VERIFY" = true ]; then
  restore_into_scratch
  check_scratch
  drop_db "$SCRATCH_DB"
  log "verified: ${DUMP} restores cleanly (scratch database dropped)"
  exit 0
fi

db_exists "$DB_NAME" || die "database ${DB_NAME} does not exist"
confirm
restore_into_scratch
check_scratch

if [ "$LOCAL" = true ]; then
  swap_databases
  log "restored ${DB_NAME}; the previous database is kept as ${PREVIOUS_DB}"
  log "next: run the migrations, then sessions:revoke-all (backend) and grants:revoke-all (mcp)"
  exit 0
fi

writers=$(running_writers)
if [ -n "$writers" ]; then
  log "stopping writers: ${writers}"
  # shellcheck disable=SC2086
  compose stop $writers
fi
swap_databases
log "running migrations"
compose --profile migrate run --rm migrate

status=0
log "revoking hub sessions and MCP grants made before the dump"
# shellcheck disable=SC2086
if ! compose run --rm --no-deps backend $REVOKE_SESSIONS_COMMAND; then
  log "WARNING: '${REVOKE_SESSIONS_COMMAND}' failed: revoke sessions before reopening to users"
  status=3
fi
# shellcheck disable=SC2086
if ! compose run --rm --no-deps mcp $REVOKE_GRANTS_COMMAND; then
  log "WARNING: '${REVOKE_GRANTS_COMMAND}' failed: revoke MCP grants before reopening to users"
  status=3
fi

log "starting the services"
compose up -d
log "restored ${DB_NAME} from ${DUMP}; the previous database is kept as ${PREVIOUS_DB}"
log "drop it when satisfied: docker compose -f ${COMPOSE_FILE} exec db dropdb -U ${DB_USER} ${PREVIOUS_DB}"
log "then run the smoke tests (docs/deployment.md, 'Restore')"
exit "$status"
