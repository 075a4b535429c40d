#!/usr/bin/env bash
# PostgreSQL backups (operations.md §10). The compose `backup` profile runs this in postgres:16-alpine:
#   docker compose -f docker-compose.deploy.yml --profile backup up -d backup
# Every BACKUP_INTERVAL_SECONDS it writes ${BACKUP_DIR}/${BACKUP_PREFIX}_[${BACKUP_LABEL}_]<UTC stamp>.dump with
# `pg_dump -Fc`, first under a .partial name and renamed when complete, so a half-written file never counts as a
# backup, then keeps the newest BACKUP_KEEP dumps of that prefix. BACKUP_ONCE=true makes one dump and exits with
# its status (deploy.sh's pre-deploy safety dump, tests). Connection settings are libpq's: PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE.
set -euo pipefail

BACKUP_DIR=${BACKUP_DIR:-/backup}
BACKUP_PREFIX=${BACKUP_PREFIX:-syfthub}
BACKUP_LABEL=${BACKUP_LABEL:-}
BACKUP_KEEP=${BACKUP_KEEP:-7}
BACKUP_INTERVAL_SECONDS=${BACKUP_INTERVAL_SECONDS:-86400}
BACKUP_ONCE=${BACKUP_ONCE:-false}
BACKUP_UPLOAD_COMMAND=${BACKUP_UPLOAD_COMMAND:-}

log() { printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

case "$BACKUP_KEEP" in
  '' | *[!0-9]* | 0) log "BACKUP_KEEP must be a positive integer (got '$BACKUP_KEEP')"; exit 2 ;;
esac
case "$BACKUP_INTERVAL_SECONDS" in
  '' | *[!0-9]* | 0) log "BACKUP_INTERVAL_SECONDS must be a positive integer"; exit 2 ;;
esac
if [[ ! "$BACKUP_PREFIX$BACKUP_LABEL" =~ ^[A-Za-z0-9._-]+$ ]]; then
  log "BACKUP_PREFIX and BACKUP_LABEL may only contain letters, digits, '.', '_' and '-'"
  exit 2
fi
mkdir -p "$BACKUP_DIR"

# Oldest first; names are ours (no spaces), so ls -t is safe and works with busybox, which has no find -printf.
prune() {
  local excess
  # shellcheck disable=SC2012
  excess=$(ls -1t "$BACKUP_DIR"/"${BACKUP_PREFIX}"_*.dump 2>/dev/null | tail -n +"$((BACKUP_KEEP + 1))")
  [ -z "$excess" ] && return 0
  while IFS= read -r old; do
    rm -f -- "$old"
    log "removed ${old} (keeping the newest ${BACKUP_KEEP})"
  done <<<"$excess"
}

backup_once() {
  local stamp name partial started size
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  name="${BACKUP_DIR}/${BACKUP_PREFIX}_${BACKUP_LABEL:+${BACKUP_LABEL}_}${stamp}.dump"
  partial="${name}.partial"
  started=$(date +%s)
  log "dumping database '${PGDATABASE:-}' on '${PGHOST:-local socket}' to ${name}"
  if ! pg_dump --format=custom --no-password --file="$partial"; then
    rm -f -- "$partial"
    log "FAILED after $(($(date +%s) - started))s"
    return 1
  fi
  mv -f -- "$partial" "$name"
  size=$(wc -c <"$name" | tr -d ' ')
  log "completed ${name}: ${size} bytes in $(($(date +%s) - started))s"
  prune
  if [ -n "$BACKUP_UPLOAD_COMMAND" ]; then
    # The off-host copy sees the new file as $BACKUP_FILE.
    if ! BACKUP_FILE="$name" bash -c "$BACKUP_UPLOAD_COMMAND"; then
      log "BACKUP_UPLOAD_COMMAND failed for ${name}"
      return 1
    fi
    log "uploaded ${name}"
  fi
}

# A dump interrupted by a crash or a restart leaves a .partial file that no longer grows.
rm -f -- "$BACKUP_DIR"/"${BACKUP_PREFIX}"_*.dump.partial

if [ "$BACKUP_ONCE" = "true" ]; then
  backup_once
  exit $?
fi

# `docker stop` sends SIGTERM to this PID 1: leave at once instead of waiting out the sleep.
trap 'log "stopping"; exit 0' TERM INT
log "every ${BACKUP_INTERVAL_SECONDS}s into ${BACKUP_DIR}, keeping ${BACKUP_KEEP}"
while true; do
  # A failed dump ends the loop with a non-zero status, visible in `docker compose ps`; the restart policy
  # starts the next attempt.
  backup_once
  sleep "$BACKUP_INTERVAL_SECONDS" &
  wait $!
done
