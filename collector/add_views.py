"""Ingestion: `POST /add` (idempotent by seq) and `GET /client_status`."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from .auth import check_api_key
from .http_errors import api_error
from .requests_json import json_body
from .store import current_store
from .validation import MAX_CLIENT_ID_LENGTH, Invalid, parse_add

bp = Blueprint("add", __name__)
bp.before_request(check_api_key)


@bp.post("/add")
def add() -> ResponseReturnValue:
    body, error = json_body()
    if error is not None:
        return error
    try:
        batch = parse_add(body, current_app.config["SETTINGS"].max_hosts_per_add)
    except Invalid as exc:
        current_app.extensions["metrics"].rejected.labels(exc.code).inc()
        return api_error(400, exc.code, exc.detail)
    try:
        result = current_store().add(batch)
    except OSError:
        return api_error(503, "journal_unavailable", "could not write the journal; resend later")
    except RuntimeError:
        return api_error(503, "shutting_down", "the collector is stopping; resend later")
    return jsonify(result), 409 if result.get("error") else 200


@bp.get("/client_status")
def client_status() -> ResponseReturnValue:
    client_id = request.args.get("client_id", "")
    if not client_id.strip():
        return api_error(400, "missing_client_id", "give ?client_id=<your client id>")
    if len(client_id) > MAX_CLIENT_ID_LENGTH:
        return api_error(
            400, "invalid_client_id", f"client_id is longer than {MAX_CLIENT_ID_LENGTH}"
        )
    try:
        last_seq = current_store().last_seq(client_id)
    except OSError:
        return api_error(
            503, "journal_unavailable", "could not read a settled seq; ask again later"
        )
    return jsonify(client_id=client_id, last_seq=last_seq)
