"""`GET /usage?by=model`: rows per period, host and model, priced; history + live + sources.

Expected costs are worked by hand from the pinned genai-prices 0.2.3 list prices (USD per million
tokens), never from the code under test: gpt-5 1.25 in / 10 out; claude-sonnet-4-5 3 / 15.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from collector.cliproxy.db import connect
from tests.dashboard.conftest import KEY

HEADERS = {"X-API-KEY": KEY}
LONG_CSV = """date,host,model,input,output,context,turns
2026-11-02,chatgpt.com,gpt-5,1000000,100000,1000000,4
2026-11-02,www.perplexity.ai,r1,500,500,0,1
"""


def ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC).timestamp() * 1000)


def add(client: FlaskClient, seq: int, day: str, usage: list[dict[str, Any]]) -> None:
    deltas: dict[str, int] = {}
    for u in usage:
        deltas[u["host"]] = deltas.get(u["host"], 0) + u["input"] + u["output"]
    body = {"client_id": "t", "seq": seq, "ts": ts(day), "deltas": deltas, "usage": usage}
    response = client.post("/add", json=body, headers=HEADERS)
    assert response.status_code == 200, response.get_json()


def get(client: FlaskClient, query: str) -> Any:
    response = client.get(f"/usage?by=model&{query}", headers=HEADERS)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_history_and_live_rows_priced(client: FlaskClient, snap_dir: Path) -> None:
    (snap_dir / "snapshots_models.csv").write_text(LONG_CSV)
    add(client, 1, "2026-11-03", [
        {"host": "claude.ai", "model": "claude-sonnet-4-5-20250929", "input": 2000, "output": 1000,
         "context": 8000, "turns": 2},
        {"host": "claude.ai", "model": None, "input": 10, "output": 10},
    ])  # fmt: skip
    body = get(client, "from=2026-11-01&to=2026-11-03")
    rows = {(r["period"], r["host"], r["model"]): r for r in body["rows"]}
    gpt = rows[("2026-11-02", "chatgpt.com", "gpt-5")]
    # (1M input + 1M context) x 1.25 + 0.1M output x 10 = 2.50 + 1.00
    assert gpt["cost_usd"] == "3.500000" and gpt["priced"] == "all"
    assert (gpt["input"], gpt["output"], gpt["context"], gpt["turns"]) == (10**6, 10**5, 10**6, 4)
    assert gpt["cache_read"] == 0 and gpt["cache_write"] == 0
    claude = rows[("2026-11-03", "claude.ai", "claude-sonnet-4-5-20250929")]
    # (2,000 + 8,000) x 3 / 1M + 1,000 x 15 / 1M = 0.03 + 0.015
    assert claude["cost_usd"] == "0.045000"
    assert rows[("2026-11-03", "claude.ai", None)]["cost_usd"] is None  # no model: unpriced
    assert rows[("2026-11-02", "www.perplexity.ai", "r1")]["cost_usd"] is None
    assert body["totals"]["cost_usd"] == "3.545000"
    assert body["totals"]["unpriced_rows"] == 2
    assert body["sources"]["web"]["cost_usd"] == "3.545000"


def test_month_group_and_subscriptions(tmp_path: Path, snap_dir: Path) -> None:
    from collector import create_app

    app = create_app({
        "API_KEY": KEY, "STATE_PATH": str(tmp_path / "s.json"), "SNAP_DIR": str(snap_dir),
        "DB_PATH": str(tmp_path / "c.db"), "BUCKET_TIMEZONE": "UTC",
        "SUBSCRIPTIONS": "chatgpt.com:20,claude.ai:18.5",
    })  # fmt: skip
    try:
        (snap_dir / "snapshots_models.csv").write_text(LONG_CSV)
        body = get(app.test_client(), "from=2026-10-01&to=2026-11-30&group=month")
    finally:
        app.extensions["collector"].close()
    assert [r["period"] for r in body["rows"]] == ["2026-11", "2026-11"]
    assert body["subscriptions"] == [
        {"host": "chatgpt.com", "usd_per_month": "20.000000"},
        {"host": "claude.ai", "usd_per_month": "18.500000"},
    ]


def test_csv_download(client: FlaskClient, snap_dir: Path) -> None:
    (snap_dir / "snapshots_models.csv").write_text(LONG_CSV)
    response = client.get(
        "/usage?by=model&from=2026-11-01&to=2026-11-03&format=csv", headers=HEADERS
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "period", "host", "model", "input", "output", "context", "turns", "cache_read",
        "cache_write", "cost_usd", "priced",
    ]  # fmt: skip
    assert rows[1] == ["2026-11-02", "chatgpt.com", "gpt-5", "1000000", "100000", "1000000",
                       "4", "0", "0", "3.500000", "all"]  # fmt: skip
    assert rows[2][-2:] == ["", "none"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("by=hosts", "bad_by"),
        ("by=model&group=year", "bad_group"),
        ("by=model&from=2026-13-01", "bad_date"),
        ("by=model&from=2020-01-01&to=2026-01-01", "range_too_long"),
    ],
)
def test_bad_queries(client: FlaskClient, query: str, code: str) -> None:
    response = client.get(f"/usage?{query}", headers=HEADERS)
    assert response.status_code == 400
    assert response.get_json()["error"] == code


def test_plugged_in_source_and_a_broken_one(app: Flask, client: FlaskClient) -> None:
    def agents(start: date, end: date, zone: str) -> list[dict[str, Any]]:
        assert (start, end, zone) == (date(2026, 11, 1), date(2026, 11, 2), "UTC")
        row = {"day": "2026-11-02", "host": "claude-code", "model": "claude-opus-4-5",
               "input": 10, "output": 20, "context": 0, "turns": 1, "cache_read": 300,
               "cache_write": 40, "cost_usd": "0.012345"}  # fmt: skip
        return [row, row | {"day": "2026-10-30"}, row | {"model": "mystery", "cost_usd": None}]

    def broken(start: date, end: date, zone: str) -> list[dict[str, Any]]:
        raise RuntimeError("disk on fire")

    app.extensions["usage_sources"].extend([agents, broken])
    body = get(client, "from=2026-11-01&to=2026-11-02")
    (priced, unpriced) = body["rows"]
    assert priced["cost_usd"] == "0.012345" and priced["cache_read"] == 300
    assert unpriced["cost_usd"] is None and unpriced["priced"] == "none"
    assert body["sources"]["claude-code"]["cost_usd"] == "0.012345"
    assert body["warnings"] == ["usage source broken failed: disk on fire"]


def test_cliproxy_rows_are_a_source(app: Flask, client: FlaskClient) -> None:
    db = connect(app.config["SETTINGS"].db_path)
    db.executemany(
        "INSERT INTO daily_usage (stat_date, model, api_key, requests, input_tokens, "
        "output_tokens, cached_tokens, cost_micro, unpriced_requests) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            ("2026-11-02", "gpt-5", "k1", 2, 100, 50, 10, 1_250_000, 0),
            ("2026-11-02", "gpt-5", "k2", 1, 10, 5, 0, 250_000, 0),
            ("2026-11-02", "odd-model", "k1", 1, 10, 5, 0, 0, 1),
        ],
    )
    db.commit()
    db.close()
    body = get(client, "from=2026-11-02&to=2026-11-02")
    rows = {r["model"]: r for r in body["rows"]}
    assert rows["gpt-5"]["host"] == "cliproxy"
    assert (rows["gpt-5"]["input"], rows["gpt-5"]["turns"], rows["gpt-5"]["cost_usd"]) == (
        110,
        3,
        "1.500000",
    )
    assert rows["odd-model"]["cost_usd"] is None
    assert body["sources"]["cliproxy"]["cost_usd"] == "1.500000"


def test_history_cache_sees_a_new_fold(client: FlaskClient, snap_dir: Path) -> None:
    (snap_dir / "snapshots_models.csv").write_text(LONG_CSV)
    assert len(get(client, "from=2026-11-01&to=2026-11-03")["rows"]) == 2
    extra = "2026-11-03,grok.com,grok-4,1,1,0,1\n"
    (snap_dir / "snapshots_models.csv").write_text(LONG_CSV + extra)
    assert len(get(client, "from=2026-11-01&to=2026-11-03")["rows"]) == 3


def test_missing_cliproxy_table_is_no_rows(tmp_path: Path) -> None:
    from collector.dashboard.cliproxy_usage import make_source

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert make_source(path)(date(2026, 1, 1), date(2026, 1, 2), "UTC") == []
    assert make_source(tmp_path / "none.db")(date(2026, 1, 1), date(2026, 1, 2), "UTC") == []


def test_a_repeated_query_sees_new_live_usage(client: FlaskClient, snap_dir: Path) -> None:
    (snap_dir / "snapshots_models.csv").write_text(LONG_CSV)
    query = "from=2026-11-01&to=2026-11-03"
    first = get(client, query)  # builds and keeps the history part
    add(
        client,
        1,
        "2026-11-02",
        [{"host": "chatgpt.com", "model": "gpt-5", "input": 0, "output": 100_000}],
    )
    again = get(client, query)
    gpt = next(r for r in again["rows"] if r["model"] == "gpt-5")
    assert gpt["output"] == 200_000 and gpt["cost_usd"] == "4.500000"  # + 0.1M x 10
    assert get(client, query)["rows"] == again["rows"]  # the kept part was not changed by it
    assert first["totals"]["cost_usd"] == "3.500000"
