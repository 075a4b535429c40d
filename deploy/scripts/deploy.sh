#!/usr/bin/env bash
# Health-gated rolling deploy with rollback (operations.md §8.4), run on the VM from /opt/syfthub:
#
#   IMAGE_TAG=<sha7> GITHUB_REPOSITORY=<owner/repo> deploy/scripts/deploy.sh
#
# 1. checks docker, compose v2, curl and .env; records the running tag as PREVIOUS_TAG;
# 2. pulls the new images (a failure stops here: nothing has changed);
# 3. makes sure db, redis and nats are up and healthy, and takes a safety dump (backup/pre-deploy_<tag>_<stamp>.dump);
# 4. runs the migrations (a failure stops here: the old services keep running on the migrated-or-untouched
#    schema, since each migration file is its own transaction);
# 5. recreates backend, aggregator, mcp (and satellite when its profile is on) one at a time, each gated on its
#    container becoming healthy, copies the new SPA, recreates the proxy, then smoke-tests through the edge;
# 6. on success records IMAGE_TAG and PREVIOUS_TAG in .env and .deploy-state and prunes old images;
#    on any failure in step 5 it puts every service back on PREVIOUS_TAG and exits non-zero. The schema stays
#    migrated: migrations are expand/contract, so the previous release runs on it.
#
# Settings, exported or else read from .env: DOMAIN, GITHUB_REPOSITORY, COMPOSE_PROFILES,
# DEPLOY_LOG_DIR (/var/log/syfthub), DEPLOY_HEALTH_TIMEOUT_SECONDS (90), DEPLOY_POLL_SECONDS (2),
# DEPLOY_SMOKE_TESTS (true), DEPLOY_SMOKE_TLS_VERIFY (false: certificates are monitored on their own, and an
# expiring one must not roll back a good release), DEPLOY_KEEP_IMAGES (3). Exported only: IMAGE_TAG, and
# DEPLOY_DIR (the directory holding docker-compose.deploy.yml and .env; default: two levels above this script).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEPLOY_DIR=${DEPLOY_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}
COMPOSE_FILE_NAME=${COMPOSE_FILE_NAME:-docker-compose.deploy.yml}
APP_SERVICES=(backend aggregator mcp)
IMAGE_SERVICES=(backend aggregator mcp web satellite)
cd "$DEPLOY_DIR"

# Reads KEY from .env the way compose does for simple values, without executing the file: it holds secrets
# whose characters a shell would interpret.
env_file_value() {
  local line
  [ -f .env ] || return 0
  line=$(grep -E "^[[:space:]]*(export[[:space:]]+)?$1=" .env | tail -n 1 || true)
  line=${line#*=}
  line=${line%\"}
  line=${line#\"}
  line=${line%\'}
  line=${line#\'}
  printf '%s' "$line"
}

# Exported settings win over .env, which wins over the defaults.
setting() {
  local value=${!1:-}
  [ -n "$value" ] || value=$(env_file_value "$1")
  printf '%s' "${value:-$2}"
}
DEPLOY_LOG_DIR=$(setting DEPLOY_LOG_DIR /var/log/syfthub)
DEPLOY_HEALTH_TIMEOUT_SECONDS=$(setting DEPLOY_HEALTH_TIMEOUT_SECONDS 90)
DEPLOY_POLL_SECONDS=$(setting DEPLOY_POLL_SECONDS 2)
DEPLOY_SMOKE_TESTS=$(setting DEPLOY_SMOKE_TESTS true)
DEPLOY_SMOKE_TLS_VERIFY=$(setting DEPLOY_SMOKE_TLS_VERIFY false)
DEPLOY_KEEP_IMAGES=$(setting DEPLOY_KEEP_IMAGES 3)

mkdir -p "$DEPLOY_LOG_DIR"
LOG_FILE="$DEPLOY_LOG_DIR/deploy-$(date -u +%Y%m%dT%H%M%SZ).log"
exec > >(tee -a "$LOG_FILE") 2>&1

# stderr, so that messages inside command substitutions (the smoke tests) are not captured as values.
log() { printf '%s deploy: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Sets KEY=value in a dotenv-style file, replacing an existing line or appending one.
set_file_value() {
  local file=$1 key=$2 value=$3 tmp
  tmp=$(mktemp "$file.XXXXXX")
  [ -f "$file" ] || : >"$file"
  KEY=$key VALUE=$value awk '
    BEGIN { key = ENVIRON["KEY"]; line = key "=" ENVIRON["VALUE"] }
    $0 ~ "^[[:space:]]*(export[[:space:]]+)?" key "=" { if (!done) print line; done = 1; next }
    { print }
    END { if (!done) print line }
  ' "$file" >"$tmp"
  chmod --reference="$file" "$tmp" 2>/dev/null || chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

compose() { docker compose -f "$COMPOSE_FILE_NAME" "$@"; }

# ── 1. prerequisites ─────────────────────────────────────────────────────────────────────────────────────────
command -v docker >/dev/null || die "docker is not installed"
docker compose version >/dev/null 2>&1 || die "the docker compose v2 plugin is not installed"
command -v curl >/dev/null || die "curl is not installed"
[ -f "$COMPOSE_FILE_NAME" ] || die "$DEPLOY_DIR/$COMPOSE_FILE_NAME not found"
[ -f .env ] || die "$DEPLOY_DIR/.env not found (docs/deployment.md, 'Secrets')"

# The tag and repository CI passes win over .env; the other settings come from .env unless exported.
NEW_TAG=${IMAGE_TAG:-}
[ -n "$NEW_TAG" ] || die "IMAGE_TAG is not set (the image tag to deploy, e.g. the short commit sha)"
REPOSITORY=$(setting GITHUB_REPOSITORY "")
[ -n "$REPOSITORY" ] || die "GITHUB_REPOSITORY is not set"
# GHCR image names must be lowercase.
REPOSITORY=${REPOSITORY,,}
DOMAIN=$(setting DOMAIN "")
[ -n "$DOMAIN" ] || die "DOMAIN is not set in .env"
COMPOSE_PROFILES=$(setting COMPOSE_PROFILES "")
export GITHUB_REPOSITORY=$REPOSITORY COMPOSE_PROFILES
if [[ ",$COMPOSE_PROFILES," == *",satellite,"* ]]; then
  APP_SERVICES+=(satellite)
fi

container_of() { compose ps -a -q "$1" 2>/dev/null | head -n 1; }

running_tag() {
  local id image
  id=$(container_of backend)
  [ -n "$id" ] || return 0
  image=$(docker inspect --format '{{.Config.Image}}' "$id" 2>/dev/null || true)
  [[ "$image" == *:* ]] && printf '%s' "${image##*:}"
}

PREVIOUS_TAG=$(running_tag || true)
if [ -z "$PREVIOUS_TAG" ] && [ -f .deploy-state ]; then
  PREVIOUS_TAG=$(grep -E '^IMAGE_TAG=' .deploy-state | tail -n 1 | cut -d= -f2- || true)
fi
[ -n "$PREVIOUS_TAG" ] || PREVIOUS_TAG=$(env_file_value IMAGE_TAG)
log "deploying ${REPOSITORY} ${NEW_TAG} (running: ${PREVIOUS_TAG:-nothing}) from ${DEPLOY_DIR}; log: ${LOG_FILE}"

export IMAGE_TAG=$NEW_TAG

# ── 2. pull ──────────────────────────────────────────────────────────────────────────────────────────────────
log "pulling images"
compose pull "${APP_SERVICES[@]}" frontend-init || die "pull failed; nothing has changed"

# Waits until the service's container is healthy (or, for one without a healthcheck, running).
wait_healthy() {
  local svc=$1 deadline id state
  deadline=$((SECONDS + DEPLOY_HEALTH_TIMEOUT_SECONDS))
  while :; do
    id=$(container_of "$svc")
    state=
    if [ -n "$id" ]; then
      state=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || true)
    fi
    case "$state" in
      healthy | running)
        log "${svc} is ${state}"
        return 0
        ;;
      unhealthy | exited | dead)
        log "${svc} is ${state}"
        docker logs --tail 50 "$id" 2>&1 | sed "s/^/  ${svc}| /" || true
        return 1
        ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "${svc} not healthy after ${DEPLOY_HEALTH_TIMEOUT_SECONDS}s (state: ${state:-no container})"
      [ -n "$id" ] && { docker logs --tail 50 "$id" 2>&1 | sed "s/^/  ${svc}| /" || true; }
      return 1
    fi
    sleep "$DEPLOY_POLL_SECONDS"
  done
}

# Waits for a one-shot container to finish with status 0.
wait_completed() {
  local svc=$1 deadline id state
  deadline=$((SECONDS + DEPLOY_HEALTH_TIMEOUT_SECONDS))
  while :; do
    id=$(container_of "$svc")
    state=
    [ -n "$id" ] && state=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id" 2>/dev/null || true)
    case "$state" in
      "exited 0") return 0 ;;
      exited* | dead*)
        log "${svc} failed (${state})"
        docker logs --tail 50 "$id" 2>&1 | sed "s/^/  ${svc}| /" || true
        return 1
        ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "${svc} did not finish within ${DEPLOY_HEALTH_TIMEOUT_SECONDS}s"
      return 1
    fi
    sleep "$DEPLOY_POLL_SECONDS"
  done
}

recreate() {
  local svc=$1
  log "recreating ${svc} on ${IMAGE_TAG}"
  compose up -d --no-deps --force-recreate "$svc" && wait_healthy "$svc"
}

update_frontend() {
  log "copying the SPA of ${IMAGE_TAG}"
  compose up -d --no-deps --force-recreate frontend-init && wait_completed frontend-init
}

# ── 3. data layer and safety dump ────────────────────────────────────────────────────────────────────────────
log "making sure db, redis and nats are up"
compose up -d db redis nats
wait_healthy db || die "db is not healthy; nothing has changed"
wait_healthy redis || die "redis is not healthy; nothing has changed"
# The proxy's /nats upstream must resolve before the proxy is recreated (tunnelling.md §2.1).
wait_healthy nats || die "nats is not healthy; nothing has changed"

log "safety dump before migrating"
compose --profile backup run --rm --no-deps -e BACKUP_ONCE=true -e BACKUP_PREFIX=pre-deploy -e "BACKUP_LABEL=${NEW_TAG}" \
  -e BACKUP_KEEP=3 backup || die "safety dump failed; nothing has changed"

# ── 4. migrations ────────────────────────────────────────────────────────────────────────────────────────────
log "running migrations"
compose --profile migrate run --rm migrate || die "migrations failed; the running services were not touched"

# ── 5. rolling restart, armed with a rollback ────────────────────────────────────────────────────────────────
ROLLBACK_ARMED=false

rollback() {
  trap - EXIT
  if [ -z "$PREVIOUS_TAG" ] || [ "$PREVIOUS_TAG" = "$NEW_TAG" ]; then
    log "ROLLBACK impossible: no previous tag to return to; services are in an unknown state"
    set_file_value .deploy-state LAST_RESULT "failed-no-rollback ${NEW_TAG}"
    exit 2
  fi
  log "ROLLBACK to ${PREVIOUS_TAG}"
  export IMAGE_TAG=$PREVIOUS_TAG
  local svc failed=0
  for svc in "${APP_SERVICES[@]}"; do
    recreate "$svc" || failed=1
  done
  update_frontend || failed=1
  recreate proxy || failed=1
  if [ "$failed" -ne 0 ]; then
    log "ROLLBACK to ${PREVIOUS_TAG} did not bring every service back healthy: investigate now"
    set_file_value .deploy-state LAST_RESULT "rollback-failed ${NEW_TAG}"
    exit 2
  fi
  set_file_value .deploy-state LAST_RESULT "rolled-back ${NEW_TAG}"
  log "rolled back to ${PREVIOUS_TAG}; ${NEW_TAG} failed (log: ${LOG_FILE})"
  exit 1
}

on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "$ROLLBACK_ARMED" = true ]; then
    rollback
  fi
}
trap on_exit EXIT

ROLLBACK_ARMED=true
for svc in "${APP_SERVICES[@]}"; do
  recreate "$svc" || die "${svc} did not become healthy on ${NEW_TAG}"
done
update_frontend || die "the SPA of ${NEW_TAG} could not be copied"
recreate proxy || die "proxy did not become healthy"

# ── smoke tests through the edge ─────────────────────────────────────────────────────────────────────────────
# Fetches https://$DOMAIN$path via 127.0.0.1 (retrying while services warm up); prints the body.
fetch() {
  local path=$1 accept=$2 attempt code body tls=()
  [ "$DEPLOY_SMOKE_TLS_VERIFY" = true ] || tls=(--insecure)
  body=$(mktemp)
  for attempt in 1 2 3 4 5; do
    code=$(curl --silent --show-error "${tls[@]}" --max-time 15 --resolve "${DOMAIN}:443:127.0.0.1" \
      -H "Accept: ${accept}" -o "$body" -w '%{http_code}' "https://${DOMAIN}${path}" || true)
    if [ "$code" = "200" ]; then
      cat "$body"
      rm -f "$body"
      return 0
    fi
    log "smoke ${path}: HTTP ${code:-error} (attempt ${attempt})"
    sleep "$DEPLOY_POLL_SECONDS"
  done
  rm -f "$body"
  return 1
}

smoke_tests() {
  local body
  fetch /health application/json >/dev/null || return 1
  fetch /api/v1/auth/config application/json >/dev/null || return 1
  fetch /aggregator/health application/json >/dev/null || return 1
  body=$(fetch /.well-known/oauth-protected-resource/mcp application/json) || return 1
  if ! grep -Eq '"resource"[[:space:]]*:[[:space:]]*"[^"]*/mcp"' <<<"$body"; then
    log "smoke: protected-resource metadata has no resource ending in /mcp: ${body:0:300}"
    return 1
  fi
  body=$(fetch / text/html) || return 1
  if ! grep -qi '<html' <<<"$body"; then
    log "smoke: / did not answer the SPA's HTML"
    return 1
  fi
  log "smoke tests passed"
}

if [ "$DEPLOY_SMOKE_TESTS" = true ]; then
  smoke_tests || die "smoke tests failed on ${NEW_TAG}"
fi
ROLLBACK_ARMED=false
trap - EXIT

# ── 6. record and prune ──────────────────────────────────────────────────────────────────────────────────────
set_file_value .env IMAGE_TAG "$NEW_TAG"
set_file_value .deploy-state IMAGE_TAG "$NEW_TAG"
set_file_value .deploy-state PREVIOUS_TAG "$PREVIOUS_TAG"
set_file_value .deploy-state DEPLOYED_AT "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
set_file_value .deploy-state LAST_RESULT "deployed ${NEW_TAG}"

# Keep the newest DEPLOY_KEEP_IMAGES tags of each service (always the current and previous ones), so a manual
# rollback does not need a pull.
for svc in "${IMAGE_SERVICES[@]}"; do
  image="ghcr.io/${REPOSITORY}-${svc}"
  kept=0
  while IFS= read -r tag; do
    if [ -z "$tag" ] || [ "$tag" = "<none>" ]; then continue; fi
    if [ "$tag" = "$NEW_TAG" ] || [ "$tag" = "$PREVIOUS_TAG" ] || [ "$tag" = latest ]; then
      kept=$((kept + 1))
      continue
    fi
    if [ "$kept" -lt "$DEPLOY_KEEP_IMAGES" ]; then
      kept=$((kept + 1))
      continue
    fi
    if docker image rm "${image}:${tag}" >/dev/null 2>&1; then log "pruned ${image}:${tag}"; fi
  done < <(docker image ls "$image" --format '{{.Tag}}' 2>/dev/null || true)
done

log "deployed ${NEW_TAG} (previous: ${PREVIOUS_TAG:-none})"
