# Shared by install_launchd.sh and install_systemd.sh (sourced, not run): option parsing and helpers.
# shellcheck shell=bash
# Bash 3.2 (macOS) compatible. The sourcing installer's own path and name, for usage and messages:
INSTALLER=${BASH_SOURCE[1]}
INSTALLER_NAME=${INSTALLER##*/}

# The installer's header comment (lines 2-10) is its usage text.
usage() {
  sed -n '2,10p' "$INSTALLER" | sed 's/^# \{0,1\}//'
}

# Sets WITH_COLLECTOR, DRY_RUN, UNINSTALL and (with --dest) DEST; exits on --help or an unknown option.
# shellcheck disable=SC2034  # the installers read these
parse_common_options() {
  WITH_COLLECTOR=0
  DRY_RUN=0
  UNINSTALL=0
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
        echo "$INSTALLER_NAME: unknown option $1" >&2
        usage >&2
        exit 2
        ;;
    esac
    shift
  done
}

# Run a command, or only show it with --dry-run.
run() {
  printf ' '
  printf ' %q' "$@"
  printf '\n'
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
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

# Sets VENV_PYTHON (the checkout's .venv) and PYTHON (it, else the real python3); exits 2 when
# there is no python3, or when --with-collector needs the .venv and it is missing.
# shellcheck disable=SC2034  # the installers read these
find_python() {
  VENV_PYTHON=$REPO_DIR/.venv/bin/python
  if [ -x "$VENV_PYTHON" ]; then
    PYTHON=$VENV_PYTHON
  else
    # The real interpreter, not a shim (pyenv's need a PATH that launchd and systemd do not give).
    PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || {
      echo "$INSTALLER_NAME: python3 not found (the reset script reads JSON with it)" >&2
      exit 2
    }
  fi
  if [ "$WITH_COLLECTOR" = 1 ] && [ ! -x "$VENV_PYTHON" ]; then
    echo "$INSTALLER_NAME: $VENV_PYTHON is missing; run \`make setup\` in $REPO_DIR first" >&2
    exit 2
  fi
}

# Writes TEMPLATE to OUT with @REPO_DIR@, @ENV_FILE@, @CURL@, @PYTHON@ and @VENV_PYTHON@ filled in
# from those variables, each value first passed through ESCAPE when one is given (e.g. xml_escape).
fill_template() {
  local out=$2 escape=${3:-} text value
  text=$(<"$1")
  set -- @REPO_DIR@ "$REPO_DIR" @ENV_FILE@ "$ENV_FILE" @CURL@ "$CURL" @PYTHON@ "$PYTHON" \
    @VENV_PYTHON@ "$VENV_PYTHON"
  while [ $# -gt 0 ]; do
    value=$2
    if [ -n "$escape" ]; then value=$("$escape" "$value"); fi
    text=$(replace_all "$text" "$1" "$value")
    shift 2
  done
  printf '%s\n' "$text" >"$out"
}
