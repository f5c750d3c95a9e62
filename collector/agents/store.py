"""Writing requests with each agent's dedup rule (shared/agent-logs.md §5); the caller commits.

- Claude Code: key message.id + requestId; the larger total wins; a sidechain copy of a message
  that also exists outside a sidechain (same message.id, other requestId) loses.
- Gemini CLI: key (sessionId, message id); the last copy wins.
- Codex: key (session, timestamp, cumulative total); the first copy stays (copies are identical).
"""

from __future__ import annotations

import sqlite3

from .pricing import Pricer, price
from .records import CLAUDE, GEMINI, Request

_COLUMNS = (
    "source, dedup_key, msg_id, sidechain, ts_ms, model, project, session, version, input_tokens, "
    "output_tokens, reasoning_tokens, cache_read_tokens, cache_write_5m_tokens, "
    "cache_write_1h_tokens, total_tokens, cost_pico, pricing_source, priced_model"
)
_INSERT = f"INSERT INTO agent_requests ({_COLUMNS}) VALUES ({', '.join('?' * 19)})"
_IGNORE = _INSERT.replace("INSERT", "INSERT OR IGNORE", 1)
_REPLACE = (
    f"INSERT INTO agent_requests ({_COLUMNS}) VALUES ({', '.join('?' * 19)}) "
    "ON CONFLICT (dedup_key) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}" for c in _COLUMNS.replace(" ", "").split(",") if c != "dedup_key"
    )
)


def _values(pricer: Pricer, r: Request) -> tuple[object, ...]:
    cost, source, model_id = price(pricer, r)
    return (
        r.source, r.key, r.msg_id, int(r.sidechain), r.ts_ms, r.model, r.project, r.session,
        r.version, r.input, r.output, r.reasoning, r.cache_read, r.cache_write_5m,
        r.cache_write_1h, r.total, cost, source, model_id,
    )  # fmt: skip


def save(db: sqlite3.Connection, pricer: Pricer, request: Request) -> bool:
    """Store one request by its source's rule; True when a row was added or changed."""
    if request.source == CLAUDE:
        return _save_claude(db, pricer, request)
    if request.source == GEMINI:
        db.execute(_REPLACE, _values(pricer, request))
        return True
    return db.execute(_IGNORE, _values(pricer, request)).rowcount > 0


def _save_claude(db: sqlite3.Connection, pricer: Pricer, request: Request) -> bool:
    rows = db.execute(
        "SELECT id, dedup_key, total_tokens, sidechain FROM agent_requests WHERE msg_id = ?",
        (request.msg_id,),
    ).fetchall()
    same = [row for row in rows if row[1] == request.key]
    others = [row for row in rows if row[1] != request.key]
    if request.sidechain and any(not row[3] for row in others):
        return False  # a sidechain replay of a parent message (ccusage#913)
    if not request.sidechain:
        for row in others:
            if row[3]:
                db.execute("DELETE FROM agent_requests WHERE id = ?", (row[0],))
    if same:
        if request.total <= same[0][2]:
            return False  # a streaming partial or an earlier copy: the larger total wins
        db.execute("DELETE FROM agent_requests WHERE id = ?", (same[0][0],))
    db.execute(_INSERT, _values(pricer, request))
    return True
