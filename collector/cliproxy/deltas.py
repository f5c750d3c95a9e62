"""The seed's "smart delta" for legacy snapshots whose counters have no per-request details.

Pure functions over counts, so each rule can be checked by hand. What they receive is only the part
of a snapshot its details do not explain (all of it, for a server that sends no details), so usage
that has detail rows is never counted twice. Rules, from the seed collector:
  - no previous snapshot: everything so far counts (the seed's first-run import);
  - a counter that drops means CLIProxy restarted: the delta is the current value;
  - false start: a key absent from the previous snapshot arriving with more than
    FALSE_START_TOKENS is history, not new usage, and is skipped (taken out of the totals too);
  - when the kept keys explain less than 99 % of the requests, success/failure shrink in proportion;
  - a day's totals are re-derived from its breakdown ("self-healing").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

FALSE_START_TOKENS = 100_000
COVERAGE_FLOOR = 0.99

Key = tuple[str, str]  # (model, masked api key)


@dataclass
class Counts:
    """A snapshot's undetailed counters: the totals and (requests, tokens) per (model, api key)."""

    requests: int = 0
    success: int = 0
    failure: int = 0
    tokens: int = 0
    keys: dict[Key, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Delta:
    requests: int
    success: int
    failure: int
    tokens: int
    keys: dict[Key, tuple[int, int]]
    skipped: list[Key] = field(default_factory=list)


def smart_delta(prev: Counts | None, cur: Counts) -> Delta:
    """What happened between two polls, by the seed's rules (see the module docstring)."""
    if prev is None:
        first = {k: v for k, v in cur.keys.items() if v[0] > 0}
        return Delta(cur.requests, cur.success, cur.failure, cur.tokens, first)
    inc = [cur.requests - prev.requests, cur.success - prev.success]
    inc += [cur.failure - prev.failure, cur.tokens - prev.tokens]
    if inc[0] < 0 or inc[3] < 0:  # CLIProxy restarted: everything it has is new
        inc = [cur.requests, cur.success, cur.failure, cur.tokens]
    inc = [max(0, n) for n in inc]
    kept = {}
    skipped: list[Key] = []
    for key in sorted(set(prev.keys) | set(cur.keys)):
        p_req, p_tok = prev.keys.get(key, (0, 0))
        c_req, c_tok = cur.keys.get(key, (0, 0))
        d_req, d_tok = c_req - p_req, c_tok - p_tok
        if d_req < 0 or d_tok < 0:  # this key restarted
            d_req, d_tok = c_req, c_tok
        if (p_req, p_tok) == (0, 0) and d_tok > FALSE_START_TOKENS:
            log.info("Skipping False Start: %s|%s arrived with %d tokens of history", *key, d_tok)
            skipped.append(key)
            continue
        if d_req > 0:
            kept[key] = (d_req, d_tok)
    kept_req = sum(r for r, _ in kept.values())
    ratio = 1.0 if inc[0] <= 0 else min(1.0, max(0.0, kept_req / inc[0]))
    success, failure = inc[1], inc[2]
    if ratio < COVERAGE_FLOOR:
        success, failure = int(success * ratio), int(failure * ratio)
    return Delta(kept_req, success, failure, sum(t for _, t in kept.values()), kept, skipped)


def empty_day() -> dict[str, Any]:
    return {
        "total_requests": 0,
        "success_count": 0,
        "failure_count": 0,
        "total_tokens": 0,
        "breakdown": {"models": {}, "endpoints": {}},
    }


def merge_day(day: dict[str, Any] | None, delta: Delta) -> dict[str, Any]:
    """Add a delta into a day's stats; totals are re-derived from the breakdown (self-healing)."""
    out = empty_day() if day is None else {**day, "breakdown": day["breakdown"]}
    models: dict[str, Any] = out["breakdown"].setdefault("models", {})
    endpoints: dict[str, Any] = out["breakdown"].setdefault("endpoints", {})
    for (model, api_key), (req, tok) in delta.keys.items():
        m = models.setdefault(model, {"requests": 0, "tokens": 0})
        m["requests"] += req
        m["tokens"] += tok
        e = endpoints.setdefault(api_key, {"requests": 0, "tokens": 0, "models": {}})
        e["requests"] += req
        e["tokens"] += tok
        em = e["models"].setdefault(model, {"requests": 0, "tokens": 0})
        em["requests"] += req
        em["tokens"] += tok
    sum_req = sum(m["requests"] for m in models.values())
    sum_tok = sum(m["tokens"] for m in models.values())
    out["total_requests"] = sum_req or out["total_requests"] + delta.requests
    out["total_tokens"] = sum_tok or out["total_tokens"] + delta.tokens
    out["success_count"] += delta.success
    out["failure_count"] += delta.failure
    return out
