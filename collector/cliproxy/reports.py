"""Read-side queries: daily stats over a date range (request rows plus undetailed snapshot deltas),
cost per model, limit status. Each reads the small pre-aggregated tables, never all requests."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any


def usd(micro: int) -> str:
    """Micro-USD as a decimal string (exact, no float rounding)."""
    return str(Decimal(micro) / Decimal(1_000_000))


def pricing(micro: int, requests: int, unpriced: int) -> dict[str, Any]:
    """Cost fields of an aggregate. Unpriced is never $0: with no priced request the cost is null
    and the status `unpriced`; with some, the cost is the priced part and the status `partial`."""
    if unpriced and unpriced >= requests:
        return {"cost_usd": None, "cost_micro_usd": None, "pricing_status": "unpriced"}
    return {
        "cost_usd": usd(micro),
        "cost_micro_usd": micro,
        "pricing_status": "partial" if unpriced else "priced",
    }


def _day(stat_date: str) -> dict[str, Any]:
    return {
        "date": stat_date,
        "total_requests": 0,
        "success_count": 0,
        "failure_count": 0,
        "total_tokens": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_micro_usd": 0,
        "unpriced_requests": 0,
        "undetailed_requests": 0,
        "breakdown": {"models": {}, "endpoints": {}},
    }


def _add(
    target: dict[str, Any], key: str, req: int, tok: int, cost: int, unpriced: int
) -> dict[str, Any]:
    entry: dict[str, Any] = target.setdefault(
        key, {"requests": 0, "tokens": 0, "cost_micro_usd": 0, "unpriced_requests": 0}
    )
    entry["requests"] += req
    entry["tokens"] += tok
    entry["cost_micro_usd"] += cost
    entry["unpriced_requests"] += unpriced
    return entry


def _settle(entry: dict[str, Any], with_usd: bool = False) -> None:
    """Replace the running micro-USD sum by the cost fields `pricing` gives."""
    fields = pricing(entry["cost_micro_usd"], entry["requests"], entry["unpriced_requests"])
    if not with_usd:
        del fields["cost_usd"]
    entry.update(fields)


def daily_stats(db: sqlite3.Connection, start: str, end: str) -> list[dict[str, Any]]:
    """One entry per date in [start, end] that has usage, oldest first."""
    days: dict[str, dict[str, Any]] = {}
    for r in db.execute(
        "SELECT stat_date, model, api_key, requests, success, failure, total_tokens, input_tokens, "
        "output_tokens, cost_micro, unpriced_requests FROM daily_usage "
        "WHERE stat_date BETWEEN ? AND ? ORDER BY stat_date",
        (start, end),
    ):
        day = days.setdefault(r[0], _day(r[0]))
        day["total_requests"] += r[3]
        day["success_count"] += r[4]
        day["failure_count"] += r[5]
        day["total_tokens"] += r[6]
        day["input_tokens"] += r[7]
        day["output_tokens"] += r[8]
        day["cost_micro_usd"] += r[9]
        day["unpriced_requests"] += r[10]
        model = _add(day["breakdown"]["models"], r[1], r[3], r[6], r[9], r[10])
        model["input_tokens"] = model.get("input_tokens", 0) + r[7]
        model["output_tokens"] = model.get("output_tokens", 0) + r[8]
        endpoint = _add(day["breakdown"]["endpoints"], r[2], r[3], r[6], r[9], r[10])
        _add(endpoint.setdefault("models", {}), r[1], r[3], r[6], r[9], r[10])
    for r in db.execute(
        "SELECT stat_date, total_requests, success_count, failure_count, total_tokens, breakdown "
        "FROM daily_snapshot_stats WHERE stat_date BETWEEN ? AND ?",
        (start, end),
    ):
        day = days.setdefault(r[0], _day(r[0]))
        for field, value in zip(
            ("total_requests", "success_count", "failure_count", "total_tokens"),
            r[1:5],
            strict=True,
        ):
            day[field] += value
        day["undetailed_requests"] += r[1]
        day["unpriced_requests"] += r[1]
        breakdown = json.loads(r[5])
        # counters without details cannot be priced: every such request is unpriced
        for model, m in breakdown.get("models", {}).items():
            _add(day["breakdown"]["models"], model, m["requests"], m["tokens"], 0, m["requests"])
        for key, e in breakdown.get("endpoints", {}).items():
            endpoint = _add(
                day["breakdown"]["endpoints"], key, e["requests"], e["tokens"], 0, e["requests"]
            )
            for model, m in e.get("models", {}).items():
                models = endpoint.setdefault("models", {})
                _add(models, model, m["requests"], m["tokens"], 0, m["requests"])
    out = [days[d] for d in sorted(days)]
    for day in out:
        fields = pricing(day["cost_micro_usd"], day["total_requests"], day["unpriced_requests"])
        day.update(fields)
        for model in day["breakdown"]["models"].values():
            _settle(model)
        for endpoint in day["breakdown"]["endpoints"].values():
            _settle(endpoint)
            for model in endpoint.get("models", {}).values():
                _settle(model)
    return out


def model_costs(db: sqlite3.Connection, start: str, end: str) -> list[dict[str, Any]]:
    """Cost and tokens per model over [start, end], most expensive first, unpriced last."""
    rows = db.execute(
        "SELECT model, SUM(requests), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), "
        "SUM(reasoning_tokens), SUM(total_tokens), SUM(cost_micro), SUM(unpriced_requests) "
        "FROM daily_usage WHERE stat_date BETWEEN ? AND ? GROUP BY model "
        "ORDER BY SUM(unpriced_requests) >= SUM(requests), SUM(cost_micro) DESC, model",
        (start, end),
    ).fetchall()
    names = (
        "model",
        "requests",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "total_tokens",
        "cost_micro_usd",
        "unpriced_requests",
    )
    out = []
    for r in rows:
        entry = dict(zip(names, r, strict=True))
        entry.update(
            pricing(entry["cost_micro_usd"], entry["requests"], entry["unpriced_requests"])
        )
        entry["status"] = entry["pricing_status"]  # the name this endpoint has always used
        out.append(entry)
    return out


def limit_status(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT c.id, c.name, c.model_pattern, c.reset_strategy, c.window_minutes, c.token_limit, "
        "c.request_limit, c.reset_anchor_ms, s.used_tokens, s.used_requests, s.remaining_tokens, "
        "s.remaining_requests, s.percentage, s.status_label, s.window_start_ms, s.next_reset_ms, "
        "s.last_updated_ms FROM rate_limit_configs c LEFT JOIN rate_limit_status s "
        "ON s.config_id = c.id ORDER BY c.id"
    )
    return [{key: row[key] for key in row.keys()} for row in rows]  # noqa: SIM118
