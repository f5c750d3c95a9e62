"""Rate-limit windows and status: exact from request rows, plus the seed's snapshot estimate for
legacy counters without details (with its gap interpolation over 30 minutes)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

STRATEGIES = ("daily", "weekly", "rolling")
GAP_SECONDS = 1800
FALSE_START_TOKENS = 100_000


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def window(cfg: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """(window start, next reset) in `now`'s zone; a later manual anchor moves the start."""
    zone = now.tzinfo
    assert isinstance(zone, ZoneInfo)
    today = now.date()
    if cfg["reset_strategy"] == "daily":
        start, reset = _midnight(today, zone), _midnight(today + timedelta(days=1), zone)
    elif cfg["reset_strategy"] == "weekly":
        monday = today - timedelta(days=today.weekday())
        start, reset = _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)
    else:
        start, reset = now - timedelta(minutes=cfg["window_minutes"]), now + timedelta(minutes=1)
    anchor = cfg.get("reset_anchor_ms")
    if anchor is not None:
        anchored = datetime.fromtimestamp(anchor / 1000, zone)
        if anchored > start:
            start = anchored
    return start, reset


def matches(pattern: str, model: str) -> bool:
    """The seed's `model_name ILIKE '%pattern%'`: a case-insensitive substring."""
    return pattern.lower() in model.lower()


def used_from_rows(db: sqlite3.Connection, since_ms: int) -> dict[str, tuple[int, int]]:
    """{model: (tokens, requests)} from request rows at or after `since_ms` (uses the covering index)."""
    return {
        row[0]: (row[1], row[2])
        for row in db.execute(
            "SELECT model, SUM(total_tokens), COUNT(*) FROM requests WHERE ts_ms >= ? GROUP BY model",
            (since_ms,),
        )
    }


def _snapshot_map(db: sqlite3.Connection, snap_id: int, pattern: str) -> dict[str, tuple[int, int]]:
    """Undetailed (tokens, requests) per matching model, summed over API keys, for one snapshot."""
    out: dict[str, tuple[int, int]] = {}
    for model, req, tok in db.execute(
        "SELECT model, SUM(rest_requests), SUM(rest_tokens) FROM snapshot_models "
        "WHERE snapshot_id = ? GROUP BY model",
        (snap_id,),
    ):
        if matches(pattern, model):
            out[model] = (tok, req)
    return out


def used_from_snapshots(db: sqlite3.Connection, pattern: str, since_ms: int) -> tuple[int, int]:
    """The seed's estimate: latest minus a baseline at `since`, interpolated over a gap > 30 min."""
    pick = (
        "SELECT id, fetched_ms FROM snapshots WHERE fetched_ms {} ? ORDER BY fetched_ms {} LIMIT 1"
    )
    latest = db.execute(pick.format(">=", "DESC"), (since_ms,)).fetchone()
    if latest is None:
        return 0, 0
    first = db.execute(pick.format(">=", "ASC"), (since_ms,)).fetchone()
    before = db.execute(pick.format("<", "DESC"), (since_ms,)).fetchone()
    last_map = _snapshot_map(db, latest[0], pattern)
    first_map = _snapshot_map(db, first[0], pattern)
    if before is None:  # no baseline: the first snapshot inside the window ("optimistic")
        base = first_map
    else:
        base = _snapshot_map(db, before[0], pattern)
        gap = (first[1] - before[1]) / 1000
        if gap > GAP_SECONDS:
            ratio = min(1.0, max(0.0, (since_ms - before[1]) / 1000 / gap))
            for model in set(base) | set(first_map):
                b = base.get(model, (0, 0))
                if model in first_map:
                    fi = first_map[model]
                    base[model] = (
                        round(b[0] + ratio * (fi[0] - b[0])),
                        round(b[1] + ratio * (fi[1] - b[1])),
                    )
    tokens = requests = 0
    for model, (l_tok, l_req) in last_map.items():
        b_tok, b_req = base.get(model, (0, 0))
        d_tok, d_req = l_tok - b_tok, l_req - b_req
        if d_tok < 0 or d_req < 0:  # restart inside the window
            d_tok, d_req = l_tok, l_req
        is_new = model not in base or (b_tok, b_req) == (0, 0)
        if is_new and d_tok > FALSE_START_TOKENS and (b_tok == 0 or abs(d_tok - l_tok) < 100):
            continue  # false start: history, not usage inside the window
        tokens, requests = tokens + max(0, d_tok), requests + max(0, d_req)
    return tokens, requests


def status_for(cfg: Mapping[str, Any], tokens: int, requests: int) -> dict[str, Any]:
    """Used, remaining and `percentage` (the remaining share, 0..100, as in the seed)."""
    t_limit, r_limit = cfg.get("token_limit") or 0, cfg.get("request_limit") or 0
    rem_t = max(0, t_limit - tokens) if t_limit > 0 else None
    rem_r = max(0, r_limit - requests) if r_limit > 0 else None
    if rem_t is not None:
        pct, label = int(rem_t / t_limit * 100), f"{tokens:,}/{t_limit:,} Tokens"
    elif rem_r is not None:
        pct, label = int(rem_r / r_limit * 100), f"{requests:,}/{r_limit:,} Requests"
    else:
        pct, label = 100, f"Used: {tokens:,}T / {requests:,}R"
    return {
        "used_tokens": tokens,
        "used_requests": requests,
        "remaining_tokens": rem_t,
        "remaining_requests": rem_r,
        "percentage": min(100, max(0, pct)),
        "status_label": label,
    }


def _save_status(db: sqlite3.Connection, config_id: int, st: Mapping[str, Any]) -> None:
    db.execute(
        "INSERT INTO rate_limit_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (config_id) "
        "DO UPDATE SET used_tokens = excluded.used_tokens, used_requests = excluded.used_requests, "
        "remaining_tokens = excluded.remaining_tokens, remaining_requests = excluded.remaining_requests, "
        "percentage = excluded.percentage, status_label = excluded.status_label, "
        "window_start_ms = excluded.window_start_ms, next_reset_ms = excluded.next_reset_ms, "
        "last_updated_ms = excluded.last_updated_ms",
        (
            config_id,
            st["used_tokens"],
            st["used_requests"],
            st["remaining_tokens"],
            st["remaining_requests"],
            st["percentage"],
            st["status_label"],
            st["window_start_ms"],
            st["next_reset_ms"],
            st["last_updated_ms"],
        ),
    )


def sync(db: sqlite3.Connection, zone: str, now_ms: int) -> list[dict[str, Any]]:
    """Recompute and store the status of every config; one query per distinct window start."""
    now = datetime.fromtimestamp(now_ms / 1000, ZoneInfo(zone))
    per_since: dict[int, dict[str, tuple[int, int]]] = {}
    out = []
    with db:
        configs = db.execute("SELECT * FROM rate_limit_configs ORDER BY id").fetchall()
        for row in configs:
            cfg = dict(zip(row.keys(), row, strict=True))
            if cfg["reset_strategy"] not in STRATEGIES or not cfg["model_pattern"]:
                continue  # the seed skips unsupported ('fixed') and incomplete configs
            start, reset = window(cfg, now)
            since = int(start.timestamp() * 1000)
            if since not in per_since:
                per_since[since] = used_from_rows(db, since)
            hits = [v for m, v in per_since[since].items() if matches(cfg["model_pattern"], m)]
            snap_tok, snap_req = used_from_snapshots(db, cfg["model_pattern"], since)
            st = status_for(
                cfg, sum(t for t, _ in hits) + snap_tok, sum(r for _, r in hits) + snap_req
            )
            st.update(
                config_id=cfg["id"],
                window_start_ms=since,
                next_reset_ms=int(reset.timestamp() * 1000),
                last_updated_ms=now_ms,
            )
            _save_status(db, cfg["id"], st)
            out.append(st)
    return out


def reset(db: sqlite3.Connection, config_id: int, now_ms: int) -> dict[str, Any] | None:
    """Manual reset: anchor the window at now and zero the status. None for an unknown id."""
    with db:
        row = db.execute("SELECT * FROM rate_limit_configs WHERE id = ?", (config_id,)).fetchone()
        if row is None:
            return None
        cfg = dict(zip(row.keys(), row, strict=True))
        db.execute(
            "UPDATE rate_limit_configs SET reset_anchor_ms = ?, updated_ms = ? WHERE id = ?",
            (now_ms, now_ms, config_id),
        )
        st = status_for(cfg, 0, 0)
        if not (cfg["token_limit"] or cfg["request_limit"]):
            st["status_label"] = "Unlimited"
        st.update(
            config_id=config_id, window_start_ms=now_ms, next_reset_ms=None, last_updated_ms=now_ms
        )
        _save_status(db, config_id, st)
    return st
