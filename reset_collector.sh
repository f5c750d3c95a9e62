#!/bin/bash
# Daily reset of the LLM Usage Collector: snapshot and zero the counters, but only when something
# was recorded. Run by launchd (deploy/launchd/) or a systemd user timer (deploy/systemd/), or by hand.
#
# HTTP only (it never calls docker), so it works the same for the venv and the container set-ups.
# Every tool is called by absolute path or through a fixed PATH, because launchd's PATH is minimal.
#
# Settings (environment variables; the install scripts write the detected paths into the unit):
#   RESET_ENV_FILE        dotenv file with API_KEY (and optionally COLLECTOR_URL or PORT)
#                         default: $ENV_FILE (as for the collector), else .env beside this script
#                         (the one `make setup` writes)
#   API_KEY, COLLECTOR_URL  when set in the environment they win over the file, as for the collector
#   RESET_CURL            curl binary (default /usr/bin/curl)
#   RESET_PYTHON          python3 used to read JSON (default: .venv/bin/python beside this script,
#                         else /usr/bin/python3)
#   RESET_LOG             log file (default reset_collector.log beside this script), rotated at
#   RESET_LOG_MAX_BYTES   (default 262144) keeping RESET_LOG_KEEP old files (default 3)
#   RESET_HEALTH_TRIES    /health attempts before giving up (default 8)
#   RESET_BACKOFF_SECONDS first wait between attempts, doubled each time (default 2) up to
#   RESET_BACKOFF_MAX_SECONDS (default 60)
#   RESET_TRIES           /counters and /reset attempts on a network or 5xx error (default 3)
#   RESET_CURL_TIMEOUT    seconds per HTTP request (default 15)
#   RESET_LOG_STDERR      1: also write log lines to stderr (default: only when stderr is a terminal)
#
# Exit status: 0 reset done or nothing to reset; 2 configuration problem (no key, no curl/python);
# 3 collector unreachable; 4 key refused (HTTP 401/403); 5 the collector failed or answered
# something unexpected.
set -euo pipefail

PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH
umask 077

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENV_FILE=${RESET_ENV_FILE:-${ENV_FILE:-$SCRIPT_DIR/.env}}
CURL=${RESET_CURL:-/usr/bin/curl}
if [ -n "${RESET_PYTHON:-}" ]; then
  PYTHON=$RESET_PYTHON
elif [ -x "$SCRIPT_DIR/.venv/bin/python" ]; then
  PYTHON=$SCRIPT_DIR/.venv/bin/python
else
  PYTHON=/usr/bin/python3
fi
LOG=${RESET_LOG:-$SCRIPT_DIR/reset_collector.log}
LOG_MAX_BYTES=${RESET_LOG_MAX_BYTES:-262144}
LOG_KEEP=${RESET_LOG_KEEP:-3}
HEALTH_TRIES=${RESET_HEALTH_TRIES:-8}
BACKOFF=${RESET_BACKOFF_SECONDS:-2}
BACKOFF_MAX=${RESET_BACKOFF_MAX_SECONDS:-60}
TRIES=${RESET_TRIES:-3}
TIMEOUT=${RESET_CURL_TIMEOUT:-15}
FAILED_ATTEMPTS=""

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reset_collector.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

rotate_log() {
  local size i
  [ -f "$LOG" ] || return 0
  size=$(wc -c <"$LOG" | tr -d ' ')
  [ "$size" -ge "$LOG_MAX_BYTES" ] || return 0
  for ((i = LOG_KEEP - 1; i >= 1; i--)); do
    if [ -f "$LOG.$i" ]; then mv -f "$LOG.$i" "$LOG.$((i + 1))"; fi
  done
  if [ "$LOG_KEEP" -ge 1 ]; then mv -f "$LOG" "$LOG.1"; else rm -f "$LOG"; fi
}

# Printable text only: a body or an error from the network must not forge or garble log lines.
printable() {
  printf '%s' "$*" | LC_ALL=C tr -c '[:print:]' '?'
}

log() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) reset_collector[$$]: $(printable "$*")"
  if ! { rotate_log && printf '%s\n' "$line" >>"$LOG"; } 2>/dev/null; then
    printf '%s (could not write %s)\n' "$line" "$LOG" >&2
  elif [ -t 2 ] || [ "${RESET_LOG_STDERR:-0}" = 1 ]; then
    printf '%s\n' "$line" >&2
  fi
}

fail() {
  local code=$1
  shift
  log "FAILED: $*"
  exit "$code"
}

# The value of NAME in the env file, read like python-dotenv does for simple lines (never sourced).
env_file_value() {
  local name=$1 line value="" re dq sq
  re="^[[:space:]]*(export[[:space:]]+)?${name}[[:space:]]*=(.*)$"
  dq='^"(.*)"$'
  sq="^'(.*)'\$"
  [ -r "$ENV_FILE" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    if [[ $line =~ $re ]]; then
      value=${BASH_REMATCH[2]}
      value=${value#"${value%%[![:space:]]*}"}
      value=${value%"${value##*[![:space:]]}"}
      if [[ $value =~ $dq || $value =~ $sq ]]; then
        value=${BASH_REMATCH[1]}
      else
        value=${value%%[[:space:]]#*}
        value=${value%"${value##*[![:space:]]}"}
      fi
    fi
  done <"$ENV_FILE"
  printf '%s' "$value"
}

# http METHOD PATH [auth]: body in $WORK/body, status in HTTP_CODE, curl's complaint in $WORK/err.
# `--fail-with-body` (curl 7.76+) makes any HTTP error a non-zero exit and keeps the body for the
# log; the status code still tells 401 from 500.
http() {
  local method=$1 path=$2 auth=${3:-} key rc=0
  local args=(-sS --fail-with-body -X "$method" --connect-timeout 5 --max-time "$TIMEOUT"
    -o "$WORK/body" -w '%{http_code}' -K -)
  if [ "$method" = POST ]; then
    args+=(-H 'Content-Type: application/json' --data '{}')
  fi
  : >"$WORK/body"
  key=${API_KEY//\\/\\\\}
  key=${key//\"/\\\"}
  # The key goes to curl on stdin, never on the command line where `ps` would show it.
  HTTP_CODE=$(if [ -n "$auth" ]; then printf 'header = "X-API-KEY: %s"\n' "$key"; fi |
    "$CURL" "${args[@]}" "$URL$path" 2>"$WORK/err") || rc=$?
  return "$rc"
}

status_text() {
  case "${HTTP_CODE:-000}" in
    000) echo "no HTTP answer" ;;
    *) echo "HTTP $HTTP_CODE" ;;
  esac
}

curl_error() {
  tr '\n' ' ' <"$WORK/err" | sed 's/ *$//'
}

# The start of the answer's body, for the log (`log` makes it printable).
short_body() {
  head -c 200 "$WORK/body"
}

# Call an authenticated endpoint, retrying network and 5xx errors; 401/403 is final (exit 4).
call_with_retries() {
  local method=$1 path=$2 attempt
  for ((attempt = 1; attempt <= TRIES; attempt++)); do
    if http "$method" "$path" auth; then
      return 0
    fi
    case "$HTTP_CODE" in
      401 | 403)
        fail 4 "the collector refused the key (HTTP $HTTP_CODE from $method $path):" \
          "API_KEY from $KEY_SOURCE does not match the collector's key"
        ;;
      4??) fail 5 "HTTP $HTTP_CODE from $method $path: $(short_body)" ;;
    esac
    FAILED_ATTEMPTS="$FAILED_ATTEMPTS $(status_text)"
    log "$method $path failed (attempt $attempt/$TRIES, $(status_text)): $(short_body)" \
      "$(curl_error)"
    if [ "$attempt" -lt "$TRIES" ]; then sleep "$BACKOFF"; fi
  done
  fail 5 "$method $path failed $TRIES times; last error: $(status_text) $(short_body)" \
    "$(curl_error)"
}

wait_for_health() {
  local attempt delay=$BACKOFF
  for ((attempt = 1; attempt <= HEALTH_TRIES; attempt++)); do
    if http GET /health; then
      return 0
    fi
    if [ "$attempt" -lt "$HEALTH_TRIES" ]; then
      log "collector not ready at $URL (attempt $attempt/$HEALTH_TRIES): $(curl_error);" \
        "retrying in ${delay}s"
      sleep "$delay"
      delay=$((delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2))
    fi
  done
  fail 3 "collector not reachable at $URL/health after $HEALTH_TRIES attempts: $(curl_error)" \
    "(is it running?)"
}

# Reads a JSON answer with python (never a string match). Prints one line, see each mode.
read_json() {
  "$PYTHON" -I -c '
import json, sys
mode, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    data = json.load(f)
if mode == "counters":
    counters = data["counters"]
    if not isinstance(counters, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counters.values()
    ):
        raise ValueError("counters is not an object of non-negative integers")
    print(sum(counters.values()), sum(1 for v in counters.values() if v))
else:
    if data.get("ok") is not True:
        raise ValueError("ok is not true")
    print(data.get("snapshot") or "none")
' "$1" "$WORK/body" 2>"$WORK/err"
}

main() {
  local counts total hosts snapshot
  KEY_SOURCE="the environment"
  if [ -z "${API_KEY:-}" ]; then
    API_KEY=$(env_file_value API_KEY)
    KEY_SOURCE=$ENV_FILE
  fi
  URL=${COLLECTOR_URL:-$(env_file_value COLLECTOR_URL)}
  if [ -z "$URL" ]; then
    local port
    port=$(env_file_value PORT)
    [[ $port =~ ^[1-9][0-9]*$ ]] || port=9000
    URL=http://127.0.0.1:$port
  fi
  URL=${URL%/}
  [ -n "$API_KEY" ] || fail 2 "no API_KEY in $ENV_FILE or the environment" \
    "(run \`make setup\` in the repository, or set RESET_ENV_FILE)"
  [ -x "$CURL" ] || fail 2 "curl not found at $CURL (set RESET_CURL)"
  [ -x "$PYTHON" ] || fail 2 "python3 not found at $PYTHON (set RESET_PYTHON)"

  wait_for_health
  call_with_retries GET /counters
  counts=$(read_json counters) ||
    fail 5 "unexpected /counters answer ($(curl_error)): $(short_body)"
  read -r total hosts <<<"$counts"
  if [ "$total" -eq 0 ]; then
    log "nothing recorded since the last reset at $URL: no reset needed"
    return 0
  fi
  FAILED_ATTEMPTS=""
  call_with_retries POST /reset
  snapshot=$(read_json reset) ||
    fail 5 "unexpected /reset answer ($(curl_error)): $(short_body)"
  if [ "$snapshot" = none ]; then
    # A refused reset changes nothing, so "nothing recorded" now, after a failed attempt, is not
    # a success this script can vouch for: say so and let the operator look.
    [ -z "$FAILED_ATTEMPTS" ] ||
      fail 5 "POST /reset failed first (${FAILED_ATTEMPTS# }), then the collector reported nothing" \
        "to reset: check SNAP_DIR for today's snapshot"
    log "reset at $URL wrote no snapshot: nothing was recorded"
  else
    log "reset done at $URL: $total tokens over $hosts host(s) saved in $snapshot"
  fi
}

main "$@"
