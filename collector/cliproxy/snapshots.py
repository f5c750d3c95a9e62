"""Legacy polls: store the snapshot and its per key+model counters, then apply the seed's deltas.

Details become request rows (ingest.py). What the details do not explain (`rest_*`: a server that
sends no details, or fewer than it counts) goes through `deltas.smart_delta` into
`daily_snapshot_stats` on the poll's local date, the only date such counters can have.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import deltas
from .fields import mask_key, obj


def _n(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _detail_tokens(detail: Mapping[str, Any]) -> int:
    tokens = obj(detail.get("tokens"))
    parts = [_n(tokens.get(k)) for k in ("input_tokens", "output_tokens", "reasoning_tokens")]
    return (
        _n(tokens.get("total_tokens")) or sum(parts) or sum(parts) + _n(tokens.get("cached_tokens"))
    )


NewDetails = dict[deltas.Key, tuple[int, int, int]]  # (model, masked key) -> new (req, tok, ok)


@dataclass
class Carry:
    """How much of the previous snapshot's counters its details (and earlier ones) explained.

    v6.6.96 kept at most 1,000 details per key and model while the counters went on: a detail
    pushed out was stored at an earlier poll, so the counters minus the details still shown
    would count it again. Carrying the explained part forward, plus the details new at this
    poll, keeps such requests counted once.
    """

    total_requests: int
    ok: int  # explained successes
    keys: dict[deltas.Key, tuple[int, int, int]]  # counter requests, explained req, explained tok


def summarise(
    usage: Mapping[str, Any], carry: Carry | None = None, new: NewDetails | None = None
) -> tuple[deltas.Counts, dict[deltas.Key, list[int]], Any]:
    """(undetailed counts, per (model, masked key) [req, tok, in, out, rest_req, rest_tok], raw).

    Without `carry` and `new` (or after a CLIProxy restart) the details shown explain the
    counters; with them, so do the details stored earlier (see `Carry`). The raw copy masks the
    keys and replaces each `details` list by its length: the details are stored as request rows.
    """
    restart = carry is None or new is None or _n(usage.get("total_requests")) < carry.total_requests
    rows: dict[deltas.Key, list[int]] = {}
    raw_apis: dict[str, Any] = {}
    seen = ok = seen_tok = 0
    apis = obj(usage.get("apis"))
    for api_key, api in apis.items():
        masked = mask_key(str(api_key))
        models = api.get("models") if isinstance(api, dict) else None
        raw_models: dict[str, Any] = {}
        for model, entry in models.items() if isinstance(models, dict) else ():
            entry = entry if isinstance(entry, dict) else {}
            details = [d for d in entry.get("details") or () if isinstance(d, dict)]
            key = (str(model) or "unknown", masked)
            req, tok = _n(entry.get("total_requests")), _n(entry.get("total_tokens"))
            d_req, d_tok = len(details), sum(_detail_tokens(d) for d in details)
            d_ok = sum(1 for d in details if d.get("failed") is not True)
            if not restart and carry is not None and new is not None:
                counter, c_req, c_tok = carry.keys.get(key, (0, 0, 0))
                n_req, n_tok, _ = new.get(key, (0, 0, 0))
                if req >= counter:  # the same run of CLIProxy: earlier details still count
                    d_req, d_tok = max(d_req, c_req + n_req), max(d_tok, c_tok + n_tok)
            seen, seen_tok, ok = seen + d_req, seen_tok + d_tok, ok + d_ok
            ins = sum(_n(obj(d.get("tokens")).get("input_tokens")) for d in details)
            outs = sum(_n(obj(d.get("tokens")).get("output_tokens")) for d in details)
            row = [req, tok, ins, outs, max(0, req - d_req), max(0, tok - d_tok)]
            rows[key] = [a + b for a, b in zip(rows.get(key, [0] * 6), row, strict=True)]
            raw_models[str(model)] = {**entry, "details": len(details)}
        raw_apis[masked] = {**(api if isinstance(api, dict) else {}), "models": raw_models}
    if not restart and carry is not None and new is not None:
        ok = max(ok, carry.ok + sum(v[2] for v in new.values()))
    ok = min(ok, seen)
    rest = deltas.Counts(
        requests=max(0, _n(usage.get("total_requests")) - seen),
        success=max(0, _n(usage.get("success_count")) - ok),
        failure=max(0, _n(usage.get("failure_count")) - (seen - ok)),
        tokens=max(0, _n(usage.get("total_tokens")) - seen_tok),
        keys={k: (v[4], v[5]) for k, v in rows.items() if v[4] or v[5]},
    )
    return rest, rows, {**usage, "apis": raw_apis}


def previous(db: sqlite3.Connection) -> tuple[deltas.Counts | None, Carry | None]:
    """The last snapshot's undetailed counts (for the deltas) and what its details explained."""
    snap = db.execute(
        "SELECT id, rest_requests, rest_success, rest_failure, rest_tokens, total_requests, "
        "success_count FROM snapshots ORDER BY fetched_ms DESC, id DESC LIMIT 1"
    ).fetchone()
    if snap is None:
        return None, None
    keys: dict[deltas.Key, tuple[int, int]] = {}
    carried: dict[deltas.Key, tuple[int, int, int]] = {}
    for r in db.execute(
        "SELECT model, api_key, rest_requests, rest_tokens, request_count, total_tokens "
        "FROM snapshot_models WHERE snapshot_id = ?",
        (snap[0],),
    ):
        if r[2] > 0 or r[3] > 0:
            keys[(r[0], r[1])] = (r[2], r[3])
        carried[(r[0], r[1])] = (r[4], r[4] - r[2], r[5] - r[3])
    counts = deltas.Counts(snap[1], snap[2], snap[3], snap[4], keys)
    return counts, Carry(snap[5], snap[6] - snap[2], carried)


def record(
    db: sqlite3.Connection,
    usage: Mapping[str, Any],
    fetched_ms: int,
    local_date: Callable[[int], str],
    new: NewDetails | None = None,
) -> tuple[int, deltas.Delta]:
    """Store one legacy snapshot and fold its undetailed delta into its local day.

    With `new` (the detail rows this poll stored, per key) it runs inside the caller's
    transaction (`ingest.store(..., then=)`); without, in one of its own.
    """
    if new is None:
        with db:
            return _record(db, usage, fetched_ms, local_date, None)
    return _record(db, usage, fetched_ms, local_date, new)


def _record(
    db: sqlite3.Connection,
    usage: Mapping[str, Any],
    fetched_ms: int,
    local_date: Callable[[int], str],
    new: NewDetails | None,
) -> tuple[int, deltas.Delta]:
    prev, carry = previous(db)
    rest, rows, raw = summarise(usage, carry, new)
    delta = deltas.smart_delta(prev, rest)
    cursor = db.execute(
        "INSERT INTO snapshots (fetched_ms, total_requests, success_count, failure_count, "
        "total_tokens, rest_requests, rest_success, rest_failure, rest_tokens, raw) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            fetched_ms,
            _n(usage.get("total_requests")),
            _n(usage.get("success_count")),
            _n(usage.get("failure_count")),
            _n(usage.get("total_tokens")),
            rest.requests,
            rest.success,
            rest.failure,
            rest.tokens,
            json.dumps(raw, separators=(",", ":")),
        ),
    )
    snapshot_id = int(cursor.lastrowid or 0)
    db.executemany(
        "INSERT INTO snapshot_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(snapshot_id, key, model, *v) for (model, key), v in rows.items()],
    )
    if delta.requests or delta.tokens or delta.success or delta.failure:
        _fold_day(db, local_date(fetched_ms), delta)
    return snapshot_id, delta


def _fold_day(db: sqlite3.Connection, stat_date: str, delta: deltas.Delta) -> None:
    row = db.execute(
        "SELECT total_requests, success_count, failure_count, total_tokens, breakdown "
        "FROM daily_snapshot_stats WHERE stat_date = ?",
        (stat_date,),
    ).fetchone()
    day = None
    if row is not None:
        day = dict(
            zip(
                ("total_requests", "success_count", "failure_count", "total_tokens"),
                row[:4],
                strict=True,
            )
        )
        day["breakdown"] = json.loads(row[4])
    merged = deltas.merge_day(day, delta)
    db.execute(
        "INSERT INTO daily_snapshot_stats VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stat_date) DO "
        "UPDATE SET total_requests = excluded.total_requests, success_count = excluded.success_count, "
        "failure_count = excluded.failure_count, total_tokens = excluded.total_tokens, "
        "breakdown = excluded.breakdown, updated_ms = excluded.updated_ms",
        (
            stat_date,
            merged["total_requests"],
            merged["success_count"],
            merged["failure_count"],
            merged["total_tokens"],
            json.dumps(merged["breakdown"], separators=(",", ":")),
            int(time.time() * 1000),
        ),
    )
