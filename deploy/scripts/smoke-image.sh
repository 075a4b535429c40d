#!/usr/bin/env bash
# Starts a freshly built image the way production runs it (read-only root, no capabilities, tmpfs /tmp) with
# development defaults, and waits for its /health: a bundle that builds but cannot start fails CI here instead
# of failing the deploy's health gate. Used by .github/workflows/ci.yml (build-images).
#
#   deploy/scripts/smoke-image.sh <image> <backend|aggregator|mcp|satellite|web>
set -euo pipefail

image=${1:?usage: smoke-image.sh <image> <service>}
service=${2:?usage: smoke-image.sh <image> <service>}
timeout=${SMOKE_TIMEOUT_SECONDS:-90}

args=(--detach --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true)
data_tmpfs="/data:uid=1000,gid=1000"
case "$service" in
  # Embedded PGlite, in-memory KV and generated keys: the zero-setup mode, with its state on a tmpfs.
  backend) args+=(--tmpfs "$data_tmpfs" -e REDIS_URL=memory:// -e PORT=8000) port=8000 ;;
  aggregator) port=8001 ;;
  mcp) args+=(--tmpfs "$data_tmpfs" -e REDIS_URL=memory://) port=8002 ;;
  satellite) args+=(--tmpfs "$data_tmpfs" -e SATELLITE_PUBLISH=false) port=8003 ;;
  # The web image's nginx resolves its `backend` upstream at start-up.
  web) args+=(--add-host backend:127.0.0.1) port=8080 ;;
  *)
    echo "smoke-image: unknown service $service" >&2
    exit 2
    ;;
esac
path=/health
[ "$service" = web ] && path=/nginx-health

id=$(docker run "${args[@]}" "$image")
trap 'docker rm -f "$id" >/dev/null 2>&1 || true' EXIT
deadline=$((SECONDS + timeout))
while [ "$SECONDS" -lt "$deadline" ]; do
  if [ "$(docker inspect --format '{{.State.Running}}' "$id")" != true ]; then
    echo "smoke-image: $service exited" >&2
    docker logs "$id" >&2 || true
    exit 1
  fi
  # The image's own healthcheck command, run now rather than after its interval.
  if docker exec "$id" wget -q -O /dev/null "http://127.0.0.1:${port}${path}" 2>/dev/null; then
    echo "smoke-image: $service answers ${path} on :${port}"
    exit 0
  fi
  sleep 2
done
echo "smoke-image: $service did not answer ${path} within ${timeout}s" >&2
docker logs "$id" >&2 || true
exit 1
