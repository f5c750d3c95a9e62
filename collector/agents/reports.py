"""Reads of the agent rows: per day (in a chosen zone), per source and model; Claude 5-hour blocks.

Unpriced requests never count as $0: a group whose requests are all unpriced has cost None, and a
mixed group says how many were left out (`unpriced_requests`).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .records import CLAUDE

PICO = Decimal(10) ** 12
BLOCK_MS = 5 * 3600 * 1000  # Claude's usage windows (ccusage `blocks`)


def usd(pico: int | None) -> str | None:
    return None if pico is None else str(Decimal(pico) / PICO)


def day_bounds(start: date, end: date, zone: str) -> list[tuple[str, int, int]]:
    """(YYYY-MM-DD, first ms, end ms exclusive) of each local day; DST days are 23 or 25 hours."""
    tz = ZoneInfo(zone)
    days = []
    day = start
    while day <= end:
        nxt = day + timedelta(days=1)
        lo = datetime.combine(day, time(), tz).timestamp()
        hi = datetime.combine(nxt, time(), tz).timestamp()
        days.append((day.isoformat(), int(lo * 1000), int(hi * 1000)))
        day = nxt
    return days


_GROUP = (
    "SELECT source, model, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(reasoning_tokens), "
    "SUM(cache_read_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), "
    "SUM(cost_pico), SUM(cost_pico IS NULL) FROM agent_requests "
    "WHERE ts_ms >= ? AND ts_ms < ? GROUP BY source, model ORDER BY source, model"
)


def per_model(db: sqlite3.Connection, start: date, end: date, zone: str) -> list[dict[str, Any]]:
    """One row per local day, source and model with requests, tokens and cost."""
    rows = []
    for day, lo, hi in day_bounds(start, end, zone):
        for source, model, n, inp, out, reason, read, w5, w1h, pico, unpriced in db.execute(
            _GROUP, (lo, hi)
        ):
            rows.append({
                "day": day, "source": source, "model": model, "requests": n, "input": inp,
                "output": out, "reasoning": reason, "cache_read": read, "cache_write_5m": w5,
                "cache_write_1h": w1h, "cost_pico": pico if unpriced < n else None,
                "unpriced_requests": unpriced,
            })  # fmt: skip
    return rows


def usage_rows(db: sqlite3.Connection, start: date, end: date, zone: str) -> list[dict[str, Any]]:
    """The `usage_sources` shape of `/usage?by=model`: `host` is the agent's name, `turns` its
    requests; a model with any unpriced request has cost None rather than an understated sum."""
    return [
        {
            "day": r["day"],
            "host": r["source"],
            "model": r["model"],
            "input": r["input"],
            "output": r["output"],
            "context": 0,
            "turns": r["requests"],
            "cache_read": r["cache_read"],
            "cache_write": r["cache_write_5m"] + r["cache_write_1h"],
            "cost_usd": usd(r["cost_pico"]) if r["unpriced_requests"] == 0 else None,
        }
        for r in per_model(db, start, end, zone)
    ]


def daily(
    db: sqlite3.Connection, start: date, end: date, zone: str, source: str | None
) -> list[dict[str, Any]]:
    """ccusage's daily report: per day, the models used, tokens by kind, cost, and a per-model
    breakdown. Days without requests are left out."""
    days: dict[str, dict[str, Any]] = {}
    for r in per_model(db, start, end, zone):
        if source and r["source"] != source:
            continue
        day = days.setdefault(r["day"], {
            "date": r["day"], "models": [], "requests": 0, "input": 0, "output": 0,
            "reasoning": 0, "cache_read": 0, "cache_write": 0, "total_tokens": 0,
            "cost_pico": None, "unpriced_requests": 0, "breakdown": [],
        })  # fmt: skip
        cache_write = r["cache_write_5m"] + r["cache_write_1h"]
        total = r["input"] + r["output"] + r["cache_read"] + cache_write
        if r["model"] not in day["models"]:
            day["models"].append(r["model"])
        for name, value in (("requests", r["requests"]), ("input", r["input"]),
                            ("output", r["output"]), ("reasoning", r["reasoning"]),
                            ("cache_read", r["cache_read"]), ("cache_write", cache_write),
                            ("total_tokens", total), ("unpriced_requests", r["unpriced_requests"])):  # fmt: skip
            day[name] += value
        if r["cost_pico"] is not None:
            day["cost_pico"] = (day["cost_pico"] or 0) + r["cost_pico"]
        day["breakdown"].append({
            "source": r["source"], "model": r["model"], "requests": r["requests"],
            "input": r["input"], "output": r["output"], "cache_read": r["cache_read"],
            "cache_write": cache_write, "total_tokens": total, "cost_usd": usd(r["cost_pico"]),
            "unpriced_requests": r["unpriced_requests"],
        })  # fmt: skip
    out = []
    for day in days.values():
        day["cost_usd"] = usd(day.pop("cost_pico"))
        out.append(day)
    return out


def blocks(db: sqlite3.Connection, lo_ms: int, hi_ms: int, now_ms: int) -> list[dict[str, Any]]:
    """Claude Code's 5-hour blocks as ccusage draws them: a block starts at the hour of its first
    request and ends 5 h later; a request past that end, or after a 5 h gap, starts a new block."""
    found: list[dict[str, Any]] = []
    block: dict[str, Any] | None = None
    for ts, model, inp, out, read, write, pico in db.execute(
        "SELECT ts_ms, model, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_5m_tokens + cache_write_1h_tokens, cost_pico FROM agent_requests "
        "WHERE source = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms",
        (CLAUDE, lo_ms, hi_ms),
    ):
        if block is None or ts >= block["end_ms"] or ts - block["last_ms"] >= BLOCK_MS:
            start = ts - ts % 3_600_000
            block = {"start_ms": start, "end_ms": start + BLOCK_MS, "first_ms": ts, "last_ms": ts,
                     "requests": 0, "input": 0, "output": 0, "cache_read": 0, "cache_write": 0,
                     "cost_pico": None, "unpriced_requests": 0, "models": []}  # fmt: skip
            found.append(block)
        block["last_ms"] = ts
        block["requests"] += 1
        block["input"] += inp
        block["output"] += out
        block["cache_read"] += read
        block["cache_write"] += write
        if pico is None:
            block["unpriced_requests"] += 1
        else:
            block["cost_pico"] = (block["cost_pico"] or 0) + pico
        if model not in block["models"]:
            block["models"].append(model)
    for b in found:
        b["total_tokens"] = b["input"] + b["output"] + b["cache_read"] + b["cache_write"]
        b["cost_usd"] = usd(b.pop("cost_pico"))
        b["active"] = b["start_ms"] <= now_ms < b["end_ms"]
    return found
