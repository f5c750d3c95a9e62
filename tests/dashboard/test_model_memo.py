"""The kept, rendered history with live usage and sources laid over it answers exactly what a
report built from scratch answers: same rows, same order, same totals, JSON and CSV."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from collector.dashboard.model_memo import ReportMemo
from collector.dashboard.model_report import ModelReport, to_model_csv
from collector.dashboard.usage import period_labels
from collector.pricing import Pricer, RateBook
from collector.usage_buckets import UsageDays, add_entries

START, END = date(2026, 10, 1), date(2026, 11, 30)
BOOK = RateBook(Pricer())


def history() -> UsageDays:
    days: UsageDays = {}
    for n in range(1, 31):
        day = f"2026-11-{n:02d}"
        add_entries(days, day, [
            ("chatgpt.com", "gpt-5", 1000 * n, 50 * n, 7 * n, 1),
            ("claude.ai", None, n, n, 0, 1),
            ("www.perplexity.ai", "r1", 3, 4, 5, 1),
            ("chat.deepseek.com", "deepseek-chat", 10**6, 10**5, 0, 2),
        ])  # fmt: skip
    add_entries(days, "2026-09-30", [("chatgpt.com", "gpt-5", 1, 1, 1, 1)])  # outside the range
    return days


LIVE: UsageDays = {}
add_entries(
    LIVE, "2026-11-30", [("chatgpt.com", "gpt-5", 5, 5, 5, 1), ("grok.com", "grok-4", 9, 9, 0, 1)]
)
add_entries(LIVE, "2026-12-01", [("grok.com", "grok-4", 9, 9, 0, 1)])  # after the range
SOURCE: list[dict[str, Any]] = [
    {"day": "2026-11-15", "host": "cliproxy", "model": "gpt-5", "input": 10, "output": 20,
     "context": 0, "turns": 1, "cache_read": 3, "cache_write": 0, "cost_usd": "0.000250"},
    {"day": "2026-11-15", "host": "cliproxy", "model": "odd", "input": 1, "output": 1,
     "context": 0, "turns": 1, "cache_read": 0, "cache_write": 0, "cost_usd": None},
]  # fmt: skip


@pytest.mark.parametrize("group", ["day", "week", "month"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_overlay_answers_like_a_fresh_report(group: str, fmt: str) -> None:
    labels = period_labels(START, END, group)
    subs = ()
    fresh = ModelReport(START, END, group, labels, BOOK)
    fresh.add_web([history(), LIVE])
    fresh.add_source_rows(SOURCE)
    expected = fresh.render(subs) | {"bucket_timezone": "UTC"}

    memo = ReportMemo()
    kept = history()
    for _ in range(2):  # the second time from the kept rendering
        rendered = memo.rendered("k", kept, lambda: ModelReport(START, END, group, labels, BOOK))
        top = rendered.report.overlay()
        top.add_web([LIVE])
        top.add_source_rows(SOURCE)
        text = rendered.answer(top, fmt, subs, {"bucket_timezone": "UTC"})
        if fmt == "json":
            assert json.loads(text) == expected
        else:
            assert text == to_model_csv(expected)
    assert (
        len(rendered.report.counts)
        == len({(r["period"], r["host"], r["model"]) for r in expected["rows"]}) - 3
    )
