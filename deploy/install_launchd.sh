#!/bin/bash
# Install the daily reset (and, with --with-collector, the collector itself) as launchd agents.
#
#   deploy/install_launchd.sh [--with-collector] [--dry-run] [--dest DIR] [--uninstall]
#
# Fills the templates in deploy/launchd/ with absolute paths for this checkout and this user,
# writes them to ~/Library/LaunchAgents/ (or --dest), then runs, and prints, the launchctl lines.
# --dry-run (automatic where launchctl does not exist) writes the files but only prints the lines.
# Settings: ENV_FILE (or RESET_ENV_FILE; default: .env in the checkout) for a key file outside
# the tree: the units then read the key from there.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$REPO_DIR/deploy/launchd
DEST=$HOME/Library/LaunchAgents
WITH_COLLECTOR=0
DRY_RUN=0
UNINSTALL=0
RESET_LABEL=com.llm-usage-collector.reset
COLLECTOR_LABEL=com.llm-usage-collector

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --with-collector) WITH_COLLECTOR=1 ;;
    --dry-run) DRY_RUN=1 ;;
    --uninstall) UNINSTALL=1 ;;
    --dest)
      DEST=${2:?--dest needs a folder}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "install_launchd.sh: unknown option $1" >&2
      usage >&2
      exit 2
      ;;
  esac
  shift
done

if [ ! -x /bin/launchctl ] && [ "$DRY_RUN" = 0 ]; then
  echo "launchctl not found (not macOS): writing the files and only printing the launchctl lines"
  DRY_RUN=1
fi
DOMAIN=gui/$(id -u)

run() {
  printf ' '
  printf ' %q' "$@"
  printf '\n'
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

# Unload first so that a re-install picks up the new file (an error here only means "not loaded").
bootout() {
  printf '  %s\n' "launchctl bootout $DOMAIN/$1 2>/dev/null || true"
  if [ "$DRY_RUN" = 0 ]; then launchctl bootout "$DOMAIN/$1" 2>/dev/null || true; fi
}

xml_escape() {
  local s
  s=$(replace_all "$1" '&' '&amp;')
  s=$(replace_all "$s" '<' '&lt;')
  replace_all "$s" '>' '&gt;'
}

# Replace every PATTERN in TEXT by VALUE, literally (bash 5.2 gives `&` a meaning in ${x//a/b}).
replace_all() {
  local text=$1 pattern=$2 value=$3 out=""
  while [[ $text == *"$pattern"* ]]; do
    out+=${text%%"$pattern"*}$value
    text=${text#*"$pattern"}
  done
  printf '%s' "$out$text"
}

absolute() {
  local found
  found=$(command -v "$1" 2>/dev/null) || return 1
  (cd "$(dirname "$found")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$found")")
}

LABELS=("$RESET_LABEL")
if [ "$WITH_COLLECTOR" = 1 ]; then LABELS+=("$COLLECTOR_LABEL"); fi

if [ "$UNINSTALL" = 1 ]; then
  echo "Removing the agents from $DEST:"
  for label in "$RESET_LABEL" "$COLLECTOR_LABEL"; do
    bootout "$label"
    rm -f "$DEST/$label.plist"
  done
  exit 0
fi

case "$REPO_DIR" in
  "$HOME"/Documents/* | "$HOME"/Desktop/* | "$HOME"/Downloads/*)
    echo "warning: $REPO_DIR is in a folder macOS protects; launchd jobs may be denied access." >&2
    echo "         Move the checkout to e.g. ~/src (see docs/install.md)." >&2
    ;;
esac

ENV_FILE=${RESET_ENV_FILE:-${ENV_FILE:-$REPO_DIR/.env}}
if [ -x /usr/bin/curl ]; then CURL=/usr/bin/curl; else CURL=$(absolute curl) || {
  echo "install_launchd.sh: curl not found" >&2
  exit 2
}; fi
VENV_PYTHON=$REPO_DIR/.venv/bin/python
if [ -x "$VENV_PYTHON" ]; then
  PYTHON=$VENV_PYTHON
else
  # The real interpreter, not a shim (pyenv's need a PATH that launchd and systemd do not give).
  PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || {
    echo "install_launchd.sh: python3 not found (the reset script reads JSON with it)" >&2
    exit 2
  }
fi
if [ "$WITH_COLLECTOR" = 1 ] && [ ! -x "$VENV_PYTHON" ]; then
  echo "install_launchd.sh: $VENV_PYTHON is missing; run \`make setup\` in $REPO_DIR first" >&2
  exit 2
fi
if [ ! -f "$ENV_FILE" ]; then
  echo "warning: $ENV_FILE does not exist yet; run \`make setup\` before the first reset" >&2
fi

mkdir -p "$DEST"
echo "Writing agents to $DEST:"
for label in "${LABELS[@]}"; do
  text=$(<"$TEMPLATES/$label.plist.in")
  text=$(replace_all "$text" @REPO_DIR@ "$(xml_escape "$REPO_DIR")")
  text=$(replace_all "$text" @ENV_FILE@ "$(xml_escape "$ENV_FILE")")
  text=$(replace_all "$text" @CURL@ "$(xml_escape "$CURL")")
  text=$(replace_all "$text" @PYTHON@ "$(xml_escape "$PYTHON")")
  text=$(replace_all "$text" @VENV_PYTHON@ "$(xml_escape "$VENV_PYTHON")")
  printf '%s\n' "$text" >"$DEST/$label.plist"
  echo "  $DEST/$label.plist"
  if [ -x /usr/bin/plutil ]; then /usr/bin/plutil -lint "$DEST/$label.plist"; fi
done

echo "Loading them (each starts once now, RunAtLoad):"
for label in "${LABELS[@]}"; do
  bootout "$label"
  run launchctl bootstrap "$DOMAIN" "$DEST/$label.plist"
done
cat <<MSG
Check with:
  launchctl print $DOMAIN/$RESET_LABEL | head -20
  tail $(printf '%q' "$REPO_DIR/reset_collector.log")
Run the reset now by hand:
  launchctl kickstart $DOMAIN/$RESET_LABEL
MSG
