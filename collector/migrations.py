"""Named SQLite migrations, applied in order and never edited once shipped.

Like simonw/llm's `migrations.py`: each function's name is recorded in `_migrations` when it runs.
Each schema that lives in the collector's SQLite file (CLIProxy, coding agents) keeps its own list;
they share the `_migrations` table, so their function names must not collide (prefix them).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

Migration = Callable[[sqlite3.Connection], None]
# Connections of this process are set up and migrated one at a time: the dashboard's first load
# opens several at once; two that both saw a step pending both ran it ("table ... already exists"),
# and on a new file `PRAGMA journal_mode=WAL` answers "database is locked" at once, without the busy
# wait, to all but one. A step's `executescript` commits whatever transaction is open, so SQLite's
# own lock cannot span the check and the step. Reentrant: a step may open another connection.
_one_at_a_time = threading.RLock()
# Another process (the CLIProxy importer) may be applying the same step: how long to wait for it
# to record the step before the failure stands. A few CREATE statements take milliseconds; a step
# that truly fails (a full disk) is reported after this wait.
OTHER_PROCESS_WAIT_SECONDS = 5.0


class Migrations(list[Migration]):
    """One schema's migrations in order; the instance is also the decorator that registers one."""

    def __call__(self, step: Migration) -> Migration:
        self.append(step)
        return step

    def migrate(self, db: sqlite3.Connection) -> list[str]:
        """Apply every migration not yet recorded; returns the names applied now."""
        with _one_at_a_time:
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER)"
            )
            done = _recorded(db)
            applied = []
            for step in self:
                if step.__name__ in done:
                    continue
                try:
                    with db:
                        step(db)
                        db.execute(
                            "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                            (step.__name__, int(time.time())),
                        )
                except sqlite3.DatabaseError:
                    if not _recorded_by_another(db, step.__name__):
                        raise
                    continue
                applied.append(step.__name__)
            return applied


def connect_migrated(
    path: Path,
    migrations: Migrations,
    pragmas: Sequence[str],
    row_factory: Callable[[sqlite3.Cursor, tuple[object, ...]], object] | None = None,
) -> sqlite3.Connection:
    """A connection to `path` (its folder created), `pragmas` applied and `migrations` migrated,
    set up while no other connection of this process is being set up (see `_one_at_a_time`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    if row_factory is not None:
        db.row_factory = row_factory
    try:
        with _one_at_a_time:
            for pragma in pragmas:
                db.execute(pragma)
            migrations.migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _recorded(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM _migrations")}


def _recorded_by_another(db: sqlite3.Connection, name: str) -> bool:
    """Whether another process records step `name` (it ran it meanwhile) within the wait."""
    deadline = time.monotonic() + OTHER_PROCESS_WAIT_SECONDS
    while True:
        if name in _recorded(db):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
