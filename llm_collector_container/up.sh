#!/bin/bash
# Build and start the collector container, then wait until /health answers.
#   llm_collector_container/up.sh
# First run: creates the API key in ../.env (or $COLLECTOR_ENV_FILE) and the extension's local
# config (extension/config.local.json or $COLLECTOR_EXTENSION_CONFIG), and the data folder
# (~/llm-usage-collector-data or $COLLECTOR_DATA_DIR).
# Other settings: see the top of docker-compose.yml.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_tools

data_dir=$(mkdir -p "$COLLECTOR_DATA_DIR" && cd "$COLLECTOR_DATA_DIR" && pwd -P)
case "$data_dir/" in
  "$(cd "$REPO_DIR" && pwd -P)"/*)
    echo "up.sh: COLLECTOR_DATA_DIR=$data_dir is inside the source tree; pick a folder outside it" >&2
    exit 2
    ;;
esac
chmod 700 "$data_dir"
if [ "$(id -u)" = 0 ]; then chown "$COLLECTOR_UID:$COLLECTOR_GID" "$data_dir"; fi
export COLLECTOR_DATA_DIR=$data_dir

# Creates the key once (kept on every later run) and points the extension at this port.
keysetup --non-interactive --env-file "$COLLECTOR_ENV_FILE" --url "$URL" \
  --extension-config "${COLLECTOR_EXTENSION_CONFIG:-$REPO_DIR/extension/config.local.json}"

compose up -d --build
wait_for_health
echo "data: $COLLECTOR_DATA_DIR   key: $COLLECTOR_ENV_FILE   stop: $HERE/down.sh"
