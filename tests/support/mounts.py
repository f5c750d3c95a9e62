"""A read-only or a full folder, for real: a read-only bind mount or a tiny tmpfs (needs root).

CI runs as root; elsewhere these tests skip with a message. Every mount is undone after the test.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip()}); CI runs these as root")


def _need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a read-only or a full folder (CI runs as root)")


class Mounted:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.mounted = False

    def read_only(self) -> None:
        """Make the folder read-only, keeping what it holds (a bind mount onto itself)."""
        _need_root()
        if not self.mounted:
            _mount("--bind", str(self.path), str(self.path))
            self.mounted = True
        _mount("-o", "remount,ro,bind", str(self.path))

    def writable(self) -> None:
        _mount("-o", "remount,rw,bind", str(self.path))

    def full(self) -> Path:
        """A fresh 256 KiB tmpfs on the folder, filled to the last byte; returns the filler file."""
        _need_root()
        self.path.mkdir(parents=True, exist_ok=True)
        _mount("-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(self.path))
        self.mounted = True
        return self.fill()

    def fill(self) -> Path:
        """Fill the folder's file system to the last byte (smaller writes as it runs out)."""
        filler = self.path / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (65536, 4096, 256, 16, 1):
                for _ in range(100):  # bounded: 256 KiB at most
                    try:
                        os.write(fd, b"\0" * size)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC
                        break
        finally:
            os.close(fd)
        return filler

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
            self.mounted = False


@contextlib.contextmanager
def mounted(path: Path) -> Iterator[Mounted]:
    mount = Mounted(path)
    try:
        yield mount
    finally:
        mount.unmount()
