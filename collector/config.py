"""The configuration table: every setting, its converter and its default.

Values come from a mapping (the environment, with `.env` already loaded by the entry point). Like
waitress's `Adjustments`, each variable has one converter; a bad value raises `ConfigError` naming it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .hostnames import normalise_hostname

NO_KEY_MESSAGE = (
    "API_KEY is not set. Run `make setup` (or `python -m collector.keysetup`) to generate one into .env, "
    "or set API_KEY in the environment. The collector will not run without a key."
)


def asbool(value: str) -> bool:
    """Read a yes/no setting the way people write it."""
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (1/0, true/false, yes/no), got {value!r}")


def aspositiveint(value: str) -> int:
    number = int(value.strip())
    if number <= 0:
        raise ValueError(f"expected a positive integer, got {value!r}")
    return number


def asretention(value: str) -> int:
    """CLIProxy's `redis-usage-queue-retention-seconds` range: 1 to 3600."""
    number = int(value.strip())
    if not 1 <= number <= 3600:
        raise ValueError(f"expected seconds 1-3600 (CLIProxy's range), got {value!r}")
    return number


def asport(value: str) -> int:
    number = int(value.strip())
    if not 0 <= number <= 65535:
        raise ValueError(f"expected a port number 0-65535, got {value!r}")
    return number


AGENTS = ("claude-code", "codex", "gemini-cli")


def asagents(value: str) -> tuple[str, ...]:
    """A comma list of coding agents to read (any subset of AGENTS); empty means off."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in AGENTS]
    if unknown:
        raise ValueError(f"unknown agent {unknown[0]!r}; expected any of {', '.join(AGENTS)}")
    return names


def aszone(value: str) -> str:
    """Check an IANA zone name such as Europe/Berlin; returns it unchanged."""
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return name


def asoffsethours(value: str) -> float:
    hours = float(value.strip())
    if not -14 <= hours <= 14:
        raise ValueError(f"expected hours between -14 and 14, got {value!r}")
    return hours


def asloglevel(value: str) -> str:
    level = value.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {value!r}")
    return level


def assubscriptions(value: str) -> tuple[tuple[str, Decimal], ...]:
    """`chatgpt.com:20,claude.ai:20` (USD a month per site) as ((host, amount), ...)."""
    pairs: dict[str, Decimal] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        host_text, sep, amount_text = item.rpartition(":")
        host = normalise_hostname(host_text.strip()) if sep else None
        if host is None:
            raise ValueError(f"expected host:usd_per_month items, got {item!r}")
        try:
            amount = Decimal(amount_text.strip())
        except ArithmeticError as exc:
            raise ValueError(f"{item!r}: {amount_text.strip()!r} is not an amount") from exc
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"{item!r}: the amount must be a number >= 0")
        pairs[host] = amount
    return tuple(pairs.items())


def host_zone() -> str:
    """The host's IANA zone (TZ, /etc/timezone or the /etc/localtime link), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return aszone(name)
            except ValueError:
                continue
    return "UTC"


@dataclasses.dataclass(frozen=True)
class Settings:
    """All settings of one collector instance; paths are absolute."""

    api_key: str
    host: str = "127.0.0.1"
    port: int = 9000
    state_path: Path = Path("state.json")
    snap_dir: Path = Path("snapshots")
    bucket_timezone: str = "UTC"
    max_body_bytes: int = 1024 * 1024
    max_hosts_per_add: int = 256
    # Distinct hosts one data folder keeps (counters, CSV columns, metric labels): a bound, so no
    # client can grow them without end; a new host past it is refused.
    max_hosts: int = 1000
    checkpoint_interval_seconds: int = 60
    checkpoint_every_records: int = 100_000
    log_level: str = "INFO"
    threads: int = 8
    metrics_public: bool = False
    # CLIProxy source (off unless both url and key are set)
    cliproxy_url: str = ""
    cliproxy_management_key: str = ""
    cliproxy_interval_seconds: int = 300
    cliproxy_queue_interval_seconds: int = 5
    cliproxy_queue_retention_seconds: int = 60
    cliproxy_timezone: str = "UTC"
    db_path: Path = Path("data/collector.db")
    pricing_override_path: Path | None = None
    pricing_refresh_url: str = ""
    rate_limits_seed_path: Path | None = None
    # Coding-agent logs source (off unless AGENT_LOGS names agents); roots default like the agents'
    agent_logs: tuple[str, ...] = ()
    agent_scan_interval_seconds: int = 5
    home: str = ""
    claude_config_dir: str = ""
    xdg_config_home: str = ""
    codex_home: str = ""
    gemini_cli_home: str = ""
    # What the user pays per site and month (USD), shown beside the API-equivalent cost.
    subscriptions: tuple[tuple[str, Decimal], ...] = ()

    @property
    def journal_path(self) -> Path:
        """The journal sits beside the checkpoint."""
        return self.state_path.with_name(self.state_path.name + ".journal")

    @property
    def lock_path(self) -> Path:
        """The lock that makes one collector the owner of the data folder."""
        return self.state_path.with_name(self.state_path.name + ".lock")

    def data_files(self) -> list[Path]:
        """Every file holding usage data, which only the owner may read."""
        state = [self.state_path, self.journal_path, self.lock_path]
        state += [p.with_name(p.name + ".prev") for p in (self.state_path, self.journal_path)]
        db = [self.db_path.with_name(self.db_path.name + s) for s in ("", "-wal", "-shm")]
        snapshots = sorted(self.snap_dir.glob("snapshot_*.json*")) if self.snap_dir.is_dir() else []
        return state + db + snapshots + [self.snap_dir / "snapshots.csv"]

    @property
    def cliproxy_enabled(self) -> bool:
        return bool(self.cliproxy_url and self.cliproxy_management_key)


Converter = Callable[[str], Any]

# variable name -> (field, converter). Order follows the design's configuration table.
PARAMS: dict[str, tuple[str, Converter]] = {
    "API_KEY": ("api_key", str.strip),
    "HOST": ("host", str.strip),
    "PORT": ("port", asport),
    "STATE_PATH": ("state_path", Path),
    "SNAP_DIR": ("snap_dir", Path),
    "BUCKET_TIMEZONE": ("bucket_timezone", aszone),
    "MAX_BODY_BYTES": ("max_body_bytes", aspositiveint),
    "MAX_HOSTS_PER_ADD": ("max_hosts_per_add", aspositiveint),
    "MAX_HOSTS": ("max_hosts", aspositiveint),
    "CHECKPOINT_INTERVAL_SECONDS": ("checkpoint_interval_seconds", aspositiveint),
    "CHECKPOINT_EVERY_RECORDS": ("checkpoint_every_records", aspositiveint),
    "LOG_LEVEL": ("log_level", asloglevel),
    "THREADS": ("threads", aspositiveint),
    "METRICS_PUBLIC": ("metrics_public", asbool),
    "CLIPROXY_URL": ("cliproxy_url", str.strip),
    "CLIPROXY_MANAGEMENT_KEY": ("cliproxy_management_key", str.strip),
    "COLLECTOR_INTERVAL_SECONDS": ("cliproxy_interval_seconds", aspositiveint),
    "CLIPROXY_QUEUE_INTERVAL_SECONDS": ("cliproxy_queue_interval_seconds", aspositiveint),
    "CLIPROXY_QUEUE_RETENTION_SECONDS": ("cliproxy_queue_retention_seconds", asretention),
    "CLIPROXY_TIMEZONE": ("cliproxy_timezone", aszone),
    "DB_PATH": ("db_path", Path),
    "PRICING_OVERRIDE_PATH": ("pricing_override_path", Path),
    "PRICING_REFRESH_URL": ("pricing_refresh_url", str.strip),
    "RATE_LIMITS_SEED_PATH": ("rate_limits_seed_path", Path),
    "AGENT_LOGS": ("agent_logs", asagents),
    "AGENT_SCAN_INTERVAL_SECONDS": ("agent_scan_interval_seconds", aspositiveint),
    "HOME": ("home", str.strip),
    "CLAUDE_CONFIG_DIR": ("claude_config_dir", str.strip),
    "XDG_CONFIG_HOME": ("xdg_config_home", str.strip),
    "CODEX_HOME": ("codex_home", str.strip),
    "GEMINI_CLI_HOME": ("gemini_cli_home", str.strip),
    "SUBSCRIPTIONS": ("subscriptions", assubscriptions),
}


PATH_FIELDS = (
    "state_path",
    "snap_dir",
    "db_path",
    "pricing_override_path",
    "rate_limits_seed_path",
)


def _offset_zone(hours: float) -> str:
    """TIMEZONE_OFFSET_HOURS as an IANA fixed zone (Etc/GMT signs are inverted by POSIX rule)."""
    if hours != int(hours):
        raise ConfigError(
            "TIMEZONE_OFFSET_HOURS: fractional offsets have no IANA zone; set CLIPROXY_TIMEZONE "
            "to a zone name such as Asia/Kolkata instead"
        )
    whole = int(hours)
    return "UTC" if whole == 0 else f"Etc/GMT{-whole:+d}"


def load_settings(environ: Mapping[str, str], base_dir: Path | None = None) -> Settings:
    """Build Settings from a mapping; relative paths are taken from `base_dir` (default: cwd).

    :raise ConfigError: a value does not convert, or API_KEY is missing.
    """
    base = (base_dir or Path.cwd()).resolve()
    values: dict[str, Any] = {"bucket_timezone": host_zone(), "cliproxy_timezone": host_zone()}
    for name, (field, convert) in PARAMS.items():
        raw = environ.get(name)
        if raw is None or (raw.strip() == "" and field != "api_key"):
            continue
        try:
            values[field] = convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from exc
    # An IANA CLIPROXY_TIMEZONE wins over the older TIMEZONE_OFFSET_HOURS (whole hours only).
    if not environ.get("CLIPROXY_TIMEZONE", "").strip() and environ.get("TIMEZONE_OFFSET_HOURS"):
        try:
            values["cliproxy_timezone"] = _offset_zone(
                asoffsethours(environ["TIMEZONE_OFFSET_HOURS"])
            )
        except ValueError as exc:
            raise ConfigError(f"TIMEZONE_OFFSET_HOURS: {exc}") from exc
    if not values.get("api_key"):
        raise ConfigError(NO_KEY_MESSAGE)
    # Relative paths, the defaults in Settings included, are taken from `base`.
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    for field in PATH_FIELDS:
        value = values.get(field, defaults[field])
        if isinstance(value, Path):
            values[field] = base / value
    return Settings(**values)
