"""Health, counters, reset and flush."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import unparsed_alarm, usage_buckets
from .auth import require_key
from .errors import CollectorError
from .http_errors import ApiError
from .outcomes import CheckpointFailed, Closed, JournalFailed, ResetFailed
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
    """200 only when the reset happened (or there was nothing to reset); any other answer means
    the counters are exactly as they were."""
    store = current_store()
    try:
        done = store.reset()
    except (ResetFailed, JournalFailed) as exc:
        raise ApiError(503, "reset_failed", f"nothing was reset: {exc}") from None
    except Closed:
        raise ApiError(503, "shutting_down", "the collector is stopping; try again later") from None
    if done.snapshot is None:
        return jsonify(ok=True, snapshot=None, message="nothing recorded; no snapshot")
    body: dict[str, Any] = {
        "ok": True,
        "snapshot": done.snapshot,
        "totals": done.totals,
        "created_at": done.created_at,
    }
    try:
        folded = store.fold()
        body["rolled_up"] = {"folded": folded.folded, "csv": folded.csv_path.name}
    except (CollectorError, OSError) as exc:
        # The snapshot is safe on disk; the next reset or snapshots/rollup_snapshots.py folds it.
        log.error("fold after reset failed: %s", exc)
        body["rollup_error"] = str(exc)
    return jsonify(body)


@bp.post("/flush")
@require_key
def flush() -> ResponseReturnValue:
    try:
        done = current_store().checkpoint()
    except CheckpointFailed as exc:
        raise ApiError(503, "checkpoint_failed", str(exc)) from None
    except Closed:
        raise ApiError(503, "shutting_down", "the collector is stopping") from None
    return jsonify(ok=True, checkpoint=done.path, lsn=done.lsn)
