"""Set-up step: create the API key once and write the extension's local config from it.

Run as `python -m collector.keysetup [--non-interactive] [--env-file PATH] [--extension-config PATH]
[--url URL] [--show-key]`. It uses the standard library only, so it also runs as a plain script
(`python3 collector/keysetup.py`) before any package is installed, e.g. from
`llm_collector_container/up.sh` on a machine that only has Docker and the system python3.

- The key lives in a dotenv file (default: `$ENV_FILE` when set, as for `python -m collector`,
  else `.env` at the repository root, which git ignores), as `API_KEY=...`. Other lines are kept as they are. The file is made 0600, and fixed to 0600 when it
  already exists with a looser mode.
- An existing non-empty `API_KEY` is never replaced: re-running is safe and changes nothing.
- The extension's local config (`extension/config.local.json`, git-ignored) gets `collectorUrl` and
  `apiKey`; other fields in it are kept. It is 0600 too.
- The key itself is printed only with `--show-key`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = REPO_DIR / ".env"
DEFAULT_EXTENSION_CONFIG = REPO_DIR / "extension" / "config.local.json"
DEFAULT_PORT = 9000
SECRET_MODE = 0o600

# `API_KEY=value` or `export API_KEY=value`, as python-dotenv reads it (value may be quoted).
_KEY_LINE = re.compile(r"^\s*(?:export\s+)?API_KEY\s*=(?P<value>.*)$")
_PORT_LINE = re.compile(r"^\s*(?:export\s+)?PORT\s*=(?P<value>.*)$")


class SetupError(Exception):
    """A problem the user can fix; printed as one message, exit status 1."""


def _unquote(raw: str) -> str:
    """A dotenv value: quotes removed, or an unquoted trailing ` # comment` cut."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


def read_setting(lines: list[str], pattern: re.Pattern[str]) -> str:
    """The last value assigned by a line matching `pattern` (python-dotenv: the last one wins)."""
    found = ""
    for line in lines:
        match = pattern.match(line)
        if match:
            found = _unquote(match.group("value"))
    return found


def stored_key(env_file: Path | str) -> str:
    """The API_KEY assigned in `env_file`, or "" (used by llm_collector_container/update.sh)."""
    path = Path(env_file)
    return (
        read_setting(path.read_text(encoding="utf-8").splitlines(), _KEY_LINE)
        if path.exists()
        else ""
    )


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, mode 0600 from the first byte on.

    :raise OSError: the folder is missing or not writable.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, SECRET_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def tighten_mode(path: Path) -> bool:
    """Make an existing secret file 0600; True when its mode was looser."""
    mode = path.stat().st_mode & 0o777
    if mode != SECRET_MODE:
        path.chmod(SECRET_MODE)
        return True
    return False


def with_key(lines: list[str], key: str) -> str:
    """The env file's text with `API_KEY=key`: an empty assignment filled in, else appended."""
    out = list(lines)
    for index, line in enumerate(out):
        if _KEY_LINE.match(line):
            out[index] = f"API_KEY={key}"
            break
    else:
        out.append(f"API_KEY={key}")
    return "\n".join(out) + "\n"


def ensure_key(env_file: Path, confirm: bool) -> tuple[str, bool]:
    """The key stored in `env_file`, created there first when it has none.

    :param confirm: ask on the terminal before creating a key.
    :return: (key, created)
    :raise SetupError: the user declined, or the file cannot be read or written.
    """
    try:
        lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    except OSError as exc:
        raise SetupError(f"cannot read {env_file}: {exc.strerror}") from exc
    key = read_setting(lines, _KEY_LINE)
    if key:
        return key, False
    if confirm:
        answer = input(f"Create a new API key in {env_file}? [Y/n] ").strip().lower()
        if answer not in {"", "y", "yes"}:
            raise SetupError("no key created; the collector will not start without API_KEY")
    key = secrets.token_urlsafe(32)
    try:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        write_private(env_file, with_key(lines, key))
    except OSError as exc:
        raise SetupError(f"cannot write {env_file}: {exc.strerror}") from exc
    return key, True


def default_url(env_file: Path, environ: Mapping[str, str]) -> str:
    """http://127.0.0.1:<PORT>, with PORT from the environment or the env file, else 9000."""
    port = environ.get("PORT", "").strip()
    if not port and env_file.exists():
        port = read_setting(env_file.read_text(encoding="utf-8").splitlines(), _PORT_LINE)
    if not port.isdigit() or int(port) == 0:
        port = str(DEFAULT_PORT)
    return f"http://127.0.0.1:{int(port)}"


def write_extension_config(path: Path, url: str, key: str) -> None:
    """Set `collectorUrl` and `apiKey` in the extension's local config, keeping any other field.

    :raise SetupError: the folder cannot be written.
    """
    config: dict[str, object] = {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if isinstance(loaded, dict):
            config = loaded
    except (OSError, ValueError):
        config = {}  # unreadable or not JSON: rewritten from scratch below
    config.update(collectorUrl=url, apiKey=key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(config, indent=2) + "\n")
    except OSError as exc:
        raise SetupError(f"cannot write {path}: {exc.strerror}") from exc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m collector.keysetup",
        description="Create the collector's API key once and write the extension's local config.",
    )
    parser.add_argument(
        "--non-interactive", action="store_true", help="never ask; never read stdin"
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        help="dotenv file that holds API_KEY (default: $ENV_FILE, as for the collector, else .env "
        "at the repository root)",
    )
    parser.add_argument(
        "--extension-config",
        type=Path,
        default=DEFAULT_EXTENSION_CONFIG,
        help="extension config to write (default: extension/config.local.json)",
    )
    parser.add_argument(
        "--url", help="collector URL for the extension (default: http://127.0.0.1:<PORT or 9000>)"
    )
    parser.add_argument("--show-key", action="store_true", help="also print the key itself")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the set-up step; 0 on success, 1 with a message on stderr otherwise."""
    args = parse_args(argv)
    environ = os.environ if environ is None else environ
    env_file = Path(args.env_file or environ.get("ENV_FILE") or DEFAULT_ENV_FILE)
    env_file = env_file.expanduser().resolve()
    ext_config: Path = args.extension_config.expanduser().resolve()
    confirm = not args.non_interactive and sys.stdin.isatty()
    try:
        key, created = ensure_key(env_file, confirm)
        if tighten_mode(env_file):
            print(f"fixed the mode of {env_file} to 0600 (it was readable by others)")
        url = args.url or default_url(env_file, environ)
        override = environ.get("API_KEY", "").strip()
        if override and override != key:
            print(
                f"note: API_KEY is set in the environment and wins over {env_file}; "
                "the extension config gets the environment's key"
            )
            key = override
        write_extension_config(ext_config, url, key)
    except SetupError as exc:
        print(f"keysetup: {exc}", file=sys.stderr)
        return 1
    print(f"API key {'created in' if created else 'kept in'} {env_file} (API_KEY, mode 0600)")
    print(f"extension config written to {ext_config} (collector {url})")
    if args.show_key:
        print(f"API_KEY={key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
