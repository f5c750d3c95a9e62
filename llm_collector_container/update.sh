#!/bin/bash
# Rebuild the image on a refreshed base (docker pulls the newest image of the pinned tag, or the
# pinned digest), recreate the container, then check /health and an authenticated /counters.
#   llm_collector_container/update.sh [--no-cache]
# --no-cache also reinstalls the pinned Python and npm packages. State in the data folder is kept.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_tools

compose build --pull "$@"
compose up -d
wait_for_health

# The key is read from the env file without sourcing it, and given to curl on stdin (not argv).
key=$(keysetup --stored-key "$COLLECTOR_ENV_FILE")
body=$(printf 'header = "X-API-KEY: %s"\n' "$key" |
  curl -fsS --max-time 10 -K - "$URL/counters") || {
  echo "update.sh: authenticated GET /counters failed: is API_KEY in $COLLECTOR_ENV_FILE right?" >&2
  exit 1
}
printf '%s' "$body" | python3 -c 'import json, sys; print("counters ok:", json.load(sys.stdin)["counters"])'
echo "update done"
