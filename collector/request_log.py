"""One log line per request: method, path, status, latency. Never headers (the key) or bodies."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("collector.http")


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    millis = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    if log.isEnabledFor(logging.INFO):
        log.info("%s %s %d %.1fms", request.method, request.path, response.status_code, millis)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_log_request)
