"""The shared migration runner (collector/migrations.py) when several connections open a new
database at once: the dashboard's first load asks the agents' and CLIProxy's views together, each
on its own connection and thread. Every table is made once and no connection fails."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from collector import migrations
from collector.agents import db as agents_db
from collector.cliproxy import db as cliproxy_db
from collector.migrations import Migrations

THREADS = 8
Connect = Callable[[Path], sqlite3.Connection]


def _open_all_at_once(path: Path, connect: Connect) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait(timeout=10)
        try:
            connect(path).close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.parametrize(
    "connect", [agents_db.connect, cliproxy_db.connect], ids=["agents", "cliproxy"]
)
def test_connections_opening_a_new_database_together_migrate_it_once(
    tmp_path: Path, connect: Connect
) -> None:
    # Repeated on fresh files: a race shows on some rounds, not every one.
    for round_ in range(10):
        path = tmp_path / f"round{round_}.db"
        assert _open_all_at_once(path, connect) == []
        db = sqlite3.connect(path)
        names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
        db.close()
        assert len(names) == len(set(names)) > 0


def test_a_step_another_process_applied_meanwhile_is_taken_as_done(tmp_path: Path) -> None:
    # Another process (the CLIProxy importer, say) applies and records a step between this
    # connection's check and its own attempt: the attempt fails on the existing table, and the
    # runner, seeing the step recorded, goes on instead of failing.
    path = tmp_path / "c.db"
    theirs, ours = Migrations(), Migrations()

    @theirs
    def t_m001(db: sqlite3.Connection) -> None:
        db.executescript("CREATE TABLE t (x INTEGER)")

    def our_t_m001(db: sqlite3.Connection) -> None:
        other = sqlite3.connect(path)
        theirs.migrate(other)  # the other process, right now
        other.close()
        db.executescript("CREATE TABLE t (x INTEGER)")

    our_t_m001.__name__ = "t_m001"
    ours(our_t_m001)

    @ours
    def t_m002(db: sqlite3.Connection) -> None:
        db.executescript("CREATE TABLE u (y INTEGER)")

    db = sqlite3.connect(path)
    assert ours.migrate(db) == ["t_m002"]
    assert {r[0] for r in db.execute("SELECT name FROM _migrations")} == {"t_m001", "t_m002"}
    db.close()


def test_a_step_that_fails_on_its_own_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nobody records it meanwhile: after the wait for another process, the step's error stands.
    monkeypatch.setattr(migrations, "OTHER_PROCESS_WAIT_SECONDS", 0.2)
    broken = Migrations()

    @broken
    def t_m001(db: sqlite3.Connection) -> None:
        db.executescript("CREATE TABLE t (x INTEGER); CREATE TABLE t (x INTEGER)")

    db = sqlite3.connect(tmp_path / "c.db")
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        broken.migrate(db)
    assert [r[0] for r in db.execute("SELECT name FROM _migrations")] == []
    db.close()
