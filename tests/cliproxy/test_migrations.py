"""Named migrations: a blank database gets every table; re-running and upgrading are safe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.cliproxy import migrations
from collector.cliproxy.db import connect

EXPECTED_TABLES = {
    "_migrations", "requests", "daily_usage", "snapshots", "snapshot_models",
    "daily_snapshot_stats", "rate_limit_configs", "rate_limit_status", "meta",
}  # fmt: skip


def tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrate_blank(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db")
    assert tables(db) == EXPECTED_TABLES
    names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert migrations.migrate(db) == []
    db.close()


def test_upgrade_from_first_migration(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.db")
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at INTEGER)")
    migrations.m001_requests(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_requests', 0)")
    db.commit()
    applied = migrations.migrate(db)
    assert applied == [m.__name__ for m in migrations.MIGRATIONS[1:]]
    assert tables(db) == EXPECTED_TABLES
    db.close()
