"""Queue era and failure handling: expiring records, replays, batches, 401/500/garbage/slow/down."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask

from collector.cliproxy import ingest
from collector.cliproxy.db import connect
from tests.cliproxy.conftest import HEADERS, poller_of
from tests.cliproxy.fake_cliproxy import FakeCLIProxy, Req

KEY1 = "sk-local-client-1"


def req(minute: int, tokens: int = 1000, model: str = "gpt-4o") -> Req:
    return Req(KEY1, model, f"2026-04-21T09:{minute:02d}:00+07:00", tokens, 0)


def count(app: Flask) -> tuple[int, int]:
    db = connect(app.config["SETTINGS"].db_path)
    try:
        row = db.execute("SELECT COUNT(*), COALESCE(SUM(total_tokens), 0) FROM requests").fetchone()
        return int(row[0]), int(row[1])
    finally:
        db.close()


def test_queue_polled_while_records_expire(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue)
    poller = poller_of(app)
    fake_queue.add(req(0, 100), req(1, 200))  # at fake time 0
    assert poller.run_once()["stored"] == 2
    fake_queue.now = 10
    fake_queue.add(req(2, 400))  # made at t=10 …
    fake_queue.now = 75  # … and 65 s old at the next poll: retention 60 s, gone
    fake_queue.add(req(3, 800))
    assert poller.run_once()["stored"] == 1
    fake_queue.add(req(4, 1600), req(5, 3200))
    fake_queue.drop(1)  # someone else popped one
    assert poller.run_once()["stored"] == 1
    assert count(app) == (4, 100 + 200 + 800 + 3200)
    assert poller.era == "queue"


def test_replayed_queue_records_and_export_count_once(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue)
    poller = poller_of(app)
    fake_queue.add(req(0), req(1))
    replay = list(fake_queue.queue)
    poller.run_once()
    fake_queue.queue.extend(replay)  # the same records delivered again
    assert poller.run_once()["stored"] == 0
    assert count(app) == (2, 2000)
    # a legacy export replayed through the same ingest: same requests, already stored
    export = {"apis": {KEY1: {"models": {"gpt-4o": {"details": [req(0).detail()]}}}}}
    db = connect(app.config["SETTINGS"].db_path)
    try:
        ing = ingest.Ingestor(poller.pricer, "Asia/Bangkok")
        assert ingest.store(db, ing.legacy_rows(export)) == 1  # queue rows carry a request id
        assert ingest.store(db, ing.legacy_rows(export)) == 0
    finally:
        db.close()


def test_queue_drained_in_batches_each_stored_before_the_next_pop(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue)
    fake_queue.add(*[Req(KEY1, "gpt-4o", f"2026-04-21T09:00:{i // 1000:02d}.{i:04d}+07:00", 1, 0)
                     for i in range(1200)])  # fmt: skip
    assert poller_of(app).run_once()["stored"] == 1200
    queue_calls = [p for p in fake_queue.paths() if p.endswith("usage-queue")]
    assert len(queue_calls) == 3  # 500 + 500 + 200


def test_401_stops_polling_until_a_trigger(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue, CLIPROXY_QUEUE_INTERVAL_SECONDS="1")
    poller = poller_of(app)
    fake_queue.script = ["401"]
    polled = threading.Event()
    original = poller.run_once

    def run_once() -> dict[str, object]:
        result = original()
        polled.set()
        return result

    poller.run_once = run_once  # type: ignore[method-assign]
    poller.start()
    assert polled.wait(10)
    poller.stop()  # returns at once: the loop waits on an event, not a timer
    assert len(fake_queue.log) == 1  # one attempt, no retry loop
    health = app.test_client().get("/api/collector/health").get_json()
    assert health["status"] == "degraded" and health["cliproxy"]["auth_failed"] is True
    assert "401" in health["cliproxy"]["auth_failure"] and "mgmt-secret" not in str(health)
    fake_queue.add(req(0))
    response = app.test_client().post("/api/collector/trigger", headers=HEADERS)
    assert response.status_code == 202
    for thread in threading.enumerate():
        if thread.name.endswith("-trigger"):
            thread.join(10)
    assert poller.auth_failure is None and count(app) == (1, 1000)


def test_transient_failures_back_off_and_recover(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    app = cp_app(fake_legacy, COLLECTOR_INTERVAL_SECONDS="300")
    poller = poller_of(app)
    fake_legacy.slow_seconds = 1.0
    fake_legacy.add(req(0))
    assert poller.run_once()["stored"] == 1  # era known: legacy, base interval 300 s
    fake_legacy.add(req(1))
    fake_legacy.script = ["500", "garbage", "slow"]
    delays = []
    for _ in range(3):
        result = poller.run_once()
        assert not result["ok"] and poller.auth_failure is None
        delays.append(poller._delay())
    assert delays == [300.0, 300.0, 300.0]  # legacy base 300 s: backoff capped at 300
    assert poller.failures == 3 and "not JSON" not in (poller.last_error or "")
    assert poller.run_once()["stored"] == 1 and poller.failures == 0
    assert poller._delay() == 300.0
    fake_legacy.close()  # the proxy is down
    assert not poller.run_once()["ok"] and poller.failures == 1


def test_legacy_backoff_doubles(cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy) -> None:
    poller = poller_of(cp_app(fake_legacy, COLLECTOR_INTERVAL_SECONDS="10"))
    poller.run_once()
    fake_legacy.script = ["500"] * 8
    delays = []
    for _ in range(7):
        poller.run_once()
        delays.append(poller._delay())
    assert delays == [20.0, 40.0, 80.0, 160.0, 300.0, 300.0, 300.0]


def test_queue_backoff_stays_inside_the_retention(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    poller = poller_of(cp_app(fake_queue, CLIPROXY_QUEUE_INTERVAL_SECONDS="2"))
    poller.run_once()
    fake_queue.script = ["500"] * 8
    delays = []
    for _ in range(5):
        poller.run_once()
        delays.append(poller._delay())
    assert delays == [4.0, 8.0, 10.0, 10.0, 10.0]  # capped at 60 s / 6


def test_popped_batch_kept_when_the_database_refuses_it(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = cp_app(fake_queue)
    poller = poller_of(app)
    poller.run_once()  # era detected, database open
    fake_queue.add(req(0), req(1))
    real_store = ingest.store

    def locked(db: sqlite3.Connection, rows: Iterable[Any]) -> int:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(ingest, "store", locked)
    result = poller.run_once()
    assert not result["ok"] and "locked" in result["error"] and fake_queue.queue == []
    monkeypatch.setattr(ingest, "store", real_store)
    assert poller.run_once()["stored"] == 2  # the popped records were not lost
    assert count(app) == (2, 2000)


def test_trigger_wakes_a_running_loop_for_one_attempt(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue)
    poller = poller_of(app)
    fake_queue.script = ["401", "401"]
    polls: list[threading.Event] = [threading.Event(), threading.Event()]
    original = poller.run_once

    def run_once() -> dict[str, object]:
        result = original()
        next(e for e in polls if not e.is_set()).set()
        return result

    poller.run_once = run_once  # type: ignore[method-assign]
    poller.start()
    try:
        assert polls[0].wait(10)
        assert app.test_client().post("/api/collector/trigger", headers=HEADERS).status_code == 202
        assert polls[1].wait(10)
    finally:
        poller.stop()
    assert len(fake_queue.log) == 2  # one attempt per trigger, never a loop
    assert poller.auth_failure is not None


def test_database_lock_free_during_an_http_call(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    """stop() and every database step wait on `_db_lock`; a slow CLIProxy must not hold it."""
    poller = poller_of(cp_app(fake_queue))
    poller.client.timeout = 5
    poller.run_once()
    fake_queue.slow_seconds = 1.0
    fake_queue.script = ["slow"]
    cycle = threading.Thread(target=poller.run_once)
    cycle.start()
    try:
        for _ in range(100):  # wait until the slow request is in flight
            if len(fake_queue.log) >= 2:
                break
            threading.Event().wait(0.01)
        assert poller._db_lock.acquire(timeout=0.5)
        poller._db_lock.release()
    finally:
        cycle.join(10)


def test_retention_setting_range() -> None:
    from collector.config import load_settings
    from collector.errors import ConfigError

    assert load_settings({"API_KEY": "k", "CLIPROXY_QUEUE_RETENTION_SECONDS": "3600"})
    for bad in ("0", "3601", "x"):
        with pytest.raises(ConfigError, match="CLIPROXY_QUEUE_RETENTION_SECONDS"):
            load_settings({"API_KEY": "k", "CLIPROXY_QUEUE_RETENTION_SECONDS": bad})
