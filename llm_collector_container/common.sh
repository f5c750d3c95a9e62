# Shared by up.sh and update.sh (sourced, not run): settings with their defaults, and helpers.
# shellcheck shell=bash
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HERE/.." && pwd)

# The host's IANA zone (macOS and most Linux: the /etc/localtime link), else UTC.
host_zone() {
  local link
  if [ -r /etc/timezone ]; then
    head -n 1 /etc/timezone
    return
  fi
  link=$(readlink /etc/localtime 2>/dev/null || true)
  case "$link" in
    *zoneinfo/*) printf '%s\n' "${link##*zoneinfo/}" ;;
    *) echo UTC ;;
  esac
}

export COLLECTOR_DATA_DIR=${COLLECTOR_DATA_DIR:-$HOME/llm-usage-collector-data}
export COLLECTOR_ENV_FILE=${COLLECTOR_ENV_FILE:-${ENV_FILE:-$REPO_DIR/.env}}
export COLLECTOR_PORT=${COLLECTOR_PORT:-9000}
COLLECTOR_TZ=${COLLECTOR_TZ:-$(host_zone)}
export COLLECTOR_TZ
if [ "$(id -u)" = 0 ]; then
  # root: run as the image's own user rather than as root.
  export COLLECTOR_UID=${COLLECTOR_UID:-10001} COLLECTOR_GID=${COLLECTOR_GID:-10001}
else
  COLLECTOR_UID=${COLLECTOR_UID:-$(id -u)}
  COLLECTOR_GID=${COLLECTOR_GID:-$(id -g)}
  export COLLECTOR_UID COLLECTOR_GID
fi
URL=http://127.0.0.1:$COLLECTOR_PORT

# Run collector/keysetup.py with the system python3 (standard library only). Loaded by file path,
# so that the collector's own modules never shadow the standard library's.
keysetup() {
  python3 -c 'import importlib.util, sys
spec = importlib.util.spec_from_file_location("keysetup", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if sys.argv[2] == "--stored-key":
    print(module.stored_key(sys.argv[3]))
else:
    sys.exit(module.main(sys.argv[2:]))' "$REPO_DIR/collector/keysetup.py" "$@"
}

compose() {
  docker compose -f "$HERE/docker-compose.yml" "$@"
}

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "$(basename "$0"): $1 is needed: $2" >&2
    exit 2
  }
}

check_tools() {
  need docker "install Docker Desktop (macOS) or Docker Engine (Linux)"
  docker compose version >/dev/null 2>&1 || {
    echo "$(basename "$0"): the docker compose plugin is needed (docker compose version failed)" >&2
    exit 2
  }
  need curl "to check /health"
  need python3 "to create the API key (collector/keysetup.py) and read JSON"
}

# Wait until the open /health answers, with a bounded number of tries.
wait_for_health() {
  local attempt tries=${COLLECTOR_HEALTH_TRIES:-45}
  for ((attempt = 1; attempt <= tries; attempt++)); do
    if curl -fsS --max-time 5 "$URL/health" >/dev/null 2>&1; then
      echo "collector is up at $URL"
      return 0
    fi
    if [ "$attempt" -lt "$tries" ]; then sleep 2; fi
  done
  echo "$(basename "$0"): no answer from $URL/health after $tries tries; see: docker compose -f" \
    "$HERE/docker-compose.yml logs" >&2
  return 1
}
