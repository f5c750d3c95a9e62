"""Logging for the service: one stream on stderr; access lines buffered, everything else at once.

Writing and flushing one access line per request costs a system call, taken under the handler's
lock, on every request. So access lines wait in a buffer until the next message, a full buffer or
the once-a-second flush (as nginx's `access_log ... buffer= flush=` does); a kill -9 can lose at
most that second of access lines, never a warning or an error.
"""

from __future__ import annotations

import logging
import sys

from .request_log import ACCESS_LOGGER

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FLUSH_SECONDS = 1.0
BUFFER_BYTES = 64 * 1024


class BufferedAccessHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            if record.name != ACCESS_LOGGER:
                self.stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure(level: str) -> None:
    """Send every log record to stderr, through a buffer of our own (stderr may be unbuffered)."""
    stream = open(  # noqa: SIM115 - lives as long as the process; logging.shutdown flushes it
        sys.stderr.fileno(),
        "w",
        buffering=BUFFER_BYTES,
        encoding="utf-8",
        errors="backslashreplace",
        closefd=False,
    )
    handler = BufferedAccessHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])


def flush_all() -> None:
    """Write out what the root logger's handlers hold (the periodic flush calls this)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
