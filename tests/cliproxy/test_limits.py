"""Rate-limit windows, exact usage from rows, the seed's snapshot estimate with gap interpolation,
and the manual reset. Times are fixed; values computed by hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from collector.cliproxy import configs, fields, ingest, limits, snapshots
from collector.cliproxy.db import connect
from collector.pricing import Pricer
from tests.cliproxy.conftest import ts

BKK = ZoneInfo("Asia/Bangkok")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(tmp_path / "c.db")
    yield conn
    conn.close()


def ms(text: str) -> int:
    return int(ts(text) * 1000)


def add_rows(db: sqlite3.Connection, *reqs: tuple[str, str, int]) -> int:
    """(timestamp, model, total tokens) as legacy details (input = total)."""
    ing = ingest.Ingestor(Pricer(), "Asia/Bangkok")
    usage: dict[str, Any] = {"apis": {"sk-test-client-0001": {"models": {}}}}
    models = usage["apis"]["sk-test-client-0001"]["models"]
    for stamp, model, tokens in reqs:
        detail = {"timestamp": stamp, "tokens": {"input_tokens": tokens, "total_tokens": tokens}}
        models.setdefault(model, {"details": []})["details"].append(detail)
    return ingest.store(db, ing.legacy_rows(usage))


def snap(db: sqlite3.Connection, at: str, **models: tuple[int, int]) -> None:
    """A legacy snapshot without details: model=(requests, tokens)."""
    entries = {m: {"total_requests": r, "total_tokens": t} for m, (r, t) in models.items()}
    usage = {
        "total_requests": sum(r for r, _ in models.values()),
        "success_count": sum(r for r, _ in models.values()),
        "failure_count": 0,
        "total_tokens": sum(t for _, t in models.values()),
        "apis": {"sk-test-client-0001": {"models": entries}},
    }
    snapshots.record(db, usage, ms(at), fields.LocalDates("Asia/Bangkok"))


def cfg(strategy: str, **kw: Any) -> dict[str, Any]:
    return {"reset_strategy": strategy, "window_minutes": kw.pop("window_minutes", 1440), **kw}


@pytest.mark.parametrize(
    ("strategy", "now", "start", "reset"),
    [
        (
            "daily",
            "2026-04-21T00:30:00+07:00",
            "2026-04-21T00:00:00+07:00",
            "2026-04-22T00:00:00+07:00",
        ),
        (
            "weekly",
            "2026-04-22T09:00:00+07:00",
            "2026-04-20T00:00:00+07:00",
            "2026-04-27T00:00:00+07:00",
        ),
        (
            "rolling",
            "2026-04-22T09:00:00+07:00",
            "2026-04-22T04:00:00+07:00",
            "2026-04-22T09:01:00+07:00",
        ),
    ],
)
def test_windows(strategy: str, now: str, start: str, reset: str) -> None:
    got = limits.window(
        cfg(strategy, window_minutes=300), datetime.fromisoformat(now).astimezone(BKK)
    )
    assert got == (datetime.fromisoformat(start), datetime.fromisoformat(reset))


def test_daily_window_on_a_dst_day_is_23_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, reset = limits.window(cfg("daily"), datetime(2026, 3, 29, 12, tzinfo=berlin))
    assert reset.timestamp() - start.timestamp() == timedelta(hours=23).total_seconds()


def test_anchor_moves_start_only_forward() -> None:
    now = datetime(2026, 4, 22, 9, tzinfo=BKK)
    later = cfg("daily", reset_anchor_ms=ms("2026-04-22T08:00:00+07:00"))
    earlier = cfg("daily", reset_anchor_ms=ms("2026-04-21T08:00:00+07:00"))
    assert limits.window(later, now)[0] == datetime(2026, 4, 22, 8, tzinfo=BKK)
    assert limits.window(earlier, now)[0] == datetime(2026, 4, 22, 0, tzinfo=BKK)


def test_exact_usage_from_rows(db: sqlite3.Connection) -> None:
    add_rows(
        db,
        ("2026-04-21T23:59:59.999+07:00", "gpt-4o", 5000),  # yesterday: outside
        ("2026-04-22T00:00:00+07:00", "gpt-4o", 1000),
        ("2026-04-22T08:00:00+07:00", "GPT-5-codex", 2000),  # pattern match ignores case
        ("2026-04-22T08:30:00+07:00", "claude-sonnet-4-5", 4000),
    )
    with db:
        configs.create(
            db, configs.validate(cfg("daily", model_pattern="gpt", token_limit=10_000)), 0
        )
    (st,) = limits.sync(db, "Asia/Bangkok", ms("2026-04-22T09:00:00+07:00"))
    assert (st["used_tokens"], st["used_requests"], st["remaining_tokens"]) == (3000, 2, 7000)
    assert (st["percentage"], st["status_label"]) == (70, "3,000/10,000 Tokens")
    assert st["next_reset_ms"] == ms("2026-04-23T00:00:00+07:00")


def test_rolling_window_gap_over_30_minutes_is_interpolated(db: sqlite3.Connection) -> None:
    # window: 300 min before 12:00 → since 07:00. Baseline snapshot 06:00, first inside 07:30 (gap
    # 90 min > 30): ratio (07:00 − 06:00)/90 min = 2/3 → baseline 1000 + 2/3 × 3000 = 3000 tokens,
    # 10 + 2/3 × 30 = 30 requests. Latest 11:50: 5000 / 50 → used 2000 tokens, 20 requests.
    snap(db, "2026-04-22T06:00:00+07:00", **{"gpt-4o": (10, 1000)})
    snap(db, "2026-04-22T07:30:00+07:00", **{"gpt-4o": (40, 4000)})
    snap(db, "2026-04-22T11:50:00+07:00", **{"gpt-4o": (50, 5000)})
    since = ms("2026-04-22T07:00:00+07:00")
    assert limits.used_from_snapshots(db, "gpt", since) == (2000, 20)
    # since 07:20: ratio 80/90 → baseline round(1000 + 8/9 × 3000) = 3667, round(10 + 8/9 × 30) = 37
    assert limits.used_from_snapshots(db, "gpt", ms("2026-04-22T07:20:00+07:00")) == (1333, 13)


def test_gap_of_30_minutes_or_less_uses_the_snapshot_before(db: sqlite3.Connection) -> None:
    snap(db, "2026-04-22T06:50:00+07:00", **{"gpt-4o": (10, 1000)})
    snap(db, "2026-04-22T07:20:00+07:00", **{"gpt-4o": (40, 4000)})
    snap(db, "2026-04-22T08:00:00+07:00", **{"gpt-4o": (50, 5000)})
    assert limits.used_from_snapshots(db, "gpt", ms("2026-04-22T07:00:00+07:00")) == (4000, 40)
    # no snapshot before the window: the first inside is the baseline ("optimistic")
    assert limits.used_from_snapshots(db, "gpt", ms("2026-04-22T06:00:00+07:00")) == (4000, 40)


def test_snapshot_estimate_restart_and_false_start(db: sqlite3.Connection) -> None:
    snap(db, "2026-04-22T06:00:00+07:00", **{"gpt-4o": (10, 9000)})
    snap(db, "2026-04-22T06:10:00+07:00", **{"gpt-4o": (12, 9500)})
    # restart: counters dropped → the latest values count; a new model with history is skipped
    snap(db, "2026-04-22T08:00:00+07:00", **{"gpt-4o": (3, 700), "gpt-5": (900, 2_000_000)})
    assert limits.used_from_snapshots(db, "gpt", ms("2026-04-22T06:05:00+07:00")) == (700, 3)


def test_manual_reset_then_new_usage(db: sqlite3.Connection) -> None:
    with db:
        cid = configs.create(
            db, configs.validate(cfg("daily", model_pattern="gpt", token_limit=10_000)), 0
        )
    add_rows(db, ("2026-04-22T09:00:00+07:00", "gpt-4o", 3000))
    st = limits.reset(db, cid, ms("2026-04-22T10:00:00+07:00"))
    assert st is not None and (st["used_tokens"], st["percentage"], st["status_label"]) == (
        0, 100, "0/10,000 Tokens",
    )  # fmt: skip
    add_rows(db, ("2026-04-22T11:00:00+07:00", "gpt-4o", 1000))
    (st,) = limits.sync(db, "Asia/Bangkok", ms("2026-04-22T12:00:00+07:00"))
    assert (st["used_tokens"], st["remaining_tokens"], st["percentage"]) == (1000, 9000, 90)
    assert st["window_start_ms"] == ms("2026-04-22T10:00:00+07:00")
    # next day the anchor lapses: the window is the new day's midnight
    add_rows(db, ("2026-04-23T01:00:00+07:00", "gpt-4o", 500))
    (st,) = limits.sync(db, "Asia/Bangkok", ms("2026-04-23T02:00:00+07:00"))
    assert (st["used_tokens"], st["window_start_ms"]) == (500, ms("2026-04-23T00:00:00+07:00"))
    assert limits.reset(db, 999, 0) is None


@pytest.mark.parametrize(
    ("limits_kw", "label", "pct"),
    [
        ({"request_limit": 4}, "3/4 Requests", 25),
        ({}, "Used: 4,500T / 3R", 100),
        ({"token_limit": 4000}, "4,500/4,000 Tokens", 0),
    ],
)
def test_status_labels(limits_kw: dict[str, int], label: str, pct: int) -> None:
    st = limits.status_for(cfg("daily", **limits_kw), 4500, 3)
    assert (st["status_label"], st["percentage"]) == (label, pct)
