"""waitress's own answers (malformed HTTP, a body over the limit) as the API's JSON, and a bounded
drain of the rest of a refused upload.

waitress answers those requests itself, before the app sees them, in text/plain. A subclass of its
error task writes the API's `{"error", "detail"}` instead. And since such an answer closes the
connection while the client may still be sending, closing at once would make the kernel send a
reset that can destroy the answer before the client reads it. So the channel half-closes, reads and
drops what still arrives, and closes on EOF or after a bounded time and size (what Apache and nginx
call a lingering close).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from .http_errors import CODES, bounded
from .request_log import log_request

LINGER_SECONDS = 5.0
LINGER_MAX_BYTES = 64 * 1024 * 1024
_DRAIN_CHUNK = 256 * 1024


class JsonErrorTask(ErrorTask):  # type: ignore[misc]
    def execute(self) -> None:
        error = self.request.error
        code = CODES.get(error.code, "bad_request" if error.code < 500 else "internal_error")
        body = json.dumps({"error": code, "detail": bounded(f"{error.reason}: {error.body}")})
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        data = body.encode()
        self.content_length = len(data)
        self.write(data)
        self.channel.linger_until = time.monotonic() + LINGER_SECONDS
        log_request(self.request.command or "-", self.request.path or "-", str(error.code), 0.0)


class LingeringChannel(HTTPChannel):  # type: ignore[misc]
    """waitress's channel; after a JSON error answer it drains instead of closing at once.

    The draining behaviour is switched on per instance (instance attributes shadow the methods),
    so the event loop's calls to `readable`/`writable` on every other channel cost nothing extra.
    """

    error_task_class = JsonErrorTask
    linger_until = 0.0  # set by JsonErrorTask: drain until then before closing
    _draining = False
    _drained = 0

    def handle_close(self) -> None:
        if self.linger_until and not self._draining and self.connected:
            self._draining = True  # the answer is flushed: send FIN, keep reading
            with contextlib.suppress(OSError):
                self.socket.shutdown(socket.SHUT_WR)
            self.readable = lambda: True
            # Nothing is written while draining; "writable" once the time is up makes the loop
            # call handle_write, which closes.
            self.writable = lambda: time.monotonic() > self.linger_until
            self.handle_read = self._drain
            self.handle_write = self._stop_draining
            return
        super().handle_close()

    def _drain(self) -> None:
        try:
            data = self.socket.recv(_DRAIN_CHUNK)
        except OSError:
            data = b""
        self._drained += len(data)
        if not data or self._drained > LINGER_MAX_BYTES or time.monotonic() > self.linger_until:
            self._stop_draining()

    def _stop_draining(self) -> None:
        self.linger_until = 0.0
        HTTPChannel.handle_close(self)
