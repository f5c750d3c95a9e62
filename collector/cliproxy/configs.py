"""Rate-limit configs: validation, CRUD and seeding from a JSON file (once per database)."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from .db import get_meta, set_meta
from .limits import STRATEGIES

log = logging.getLogger(__name__)

FIELDS = (
    "name",
    "model_pattern",
    "window_minutes",
    "reset_strategy",
    "token_limit",
    "request_limit",
)
MAX_WINDOW_MINUTES = 366 * 24 * 60


class ConfigInvalid(ValueError):
    """The message names the field and what is wrong with it."""


def _limit(body: dict[str, Any], field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 10**15:
        raise ConfigInvalid(f"{field} must be a positive integer or null")
    return value


def validate(body: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete config from a request body; with `current`, the body may give only some fields."""
    if not isinstance(body, dict):
        raise ConfigInvalid("the body must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ConfigInvalid(f"unknown field(s): {', '.join(unknown)}")
    merged = {**(current or {"window_minutes": 1440}), **body}
    pattern = merged.get("model_pattern")
    if not isinstance(pattern, str) or not pattern.strip() or len(pattern) > 200:
        raise ConfigInvalid("model_pattern must be a non-empty string of at most 200 characters")
    if merged.get("reset_strategy") not in STRATEGIES:
        raise ConfigInvalid(f"reset_strategy must be one of {', '.join(STRATEGIES)}")
    window = merged.get("window_minutes")
    if (
        not isinstance(window, int)
        or isinstance(window, bool)
        or not 0 < window <= MAX_WINDOW_MINUTES
    ):
        raise ConfigInvalid(f"window_minutes must be an integer from 1 to {MAX_WINDOW_MINUTES}")
    name = merged.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise ConfigInvalid("name must be a string of at most 100 characters, or null")
    return {
        "name": name,
        "model_pattern": pattern.strip(),
        "window_minutes": window,
        "reset_strategy": merged["reset_strategy"],
        "token_limit": _limit(merged, "token_limit"),
        "request_limit": _limit(merged, "request_limit"),
    }


def as_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 (sqlite3.Row is not a mapping)


def list_configs(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [as_dict(r) for r in db.execute("SELECT * FROM rate_limit_configs ORDER BY id")]


def get_config(db: sqlite3.Connection, config_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM rate_limit_configs WHERE id = ?", (config_id,)).fetchone()
    return None if row is None else as_dict(row)


def create(db: sqlite3.Connection, cfg: dict[str, Any], now_ms: int) -> int:
    cursor = db.execute(
        f"INSERT INTO rate_limit_configs ({', '.join(FIELDS)}, created_ms, updated_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*(cfg[f] for f in FIELDS), now_ms, now_ms),
    )
    return int(cursor.lastrowid or 0)


def update(db: sqlite3.Connection, config_id: int, cfg: dict[str, Any], now_ms: int) -> None:
    sets = ", ".join(f"{f} = ?" for f in FIELDS)
    db.execute(
        f"UPDATE rate_limit_configs SET {sets}, updated_ms = ? WHERE id = ?",
        (*(cfg[f] for f in FIELDS), now_ms, config_id),
    )


def delete(db: sqlite3.Connection, config_id: int) -> bool:
    return db.execute("DELETE FROM rate_limit_configs WHERE id = ?", (config_id,)).rowcount > 0


def seed(db: sqlite3.Connection, path: Path | None, now_ms: int) -> int:
    """Load `[config, ...]` (or `{"configs": [...]}`) once per database; invalid entries are logged
    and skipped, like the seed collector skips incomplete configs. Returns how many were added.

    The check and the inserts share one write transaction, so two connections (a request and the
    poller) cannot both seed.
    """
    if path is None or get_meta(db, "limits_seeded_from") is not None:
        return 0
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("rate-limit seed file %s not loaded: %s", path, exc)
        return 0
    entries = document.get("configs") if isinstance(document, dict) else document
    added = 0
    if db.in_transaction:
        db.commit()
    db.execute("BEGIN IMMEDIATE")
    try:
        if get_meta(db, "limits_seeded_from") is None:
            for entry in entries if isinstance(entries, list) else ():
                try:
                    create(db, validate(entry), now_ms)
                    added += 1
                except ConfigInvalid as exc:
                    log.warning("rate-limit seed entry %r skipped: %s", entry, exc)
            set_meta(db, "limits_seeded_from", str(path))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return added
