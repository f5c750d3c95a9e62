"""The store: answers wait for the flush, a failed flush acknowledges nothing, and a crash anywhere
in a reset keeps every count once."""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from collector import journal
from collector.config import load_settings
from collector.fold import read_history
from collector.metrics import Metrics
from collector.outcomes import AddOutcome, Applied, Closed, Duplicate, JournalFailed
from collector.state import UsageState
from collector.store import Store
from collector.validation import AddRequest
from tests.support.crash import abandon


def open_store(tmp_path: Path, **overrides: str) -> Store:
    settings = load_settings(
        {
            "API_KEY": "k",
            "STATE_PATH": str(tmp_path / "state.json"),
            "SNAP_DIR": str(tmp_path / "snapshots"),
            "BUCKET_TIMEZONE": "UTC",
            **overrides,
        }
    )
    settings.snap_dir.mkdir(exist_ok=True)
    return Store(settings, Metrics())


def add(store: Store, client: str, seq: int, tokens: int) -> AddOutcome:
    return store.add(AddRequest(client, seq, {"a.com": tokens}, None))


def test_answer_waits_for_the_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(tmp_path)
    fsync_done: list[float] = []
    real_sync = journal.sync_data

    def slow_sync(fd: int) -> None:
        time.sleep(0.05)
        real_sync(fd)
        fsync_done.append(time.monotonic())

    monkeypatch.setattr(journal, "sync_data", slow_sync)
    result = add(store, "c", 1, 5)
    answered = time.monotonic()
    assert result == Applied(tokens=5, last_seq=1)
    assert fsync_done and fsync_done[-1] <= answered
    monkeypatch.undo()
    store.close()


def test_concurrent_adds_count_exactly_and_survive_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    threads, per_thread = 8, 200

    def worker(n: int) -> None:
        for seq in range(1, per_thread + 1):
            assert add(store, f"client-{n}", seq, n + 1) == Applied(n + 1, seq)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    expected = per_thread * sum(range(1, threads + 1))
    assert store.view().counters == {"a.com": expected}
    flushes = store.metrics.fsync_seconds.collect()[0].samples
    assert next(s.value for s in flushes if s.name.endswith("_count")) == threads * per_thread
    # Abandoned without a checkpoint, as kill -9 would: the journal alone must hold everything,
    # although concurrent appends may have landed out of lsn order.
    abandon(store)
    reopened = open_store(tmp_path)
    assert reopened.view().counters == {"a.com": expected}
    assert reopened.recovered.replayed == threads * per_thread
    reopened.close()


class GatedSync:
    """Holds every journal flush until `release()`, so a test can act while a record is in flight."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self._real = journal.sync_data
        monkeypatch.setattr(journal, "sync_data", self)

    def __call__(self, fd: int) -> None:
        self.entered.set()
        assert self.gate.wait(timeout=10), "the test never released the flush"
        self._real(fd)

    def release(self) -> None:
        self.gate.set()


def in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `action` in a thread; its result or exception lands in the returned list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_duplicate_is_answered_only_once_the_original_is_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    sync = GatedSync(monkeypatch)
    original, first = in_thread(lambda: add(store, "c", 1, 5))
    assert sync.entered.wait(timeout=10)
    resend, second = in_thread(lambda: add(store, "c", 1, 5))
    resend.join(timeout=0.3)
    assert resend.is_alive() and not second  # a 200 now could be lost by a crash
    sync.release()
    original.join(timeout=10)
    resend.join(timeout=10)
    assert first == [Applied(tokens=5, last_seq=1)]
    assert second == [Duplicate(last_seq=1)]
    store.close()


def test_reset_waits_for_records_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(tmp_path)
    add(store, "c", 1, 5)
    sync = GatedSync(monkeypatch)
    pending, _ = in_thread(lambda: add(store, "c", 2, 7))
    assert sync.entered.wait(timeout=10)
    resetting, reset = in_thread(store.reset)
    resetting.join(timeout=0.3)
    assert resetting.is_alive()  # its snapshot will hold lsn 2: that record must be on disk first
    sync.release()
    pending.join(timeout=10)
    resetting.join(timeout=10)
    assert reset[0].totals == {"a.com": 12}
    store.close()


def test_a_failed_journal_write_refuses_writes_until_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    add(store, "c", 1, 5)
    real_sync = journal.sync_data

    def failing_sync(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(journal, "sync_data", failing_sync)
    with pytest.raises(JournalFailed):
        add(store, "c", 2, 7)
    monkeypatch.setattr(journal, "sync_data", real_sync)
    # Nothing is acknowledged now, not even the resend: its record may not be on disk.
    with pytest.raises(JournalFailed):
        add(store, "c", 2, 7)
    with pytest.raises(JournalFailed):
        store.last_seq("c")
    assert store.journal_failed and "journal write failed" in store.warnings[-1]
    store.checkpoint()  # state.json now holds memory, the failed record included
    assert not store.journal_failed and store.warnings == []
    assert add(store, "c", 2, 7) == Duplicate(last_seq=2)
    assert add(store, "c", 3, 1) == Applied(tokens=1, last_seq=3)
    store.close()
    assert open_store(tmp_path).view().counters == {"a.com": 13}


def test_a_crash_after_a_failed_write_loses_nothing_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    add(store, "c", 1, 5)

    def failing_sync(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(journal, "sync_data", failing_sync)
    with pytest.raises(JournalFailed):
        add(store, "c", 2, 7)
    monkeypatch.undo()
    # Killed before any checkpoint: the record whose flush failed was never acknowledged, so
    # whether the disk kept it or not, the client's resend counts it exactly once.
    abandon(store)
    recovered = open_store(tmp_path)
    resend = add(recovered, "c", 2, 7)
    assert recovered.view().counters == {"a.com": 12}
    assert resend in (Applied(tokens=7, last_seq=2), Duplicate(last_seq=2))
    recovered.close()


def test_a_client_id_beyond_ascii_survives_replay_and_checkpoint(tmp_path: Path) -> None:
    # The journal and state.json hold UTF-8 as is (orjson), not \u escapes: both read back.
    client = "laptop-Zoë-北京-🙂"
    store = open_store(tmp_path)
    add(store, client, 1, 5)
    line = (tmp_path / "state.json.journal").read_bytes().splitlines()[-1]
    assert client.encode() in line
    abandon(store)  # replay from the journal alone
    replayed = open_store(tmp_path)
    assert replayed.last_seq(client) == 1
    assert add(replayed, client, 1, 5) == Duplicate(last_seq=1)
    replayed.close()  # a checkpoint: now from state.json
    reopened = open_store(tmp_path)
    assert reopened.last_seq(client) == 1
    assert reopened.view().counters == {"a.com": 5}
    reopened.close()


def test_closed_store_refuses_writes(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(Closed):
        add(store, "c", 1, 1)


def test_periodic_checkpoint_bound(tmp_path: Path) -> None:
    store = open_store(tmp_path, CHECKPOINT_EVERY_RECORDS="10")
    for seq in range(1, 26):
        add(store, "c", seq, 1)
    # On disk, not a counter: the journal itself holds fewer records than the bound.
    assert len(journal.read_journal(tmp_path / "state.json.journal").records) < 10
    store.close()


def total_everywhere(tmp_path: Path) -> int:
    """Live counters after a restart plus everything reset into snapshots or the CSV."""
    store = open_store(tmp_path)
    live = sum(store.view().counters.values())
    history = read_history(tmp_path / "snapshots")
    store.close()
    return live + sum(n for hosts in history.values() for n in hosts.values())


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs, no cleanup, no close."""


CRASH_POINTS = {
    "before-journal": ("collector.journal.Journal.append", 1),
    "after-journal-before-apply": ("collector.state.UsageState.apply_reset", 1),
    "before-pending-snapshot": ("collector.store.write_pending", 1),
    "before-publish": ("collector.store.publish", 1),
    "before-checkpoint": ("collector.store.write_checkpoint", 1),
    "before-journal-rotate": ("collector.journal.Journal.rotate", 1),
    "before-fold": ("collector.fold.fold", 1),
}


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_anywhere_in_reset_neither_drops_nor_doubles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    store = open_store(tmp_path)
    for seq in range(1, 6):
        add(store, "c", seq, 10)
    target, _ = CRASH_POINTS[point]

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise Crash(point)

    monkeypatch.setattr(target, crash)
    with pytest.raises(Crash):
        store.reset()
        store.fold()  # what POST /reset does next
    monkeypatch.undo()
    # The crashed store is abandoned as a killed process would be; a new one recovers.
    abandon(store)
    assert total_everywhere(tmp_path) == 50
    recovered = open_store(tmp_path)
    assert add(recovered, "c", 5, 10) == Duplicate(last_seq=5)  # last_seq survived
    add(recovered, "c", 6, 1)
    recovered.reset()
    recovered.fold()
    recovered.close()
    assert total_everywhere(tmp_path) == 51


def test_reset_keeps_clients(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    add(store, "c", 1, 3)
    assert store.reset().snapshot
    assert store.last_seq("c") == 1
    assert store.view().counters == {}
    store.close()


def test_state_apply_add_is_idempotent() -> None:
    state = UsageState()
    assert state.apply_add("c", 1, {"a.com": 2}, "2026-11-25", 0) == 2
    assert state.apply_add("c", 1, {"a.com": 2}, "2026-11-25", 0) == 0
    assert state.counters == {"a.com": 2}
