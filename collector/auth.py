"""The shared-key check: every route but the open ones needs `X-API-KEY`."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

F = TypeVar("F", bound=Callable[..., Any])


def key_is_valid(presented: str | None) -> bool:
    """Constant-time comparison, so response timing says nothing about the key."""
    expected = current_app.config["SETTINGS"].api_key
    if presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive)."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def unauthorized(detail: str = "missing or wrong X-API-KEY header") -> ResponseReturnValue:
    return jsonify(error="unauthorized", detail=detail), 401


def check_api_key() -> ResponseReturnValue | None:
    """A `before_request` hook for blueprints whose every route needs the key."""
    if request.method == "OPTIONS":
        return None
    if not key_is_valid(request.headers.get("X-API-KEY")):
        return unauthorized()
    return None


def require_key(view: F) -> F:
    """Decorator for a single view that needs the key (in a blueprint with open routes)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refusal = check_api_key()
        return refusal if refusal is not None else view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
