"""Request rows: timestamps, masking, dedup inside and across batches, zone rebuild, importer."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.cliproxy import fields, importer, ingest
from collector.cliproxy.db import connect
from collector.pricing import Pricer
from tests.cliproxy.fake_cliproxy import Req


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(tmp_path / "c.db")
    yield conn
    conn.close()


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2026-04-20T09:12:03.512345678+07:00", 1776651123512345678),
        ("2026-04-20T02:12:03.512345678Z", 1776651123512345678),
        ("2026-04-20T09:40:55.1+07:00", 1776652855100000000),
        ("2026-04-20T10:02:11-03:30", 1776691931 * 10**9),  # 13:32:11 UTC
        ("2026-04-20T10:02:11", 1776679331 * 10**9),
    ],
)
def test_parse_ts(text: str, ns: int) -> None:
    assert fields.parse_ts_ns(text) == ns


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2026-02-30T00:00:00Z", "2026-04-20T25:00:00Z", 17, None]
)
def test_bad_timestamps_are_refused(bad: object) -> None:
    with pytest.raises(fields.BadRecord):
        fields.parse_ts_ns(bad)


@pytest.mark.parametrize(
    ("key", "masked"),
    [("sk-local-client-1", "sk-l…nt-1"), ("abcdefghij", "ab…ij"), ("short", "s…"),
     ("POST /v1/chat/completions", "POST /v1/chat/completions"), ("unknown", "unknown")],
)  # fmt: skip
def test_mask_key(key: str, masked: str) -> None:
    assert fields.mask_key(key) == masked


def test_sources_that_look_like_keys_are_masked() -> None:
    assert fields.mask_source("alice@example.com") == "alice@example.com"
    assert fields.mask_source("sk-ant-api03-abcdefghijklmnop") == "sk-a…mnop"
    assert fields.mask_source("my-vertex-project") == "my-vertex-project"


def usage_of(*reqs: Req) -> dict[str, object]:
    apis: dict[str, dict[str, dict[str, object]]] = {}
    for r in reqs:
        models = apis.setdefault(r.api_key, {"models": {}})["models"]
        models.setdefault(r.model, {"details": []})["details"].append(r.detail())  # type: ignore[attr-defined]
    return {"apis": apis}


def test_duplicates_inside_one_batch_count_once(db: sqlite3.Connection) -> None:
    ing = ingest.Ingestor(Pricer(), "UTC")
    r = Req("sk-local-client-1", "gpt-4o", "2026-04-20T10:00:00Z", 1000, 100)
    rows = list(ing.legacy_rows(usage_of(r)))
    assert ingest.store(db, rows + rows) == 1
    assert ingest.store(db, rows) == 0
    daily = db.execute("SELECT requests, total_tokens, cost_micro FROM daily_usage").fetchall()
    assert [tuple(x) for x in daily] == [(1, 1100, 3500)]
    stored = db.execute("SELECT api_key, cost_usd, pricing_source FROM requests").fetchone()
    assert tuple(stored) == ("sk-l…nt-1", "0.0035", "genai-prices 0.2.3")
    assert "sk-local-client-1" not in str(db.execute("SELECT * FROM requests").fetchall())


def test_bad_records_are_skipped_not_fatal(
    db: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    ing = ingest.Ingestor(Pricer(), "UTC")
    good = Req("k", "gpt-4o", "2026-04-20T10:00:00Z", 10, 1).queue_record("r1")
    rows = list(
        ing.queue_rows(
            [good, {"model": "x", "timestamp": "nope"}, "garbage", {**good, "tokens": []}]
        )
    )
    assert len(rows) == 2 and "skipping a queue record" in caplog.text


def test_zone_change_rebuilds_daily(db: sqlite3.Connection) -> None:
    ing = ingest.Ingestor(Pricer(), "UTC")
    late = Req("k", "gpt-4o", "2026-04-20T20:00:00Z", 10, 0)  # 04-20 in UTC, 04-21 in Bangkok
    ingest.store(db, ing.legacy_rows(usage_of(late)))
    assert db.execute("SELECT stat_date FROM daily_usage").fetchone()[0] == "2026-04-20"
    ingest.rebuild_daily(db, "Asia/Bangkok")
    assert db.execute("SELECT stat_date, requests FROM daily_usage").fetchall()[0][:] == (
        "2026-04-21",
        1,
    )


def test_importer_replays_an_export_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = [
        Req("sk-local-client-1", "gpt-4o", f"2026-04-20T10:00:0{i}Z", 100, 10) for i in range(3)
    ]
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps({"version": 1, "exported_at": "2026-04-21T00:00:00Z", "usage": usage_of(*reqs)})
    )
    monkeypatch.setenv("DB_PATH", str(tmp_path / "imp.db"))
    monkeypatch.setenv("CLIPROXY_TIMEZONE", "UTC")
    monkeypatch.chdir(tmp_path)
    assert importer.main([str(export)]) == 0
    assert importer.main([str(export)]) == 0
    out = capsys.readouterr().out
    assert "3 new request(s)" in out and "0 new request(s)" in out
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert importer.main([str(bad)]) == 1
    assert "not a CLIProxy usage export" in capsys.readouterr().err
