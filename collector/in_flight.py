"""Records decided but not yet on disk, and the bounded waits for them.

Writers add an lsn under the store's lock and remove it without the lock (set.add and discard are
atomic), so a drain that holds the lock never waits on a lock it holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .outcomes import JournalFailed

# How long an answer may wait for another thread's flush, and for in-flight records to drain
# before a reset or checkpoint. A flush this slow means a failing disk: answer 503.
FLUSH_WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.0005


class InFlight:
    def __init__(self) -> None:
        self._lsns: set[int] = set()

    def add(self, lsn: int) -> None:
        self._lsns.add(lsn)

    def done(self, lsn: int) -> None:
        self._lsns.discard(lsn)

    def wait_for(self, lsn: int) -> None:
        """Return once record `lsn` is on disk (0: nothing to wait for).

        :raise JournalFailed: the flush took longer than FLUSH_WAIT_SECONDS.
        """
        if lsn and lsn in self._lsns:  # rare: the same client sent again before our answer
            _wait_while(lambda: lsn in self._lsns, "the journal flush is taking too long")

    def drain(self) -> None:
        """Wait until no record is in flight (the caller holds the lock, so none starts).

        :raise JournalFailed: flushes took longer than FLUSH_WAIT_SECONDS.
        """
        _wait_while(lambda: bool(self._lsns), "journal flushes did not finish; try again")


def _wait_while(condition: Callable[[], bool], timeout_message: str) -> None:
    deadline = time.monotonic() + FLUSH_WAIT_SECONDS
    while condition():
        if time.monotonic() > deadline:
            raise JournalFailed(timeout_message)
        time.sleep(_POLL_SECONDS)
