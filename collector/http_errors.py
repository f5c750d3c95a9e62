"""The one error shape, `{"error": code, "detail": what and where}`, for every HTTP error.

Views and the helpers they call raise `ApiError`; one app-level handler turns it into the answer.
Werkzeug's own errors (404, 405, 413, ...) and anything unexpected get the same shape, so clients
never parse an HTML page.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Werkzeug's and waitress's names, shortened to the codes our API documents.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
}
# A detail says what is wrong and where; echoing a 600 kB bad value back helps nobody.
MAX_DETAIL_CHARS = 300


class ApiError(Exception):
    """An answer other than success: `status`, a short `code` and a `detail` for people."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


def bounded(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: object, limit: int = 60) -> str:
    """A bad value quoted in a detail, cut short."""
    return bounded(repr(value), limit)


def _answer(status: int, code: str, detail: str) -> ResponseReturnValue:
    """The one error shape: `{"error": code, "detail": what and where}` (detail bounded)."""
    return jsonify(error=code, detail=bounded(detail)), status


def handle_api_error(exc: ApiError) -> ResponseReturnValue:
    return _answer(exc.status, exc.code, exc.detail)


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    code = CODES.get(status, (exc.name or "error").lower().replace(" ", "_"))
    response = jsonify(error=code, detail=bounded(exc.description or exc.name))
    response.status_code = status
    allow = exc.get_response().headers.get("Allow")
    if allow:  # a 405 says which methods the route takes
        response.headers["Allow"] = allow
    return response


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return _answer(500, "internal_error", "the collector hit an unexpected error; see its log")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
