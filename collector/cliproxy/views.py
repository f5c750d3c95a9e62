"""`/api/collector/…`: health (open), trigger, reset, daily stats, model costs, limits and their CRUD.
Views validate first, then act; every bad input is a JSON 4xx that changes nothing."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from collector.auth import require_key
from collector.http_errors import ApiError, shown
from collector.requests_json import json_body

from . import configs, limits, reports
from .db import get_db

bp = Blueprint("cliproxy", __name__, url_prefix="/api/collector")
MAX_RANGE_DAYS = 3660


def _state() -> Any:
    return current_app.extensions["cliproxy"]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _db() -> Any:
    """The request's connection. Configs are seeded from RATE_LIMITS_SEED_PATH once per process
    (the poller seeds too; `configs.seed` itself loads a file once per database)."""
    db = get_db()
    state = _state()
    if not state.seeded:
        configs.seed(db, current_app.config["SETTINGS"].rate_limits_seed_path, _now_ms())
        state.seeded = True
    return db


@bp.get("/health")
def health() -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    poller = _state().poller
    source = poller.health() if poller is not None else {"enabled": False}
    if poller is None:
        source["detail"] = "CLIProxy source disabled: set CLIPROXY_URL and CLIPROXY_MANAGEMENT_KEY"
    now = datetime.now(ZoneInfo(settings.cliproxy_timezone))
    status = "degraded" if source.get("auth_failed") or source.get("last_error") else "healthy"
    return jsonify(status=status, timestamp=now.isoformat(), cliproxy=source)


@bp.post("/trigger")
@require_key
def trigger() -> ResponseReturnValue:
    poller = _state().poller
    if poller is None:
        raise ApiError(409, "source_disabled", "the CLIProxy source is off (no URL or key)")
    poller.trigger()
    return jsonify(message="Full data collection and rate limit sync process triggered."), 202


def _config_id(raw: str) -> int:
    """The id from the URL. :raise ApiError: 400 (a non-numeric id is bad input, not a 404)."""
    # ASCII digits only: str.isdigit() also accepts superscripts such as "²", which int() refuses
    if raw.isascii() and raw.isdigit() and len(raw) < 16:
        return int(raw)
    raise ApiError(400, "bad_config_id", f"config id must be a positive integer, got {shown(raw)}")


def _not_found(number: int) -> ApiError:
    return ApiError(404, "not_found", f"no rate-limit config with id {number}")


@bp.post("/reset/<config_id>")
@require_key
def reset(config_id: str) -> ResponseReturnValue:
    number = _config_id(config_id)
    status = limits.reset(_db(), number, _now_ms())
    if status is None:
        raise _not_found(number)
    # `label` as the seed collector named it, beside our `status_label`
    return jsonify(
        message=f"Rate limit {number} reset.",
        new_status={**status, "label": status["status_label"]},
    )


def _range() -> tuple[str, str]:
    """`from`/`to` as YYYY-MM-DD (default: the last 30 days in the CLIProxy zone).

    :raise ApiError: 400, a malformed date, from after to, or a span over MAX_RANGE_DAYS.
    """
    today = datetime.now(ZoneInfo(current_app.config["SETTINGS"].cliproxy_timezone)).date()
    parsed: dict[str, date] = {}
    for name, default in (("from", today - timedelta(days=29)), ("to", today)):
        raw = request.args.get(name)
        try:
            parsed[name] = default if raw is None else date.fromisoformat(raw)
        except ValueError:
            detail = f"{name} must be a date YYYY-MM-DD, got {shown(raw)}"
            raise ApiError(400, "bad_date", detail) from None
    if parsed["from"] > parsed["to"]:
        raise ApiError(400, "bad_range", "from is after to")
    if (parsed["to"] - parsed["from"]).days > MAX_RANGE_DAYS:
        raise ApiError(400, "bad_range", f"a range spans at most {MAX_RANGE_DAYS} days")
    return parsed["from"].isoformat(), parsed["to"].isoformat()


@bp.get("/stats/daily")
@require_key
def daily() -> ResponseReturnValue:
    span = _range()
    return jsonify(**{"from": span[0], "to": span[1]}, days=reports.daily_stats(_db(), *span))


@bp.get("/stats/models")
@require_key
def models() -> ResponseReturnValue:
    span = _range()
    return jsonify(**{"from": span[0], "to": span[1]}, models=reports.model_costs(_db(), *span))


@bp.get("/limits/status")
@require_key
def limit_status() -> ResponseReturnValue:
    return jsonify(limits=reports.limit_status(_db()))


@bp.get("/limits")
@require_key
def list_limits() -> ResponseReturnValue:
    return jsonify(configs=configs.list_configs(_db()))


@bp.post("/limits")
@require_key
def create_limit() -> ResponseReturnValue:
    cfg = _valid_config(json_body())
    db = _db()
    with db:
        new_id = configs.create(db, cfg, _now_ms())
    _sync(db)
    return jsonify(config=configs.get_config(db, new_id)), 201


def _valid_config(body: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A checked config from a request body. :raise ApiError: 400 `bad_config`."""
    try:
        return configs.validate(body, current)
    except configs.ConfigInvalid as exc:
        raise ApiError(400, "bad_config", str(exc)) from None


def _sync(db: Any) -> None:
    """A new or changed limit shows its status at once, not at the poller's next sync."""
    limits.sync(db, current_app.config["SETTINGS"].cliproxy_timezone, _now_ms())


@bp.route("/limits/<config_id>", methods=["GET", "PUT", "DELETE"])
@require_key
def one_limit(config_id: str) -> ResponseReturnValue:
    number = _config_id(config_id)
    db = _db()
    current = configs.get_config(db, number)
    if current is None:
        raise _not_found(number)
    if request.method == "GET":
        return jsonify(config=current)
    if request.method == "DELETE":
        with db:
            configs.delete(db, number)
        return jsonify(deleted=number)
    cfg = _valid_config(json_body(), current)
    with db:
        configs.update(db, number, cfg, _now_ms())
    _sync(db)
    return jsonify(config=configs.get_config(db, number))
