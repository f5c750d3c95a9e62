"""One collector per data folder: an exclusive `flock` on `<state>.lock`, taken before anything is read.

Two collectors on one folder would both acknowledge adds and the last checkpoint would win, losing
the other's. The kernel drops the lock when the process dies (kill -9 included), so a stale lock
file never blocks a restart. The file holds the owner's pid, for the refusal message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .errors import FolderLocked


class FolderLock:
    def __init__(self, path: Path) -> None:
        """Take the lock. :raise FolderLocked: another process holds it."""
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderLocked(
                f"the data folder {path.parent} is in use by another collector (pid {holder}); "
                "stop that one, or give this one its own STATE_PATH"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases it); releasing twice is fine."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
