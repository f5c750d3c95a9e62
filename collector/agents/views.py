"""`/api/agents/…`: scan trigger, status, ccusage-like daily report, Claude Code 5-hour blocks.
Views validate first, then act; bad input is a JSON 400 naming the parameter."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from collector.auth import require_key
from collector.config import AGENTS, aszone
from collector.http_errors import ApiError

from . import reports
from .db import connect

bp = Blueprint("agents", __name__, url_prefix="/api/agents")
MAX_RANGE_DAYS = 3660
DEFAULT_DAYS = 30


def _state() -> Any:
    return current_app.extensions["agents"]


@contextmanager
def _db() -> Iterator[sqlite3.Connection]:
    db = connect(current_app.config["SETTINGS"].db_path)
    try:
        yield db
    finally:
        db.close()


Range = tuple[date, date, str]


def bad_query(code: str, detail: str) -> ApiError:
    """A query parameter is malformed: 400 naming it."""
    return ApiError(400, code, detail)


def _range() -> Range:
    """`start`, `end` (local dates, inclusive) and `zone` from the query.

    :raise ApiError: 400, a parameter is malformed.
    """
    args = request.args
    try:
        zone = aszone(args.get("zone") or _state().zone)
    except ValueError as exc:
        raise bad_query("bad_zone", f"zone: {exc}") from exc
    today = datetime.now(ZoneInfo(zone)).date()
    try:
        end = date.fromisoformat(args["end"]) if args.get("end") else today
        start = (
            date.fromisoformat(args["start"])
            if args.get("start")
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        raise bad_query("bad_date", "start and end must be dates as YYYY-MM-DD") from None
    if start > end:
        raise bad_query("bad_range", "start is after end")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise bad_query("bad_range", f"at most {MAX_RANGE_DAYS} days at a time")
    return start, end, zone


@bp.post("/scan")
@require_key
def scan() -> ResponseReturnValue:
    """Scan now (synchronously) and answer what it found."""
    scanner = _state().scanner
    if scanner is None:
        raise ApiError(409, "source_disabled", "the agent-logs source is off: set AGENT_LOGS")
    return jsonify(asdict(scanner.scan()))


@bp.get("/status")
@require_key
def status() -> ResponseReturnValue:
    state = _state()
    scanner = state.scanner
    body: dict[str, Any] = {"enabled": list(state.settings.agent_logs), "zone": state.zone}
    if scanner is not None:
        body["roots"] = {k: [str(p) for p in v] for k, v in scanner.roots.items()}
        body["skipped_lines"] = dict(scanner.skipped)
        body["last_scan"] = None if scanner.last is None else asdict(scanner.last)
    with _db() as db:
        body["requests"] = dict(
            db.execute("SELECT source, COUNT(*) FROM agent_requests GROUP BY source").fetchall()
        )
    return jsonify(body)


@bp.get("/daily")
@require_key
def daily() -> ResponseReturnValue:
    """Per local day: models, input, output, cache read, cache write, cost (`source` filters)."""
    start, end, zone = _range()
    source = request.args.get("source") or None
    if source is not None and source not in AGENTS:
        raise ApiError(400, "bad_source", f"source must be one of {', '.join(AGENTS)}")
    with _db() as db:
        days = reports.daily(db, start, end, zone, source)
    return jsonify(
        start=start.isoformat(), end=end.isoformat(), zone=zone, source=source, days=days
    )


@bp.get("/blocks")
@require_key
def blocks() -> ResponseReturnValue:
    """Claude Code's 5-hour blocks over the local days asked for."""
    start, end, zone = _range()
    bounds = reports.day_bounds(start, end, zone)
    with _db() as db:
        found = reports.blocks(db, bounds[0][1], bounds[-1][2], int(time.time() * 1000))
    return jsonify(start=start.isoformat(), end=end.isoformat(), zone=zone, blocks=found)
