"""GET /usage: live buckets plus history, grouped by day, ISO week or month, as JSON or CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from collector.dashboard.usage import MAX_DAYS, UsageQuery, build_report, merge_daily, periods

from .conftest import KEY, Live, write_history

HISTORY = {
    "2026-10-30": {"chatgpt.com": 100},
    "2026-11-01": {"chatgpt.com": 10, "claude.ai": 5},
    "2026-11-02": {"claude.ai": 7},
}


def get(client: FlaskClient, query: str) -> Any:
    return client.get(f"/usage?{query}", headers={"X-API-KEY": KEY})


@pytest.fixture
def seeded(snap_dir: Path, live: Live) -> None:
    write_history(snap_dir, HISTORY)
    live.add("2026-11-02", {"claude.ai": 3, "gemini.google.com": 1})  # the reset was mid-day


def test_days_add_live_buckets_to_history(client: FlaskClient, seeded: None) -> None:
    answer = get(client, "from=2026-10-31&to=2026-11-03&group=day")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["from"] == "2026-10-31" and body["to"] == "2026-11-03"
    assert body["group"] == "day" and body["bucket_timezone"] == "UTC"
    assert body["rows"] == [
        {"period": "2026-10-31", "total": 0, "hosts": {}},
        {"period": "2026-11-01", "total": 15, "hosts": {"chatgpt.com": 10, "claude.ai": 5}},
        {"period": "2026-11-02", "total": 11, "hosts": {"claude.ai": 10, "gemini.google.com": 1}},
        {"period": "2026-11-03", "total": 0, "hosts": {}},
    ]
    assert body["hosts"] == ["claude.ai", "chatgpt.com", "gemini.google.com"]  # largest first
    assert body["totals"] == {"claude.ai": 15, "chatgpt.com": 10, "gemini.google.com": 1}
    assert body["total"] == 26


def test_weeks_start_on_monday_and_are_cut_at_the_range(client: FlaskClient, seeded: None) -> None:
    # 2026-10-30 is a Friday, 2026-11-01 a Sunday, 2026-11-02 a Monday.
    body = get(client, "from=2026-10-30&to=2026-11-08&group=week").get_json()
    assert [(r["period"], r["total"]) for r in body["rows"]] == [
        ("2026-10-26", 115),
        ("2026-11-02", 11),
    ]


def test_months(client: FlaskClient, seeded: None) -> None:
    body = get(client, "from=2026-10-01&to=2026-12-31&group=month").get_json()
    assert [(r["period"], r["hosts"]) for r in body["rows"]] == [
        ("2026-10", {"chatgpt.com": 100}),
        ("2026-11", {"claude.ai": 15, "chatgpt.com": 10, "gemini.google.com": 1}),
        ("2026-12", {}),
    ]


def test_csv(client: FlaskClient, seeded: None) -> None:
    answer = get(client, "from=2026-11-01&to=2026-11-02&format=csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.get_data(as_text=True).splitlines() == [
        "period,claude.ai,chatgpt.com,gemini.google.com",
        "2026-11-01,5,10,0",
        "2026-11-02,10,0,1",
    ]


def test_default_range_is_the_last_30_days(client: FlaskClient, live: Live) -> None:
    today = datetime.now(UTC).date()
    live.add(today.isoformat(), {"chatgpt.com": 42})
    body = get(client, "").get_json()
    assert (body["from"], body["to"]) == ((today - timedelta(29)).isoformat(), today.isoformat())
    assert len(body["rows"]) == 30
    assert body["rows"][-1] == {
        "period": today.isoformat(),
        "total": 42,
        "hosts": {"chatgpt.com": 42},
    }


def test_nothing_recorded_yet(client: FlaskClient) -> None:
    body = get(client, "from=2026-11-01&to=2026-11-01").get_json()
    assert body["hosts"] == [] and body["totals"] == {} and body["total"] == 0
    csv = get(client, "from=2026-11-01&to=2026-11-01&format=csv").get_data(as_text=True)
    assert csv == "period\n2026-11-01\n"


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong"}], ids=["missing", "wrong"])
def test_the_key_is_required(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.get("/usage?from=2026-11-01&to=2026-11-02", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        pytest.param("from=2026-13-01&to=2026-12-01", "bad_date", "from:", id="month-13"),
        pytest.param("from=2026-02-30", "bad_date", "from:", id="feb-30"),
        pytest.param("to=20261101", "bad_date", "to:", id="compact"),
        pytest.param("from=2026-W45-1", "bad_date", "from:", id="week-date"),
        pytest.param("from=", "bad_date", "from:", id="empty"),
        pytest.param("to=2026-11-01T00:00", "bad_date", "to:", id="datetime"),
        pytest.param("from=2026-11-02&to=2026-11-01", "bad_range", "after", id="reversed"),
        pytest.param("from=2020-01-01&to=2026-01-01", "range_too_long", "at most", id="long"),
        pytest.param("group=year", "bad_group", "group:", id="group"),
        pytest.param("group=", "bad_group", "group:", id="empty-group"),
        pytest.param("format=xml", "bad_format", "format:", id="format"),
    ],
)
def test_bad_queries_are_400(client: FlaskClient, query: str, code: str, detail: str) -> None:
    answer = get(client, query)
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == code
    assert detail in body["detail"]


def test_the_range_cap_is_inclusive(client: FlaskClient) -> None:
    start = date(2024, 1, 1)
    end = start + timedelta(MAX_DAYS - 1)
    assert get(client, f"from={start}&to={end}").status_code == 200
    assert get(client, f"from={start}&to={end + timedelta(1)}").status_code == 400


def test_a_long_bad_value_is_not_echoed_whole(client: FlaskClient) -> None:
    detail = get(client, "group=" + "x" * 5000).get_json()["detail"]
    assert len(detail) < 200


@pytest.mark.parametrize(
    ("start", "end", "group", "expected"),
    [
        (date(2026, 12, 27), date(2027, 1, 5), "week", ["2026-12-21", "2026-12-28", "2027-01-04"]),
        (date(2026, 12, 31), date(2027, 1, 1), "month", ["2026-12", "2027-01"]),
        (date(2028, 2, 28), date(2028, 3, 1), "day", ["2028-02-28", "2028-02-29", "2028-03-01"]),
    ],
    ids=["week-over-new-year", "month-over-new-year", "leap-day"],
)
def test_periods(start: date, end: date, group: str, expected: list[str]) -> None:
    assert periods(start, end, group) == expected


def test_a_malformed_date_key_is_skipped_not_a_crash() -> None:
    query = UsageQuery(date(2026, 11, 1), date(2026, 11, 2))
    sources = [{"2026-11-01": {"a.com": 1}, "2026-11-01x": {"a.com": 5}}]
    daily = merge_daily(sources, query.start, query.end)
    assert build_report(daily, query, "UTC")["totals"] == {"a.com": 1}
