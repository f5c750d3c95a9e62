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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$REPO_DIR/deploy/launchd
DEST=$HOME/Library/LaunchAgents
RESET_LABEL=com.llm-usage-collector.reset
COLLECTOR_LABEL=com.llm-usage-collector

parse_common_options "$@"

if [ ! -x /bin/launchctl ] && [ "$DRY_RUN" = 0 ]; then
  echo "launchctl not found (not macOS): writing the files and only printing the launchctl lines"
  DRY_RUN=1
fi
DOMAIN=gui/$(id -u)

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
find_python
if [ ! -f "$ENV_FILE" ]; then
  echo "warning: $ENV_FILE does not exist yet; run \`make setup\` before the first reset" >&2
fi

mkdir -p "$DEST"
echo "Writing agents to $DEST:"
for label in "${LABELS[@]}"; do
  fill_template "$TEMPLATES/$label.plist.in" "$DEST/$label.plist" xml_escape
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
