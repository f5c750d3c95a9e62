"""The one durable-file primitive: write a whole file so that a crash leaves the old or the new one."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` survive power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """os.write may write less than asked; loop until all of it is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_synced(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a whole file (replacing it) and fsync it; no rename."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Temp file in the same folder (a rename across devices is not atomic), fsync, rename, fsync dir."""
    tmp = path.with_name(path.name + ".tmp")
    write_synced(tmp, data, mode)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def previous_generation(path: Path) -> Path:
    """Where the generation before `path` is kept (`state.json.prev`, `state.json.journal.prev`)."""
    return path.with_name(path.name + ".prev")


def restrict_to_owner(paths: list[Path]) -> None:
    """chmod 0600 the files that exist (data files an older version left readable by others)."""
    for path in paths:
        try:
            if path.is_file() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass  # a read-only folder: nothing to tighten there, and nothing new is written
