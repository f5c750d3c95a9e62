"""SQLite connections to the collector's database file (`DB_PATH`) with the agent tables migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .migrations import migrate


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating the folder), WAL mode like the CLIProxy connections, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-32768")
    migrate(db)
    return db
