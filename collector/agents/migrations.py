"""The agent tables in the collector's SQLite file, as named migrations (never edited once shipped).

They share `_migrations` with the CLIProxy schema; the `agents_` prefix keeps the names apart.
"""

from __future__ import annotations

import sqlite3

from collector.migrations import Migrations

MIGRATIONS = Migrations()
migration = MIGRATIONS  # the decorator
migrate = MIGRATIONS.migrate


@migration
def agents_m001_requests(db: sqlite3.Connection) -> None:
    """One row per agent request (counts, model, project name; never text). `dedup_key` makes a
    re-read file, a copied session or a compressed copy count once. Cost in pico-USD, NULL when
    unpriced."""
    db.executescript(
        """
        CREATE TABLE agent_requests (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            dedup_key TEXT NOT NULL UNIQUE,
            msg_id TEXT,
            sidechain INTEGER NOT NULL DEFAULT 0,
            ts_ms INTEGER NOT NULL,
            model TEXT NOT NULL,
            project TEXT NOT NULL,
            session TEXT NOT NULL,
            version TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            cost_pico INTEGER,
            pricing_source TEXT,
            priced_model TEXT
        );
        CREATE INDEX agent_requests_time ON agent_requests (ts_ms);
        CREATE INDEX agent_requests_msg ON agent_requests (msg_id) WHERE msg_id IS NOT NULL;
        """
    )


@migration
def agents_m002_files(db: sqlite3.Connection) -> None:
    """Where each log file was read to. `path_key` is a hash of the path: the path names the
    user's project folders, which are not stored. `state` is the reader's JSON state at `offset`."""
    db.executescript(
        """
        CREATE TABLE agent_files (
            path_key TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            inode INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            state TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE agent_skipped (
            source TEXT PRIMARY KEY,
            lines INTEGER NOT NULL
        ) WITHOUT ROWID;
        """
    )
