"""Named SQLite migrations, applied in order and never edited once shipped.

Like simonw/llm's `migrations.py`: each function's name is recorded in `_migrations` when it runs.
Each schema that lives in the collector's SQLite file (CLIProxy, coding agents) keeps its own list;
they share the `_migrations` table, so their function names must not collide (prefix them).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


class Migrations(list[Migration]):
    """One schema's migrations in order; the instance is also the decorator that registers one."""

    def __call__(self, step: Migration) -> Migration:
        self.append(step)
        return step

    def migrate(self, db: sqlite3.Connection) -> list[str]:
        """Apply every migration not yet recorded; returns the names applied now."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER)"
        )
        done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
        applied = []
        for step in self:
            if step.__name__ in done:
                continue
            with db:
                step(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (step.__name__, int(time.time())),
                )
            applied.append(step.__name__)
        return applied
