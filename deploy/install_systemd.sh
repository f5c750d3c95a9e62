#!/bin/bash
# Install the daily reset (and, with --with-collector, the collector itself) as systemd user units.
#
#   deploy/install_systemd.sh [--with-collector] [--dry-run] [--dest DIR] [--uninstall]
#
# Fills the templates in deploy/systemd/ with absolute paths for this checkout and this user,
# writes them to ~/.config/systemd/user/ (or --dest), then runs, and prints, the systemctl lines.
# --dry-run writes the files but only prints the systemctl lines. Re-running is safe.
# Settings: ENV_FILE (or RESET_ENV_FILE; default: .env in the checkout) for a key file outside
# the tree: the units then read the key from there.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$REPO_DIR/deploy/systemd
DEST=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
NO_MANAGER=0

parse_common_options "$@"

# systemd would read %, $, \ and " in these values as specifiers or escapes: refuse them.
check_path() {
  case "$1" in
    *%* | *\$* | *\\* | *\"*)
      echo "install_systemd.sh: $1 contains one of % \$ \\ \"; move the checkout to a plainer path" >&2
      exit 2
      ;;
  esac
}

UNITS=(llm-usage-collector-reset.service llm-usage-collector-reset.timer)
if [ "$WITH_COLLECTOR" = 1 ]; then UNITS+=(llm-usage-collector.service); fi

if [ "$DRY_RUN" = 0 ] && ! systemctl --user show-environment >/dev/null 2>&1; then
  echo "systemctl --user cannot reach your user manager here (no login session, e.g. sudo or su)." >&2
  echo "The files are handled; run the systemctl lines below from your own login session." >&2
  DRY_RUN=1
  NO_MANAGER=1
fi

if [ "$UNINSTALL" = 1 ]; then
  echo "Removing the units from $DEST:"
  run systemctl --user disable --now llm-usage-collector-reset.timer llm-usage-collector.service || true
  for unit in "${UNITS[@]}" llm-usage-collector.service; do
    rm -f "$DEST/$unit"
  done
  run systemctl --user daemon-reload
  exit "$NO_MANAGER"
fi

ENV_FILE=${RESET_ENV_FILE:-${ENV_FILE:-$REPO_DIR/.env}}
CURL=$(absolute curl) || {
  echo "install_systemd.sh: curl not found; install it (e.g. sudo apt-get install curl)" >&2
  exit 2
}
find_python
for value in "$REPO_DIR" "$ENV_FILE" "$CURL" "$PYTHON"; do check_path "$value"; done
if [ ! -f "$ENV_FILE" ]; then
  echo "warning: $ENV_FILE does not exist yet; run \`make setup\` before the first reset" >&2
fi

mkdir -p "$DEST"
echo "Writing units to $DEST:"
for unit in "${UNITS[@]}"; do
  fill_template "$TEMPLATES/$unit.in" "$DEST/$unit"
  echo "  $DEST/$unit"
done

echo "Enabling them:"
run systemctl --user daemon-reload
run systemctl --user enable --now llm-usage-collector-reset.timer
if [ "$WITH_COLLECTOR" = 1 ]; then
  run systemctl --user enable --now llm-usage-collector.service
fi
cat <<MSG
Check with:
  systemctl --user list-timers llm-usage-collector-reset.timer
  journalctl --user -u llm-usage-collector-reset.service
To keep user units running while you are logged out:
  sudo loginctl enable-linger $(id -un)
MSG
exit "$NO_MANAGER"
