"""One log line per request: method, path, status, latency. Never headers (the key) or bodies.

A WSGI middleware rather than Flask hooks: it sees every answer, errors included, and costs a few
microseconds with no request-context lookups. The record is built with `makeRecord` because
`Logger.info` would walk the stack to find its caller on every request (half its cost).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ACCESS_LOGGER = "collector.http"
log = logging.getLogger(ACCESS_LOGGER)


def _printable_path(path: str) -> str:
    # PATH_INFO is URL-decoded bytes as latin-1 (PEP 3333); escape what could forge a log line.
    if path.isascii() and path.isprintable():
        return path
    path = path.encode("latin-1").decode("utf-8", "replace")
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def log_request(method: str | None, path: str, status: str, millis: float) -> None:
    if log.isEnabledFor(logging.INFO):
        args = (method, _printable_path(path), status, millis)
        log.handle(log.makeRecord(log.name, logging.INFO, "", 0, "%s %s %s %.1fms", args, None))


class AccessLog:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not log.isEnabledFor(logging.INFO):
            return self.app(environ, start_response)
        started = time.perf_counter()
        status = "-"

        def start(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            nonlocal status
            status = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            millis = (time.perf_counter() - started) * 1000
            log_request(environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", ""), status, millis)
