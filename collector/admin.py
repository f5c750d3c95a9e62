"""Health, counters, reset and flush."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import unparsed_alarm, usage_buckets
from .auth import require_key
from .errors import CollectorError
from .http_errors import api_error
from .store import Store, current_store
from .version import __version__

bp = Blueprint("admin", __name__)
log = logging.getLogger(__name__)


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Open (no key): that the service answers, its version, uptime, and recovery warnings."""
    store = current_store()
    body: dict[str, object] = {"ok": True, "version": __version__}
    body["uptime_seconds"] = round(time.monotonic() - store.started, 1)
    warnings = store.warnings  # built on each read: the journal's state can change
    for source_warnings in current_app.extensions.get("health_warnings", []):
        warnings = [*warnings, *source_warnings()]  # e.g. unreadable agent-log lines
    warnings += [str(alarm["message"]) for alarm in unparsed_today(store)]
    if warnings:
        body["warnings"] = warnings
    return jsonify(body)


def unparsed_today(store: Store) -> list[dict[str, object]]:
    """The unparsed alarm for the local day now (unparsed_alarm.py)."""
    settings = store.settings
    zone = settings.bucket_timezone
    day = datetime.now(ZoneInfo(zone)).date().isoformat()
    return unparsed_alarm.alarms(store.unparsed_on(day), settings.snap_dir, day, zone)


@bp.get("/counters")
@require_key
def counters() -> ResponseReturnValue:
    view = current_store().view()
    return jsonify(
        counters=view.counters,
        daily_totals=view.daily_totals,
        since=_iso(view.since_ms),
        since_ms=view.since_ms,
        bucket_timezone=view.bucket_timezone,
        usage=usage_buckets.totals(view.usage_daily),
        unparsed=usage_buckets.unparsed_totals(view.unparsed_daily),
        unparsed_today=unparsed_today(current_store()),
    )


@bp.post("/reset")
@require_key
def reset() -> ResponseReturnValue:
    store = current_store()
    try:
        result = store.reset()
    except OSError as exc:
        return api_error(503, "reset_failed", f"could not write the journal or snapshot: {exc}")
    if result["snapshot"] is None:
        return jsonify(result)
    try:
        folded = store.fold()
        result["rolled_up"] = {"folded": folded.folded, "csv": folded.csv_path.name}
    except (CollectorError, OSError) as exc:
        # The snapshot is safe on disk; the next reset or a hand-run rollup folds it.
        log.error("rollup after reset failed: %s", exc)
        result["rollup_error"] = str(exc)
    return jsonify(result)


@bp.post("/flush")
@require_key
def flush() -> ResponseReturnValue:
    try:
        return jsonify(current_store().checkpoint())
    except OSError as exc:
        return api_error(503, "checkpoint_failed", f"could not write the checkpoint: {exc}")
