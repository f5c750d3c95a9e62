"""SQLite connections to the collector's database file (`DB_PATH`) with the agent tables migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..migrations import connect_migrated
from .migrations import MIGRATIONS

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-32768")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating the folder), WAL mode like the CLIProxy connections, migrated."""
    return connect_migrated(path, MIGRATIONS, PRAGMAS)
