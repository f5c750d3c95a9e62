"""SQLite connections: one per request on `flask.g` (closed at teardown), one for the poller."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask, current_app, g

from ..migrations import connect_migrated
from .migrations import MIGRATIONS

CACHE_KIB = 64 * 1024
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # the dedup index of a year of requests is tens of MB: keep it in memory, not re-read per batch
    f"PRAGMA cache_size=-{CACHE_KIB}",
    "PRAGMA temp_store=MEMORY",
    # WAL with synchronous=NORMAL syncs at checkpoints: checkpoint every 32 MB, not every 4 MB
    "PRAGMA wal_autocheckpoint=8192",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating the folder), WAL mode, foreign keys on, migrated."""
    return connect_migrated(path, MIGRATIONS, PRAGMAS, row_factory=sqlite3.Row)


def get_db() -> sqlite3.Connection:
    """The request's connection, opened on first use."""
    if "cliproxy_db" not in g:
        g.cliproxy_db = connect(current_app.config["SETTINGS"].db_path)
    db: sqlite3.Connection = g.cliproxy_db
    return db


def close_db(exc: BaseException | None = None) -> None:
    db = g.pop("cliproxy_db", None)
    if db is not None:
        db.close()


def get_meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
