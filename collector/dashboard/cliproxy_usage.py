"""CLIProxy's requests as a `usage_sources` entry of `GET /usage?by=model` (host "cliproxy").

Read from the pre-aggregated `daily_usage` table (one row per day, model and client key), so a
year is a few thousand rows. Costs there were priced per request when stored; a day and model
with no priced request has cost None (unpriced), never 0. `input` is CLIProxy's input count as
stored, `cache_read` its cached tokens, `turns` its requests. Days are CLIProxy's own
(`CLIPROXY_TIMEZONE`), which is the zone its rows were stored in.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .usage import MAX_DAYS

HOST = "cliproxy"
_QUERY = (
    "SELECT stat_date, model, SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), "
    "SUM(requests), SUM(cost_micro), SUM(unpriced_requests) FROM daily_usage "
    "WHERE stat_date BETWEEN ? AND ? GROUP BY stat_date, model LIMIT ?"
)


def make_source(db_path: Path) -> Any:
    """A usage source reading `db_path` read-only; no database yet means no rows."""

    def cliproxy(start: date, end: date, _zone: str) -> list[dict[str, Any]]:
        if not db_path.exists():
            return []
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='daily_usage'"
            ).fetchone()
            if found is None:
                return []
            # bounded: days x models; a thousand models a day is far past any real proxy
            cursor = db.execute(_QUERY, (start.isoformat(), end.isoformat(), MAX_DAYS * 1000))
            return [_row(*r) for r in cursor]
        finally:
            db.close()

    return cliproxy


def _row(
    day: str, model: str, i: int, o: int, cached: int, requests: int, micro: int, unpriced: int
) -> dict[str, Any]:
    priced = requests - unpriced
    return {
        "day": day,
        "host": HOST,
        "model": model,
        "input": i,
        "output": o,
        "context": 0,
        "turns": requests,
        "cache_read": cached,
        "cache_write": 0,
        "cost_usd": str(Decimal(micro) / Decimal(1_000_000)) if priced > 0 else None,
    }
