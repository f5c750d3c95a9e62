#!/bin/bash
# Stop and remove the collector container. The data folder and the image are kept.
#   llm_collector_container/down.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# compose needs the variables it interpolates even to stop; their values do not matter here.
export COLLECTOR_DATA_DIR=${COLLECTOR_DATA_DIR:-$HOME/llm-usage-collector-data}
docker compose -f "$HERE/docker-compose.yml" down
