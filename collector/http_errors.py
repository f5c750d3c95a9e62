"""JSON answers for every HTTP error, so clients never have to parse an HTML page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Werkzeug's names, shortened to the codes our API documents.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def api_error(status: int, code: str, detail: str) -> ResponseReturnValue:
    """The one error shape: `{"error": code, "detail": what and where}`."""
    return jsonify(error=code, detail=detail), status


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    code = CODES.get(status, (exc.name or "error").lower().replace(" ", "_"))
    response = jsonify(error=code, detail=exc.description or exc.name)
    response.status_code = status
    allow = exc.get_response().headers.get("Allow")
    if allow:  # a 405 says which methods the route takes
        response.headers["Allow"] = allow
    return response


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return api_error(500, "internal_error", "the collector hit an unexpected error; see its log")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
