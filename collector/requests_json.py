"""Reading a JSON request body with the API's errors: 415 for a wrong type, 400 for bad JSON."""

from __future__ import annotations

from typing import Any

import orjson
from flask import request

from .http_errors import ApiError


def json_body() -> Any:
    """The decoded body.

    :raise ApiError: 415 when the body is not sent as JSON, 400 when it does not decode.
    """
    # The media type without parameters; cheaper than werkzeug's full header parse on every /add.
    media_type = request.environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        )
    raw = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH: werkzeug raises 413
    try:
        # orjson: a quarter of the stdlib's time on an /add body, and strict where the stdlib is
        # lax (NaN, Infinity and invalid UTF-8 are errors). Its errors are ValueErrors, deep
        # nesting (over 1,024) included; an integer past 64 bits becomes a float, which every
        # count's check refuses.
        return orjson.loads(raw)
    except ValueError as exc:
        raise ApiError(
            400, "invalid_json", f"the body is not valid JSON: {str(exc)[:120]}"
        ) from None
