"""Ingestion: `POST /add` (idempotent by seq) and `GET /client_status`."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from .auth import check_api_key
from .http_errors import ApiError
from .outcomes import Applied, Closed, Duplicate, HostLimitReached, JournalFailed, OutOfOrder
from .requests_json import json_body
from .store import current_store
from .validation import check_client_id, parse_add

bp = Blueprint("add", __name__)
bp.before_request(check_api_key)


@bp.post("/add")
def add() -> ResponseReturnValue:
    metrics = current_app.extensions["metrics"]
    try:
        batch = parse_add(json_body(), current_app.config["SETTINGS"].max_hosts_per_add)
    except ApiError as exc:
        metrics.rejected.labels(exc.code).inc()
        raise
    try:
        outcome = current_store().add(batch)
    except JournalFailed:
        raise ApiError(
            503, "journal_unavailable", "could not write the journal; resend later"
        ) from None
    except Closed:
        raise ApiError(503, "shutting_down", "the collector is stopping; resend later") from None
    match outcome:
        case Applied(tokens, last_seq):
            return jsonify(ok=True, applied=tokens, last_seq=last_seq)
        case Duplicate(last_seq):
            return jsonify(ok=True, applied=0, last_seq=last_seq, duplicate=True)
        case OutOfOrder(expected_next):
            return jsonify(error="out_of_order", expected_next=expected_next), 409
        case HostLimitReached(limit, new_hosts):
            metrics.rejected.labels("too_many_hosts_kept").inc()
            raise ApiError(
                400,
                "too_many_hosts_kept",
                f"this data folder keeps {limit} hosts (the MAX_HOSTS setting) and the batch "
                f"names {new_hosts} new one(s); raise MAX_HOSTS to count more sites",
            )


@bp.get("/client_status")
def client_status() -> ResponseReturnValue:
    if "client_id" not in request.args:
        raise ApiError(400, "missing_client_id", "give ?client_id=<your client id>")
    client_id = check_client_id(request.args["client_id"])
    try:
        last_seq = current_store().last_seq(client_id)
    except JournalFailed:
        raise ApiError(
            503, "journal_unavailable", "could not read a settled seq; ask again later"
        ) from None
    return jsonify(client_id=client_id, last_seq=last_seq)
