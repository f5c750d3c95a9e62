"""The journal: append-only JSON lines beside `state.json`, fsync'd before any answer.

The first line is a header naming the format. Each record carries an `lsn` (log sequence number)
so recovery can skip what the checkpoint already holds. Request threads append concurrently, one
`write` per record on an O_APPEND descriptor, so lines never interleave but may land slightly out
of lsn order; recovery sorts them. A crash can only tear the last line; that tail is cut off on
open, as persist-queue does with garbage at its head. A failed write can leave a fragment in the
middle that the next record's line completes; recovery finds that record again by its `{"lsn":`.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import orjson

from .errors import UnknownFormatError
from .fsio import fsync_dir, previous_generation, write_all

log = logging.getLogger(__name__)

JOURNAL_FORMAT = 1
# fdatasync flushes the data and the new file size, all an appended record needs to be read back,
# and skips the mtime update: about 4x faster than fsync on ext4 here (350 vs 1,540 us).
# macOS has no fdatasync; there fsync is used (see docs/api.md on durability).
sync_data = getattr(os, "fdatasync", os.fsync)
_decode = orjson.loads  # the encoder's pair (journal_records.py); strict, and fast on replay
# Every record is encoded with `lsn` first, and a JSON string cannot hold an unescaped `"`, so
# this marks the start of a record even after a fragment of a failed write.
RECORD_START = '{"lsn":'
HEADER = (
    json.dumps({"format": JOURNAL_FORMAT, "kind": "llm-usage-collector-journal"}).encode() + b"\n"
)


@dataclasses.dataclass
class JournalContents:
    records: list[dict[str, Any]]
    torn_tail_bytes: int = 0
    bad_lines: int = 0


def _decode_line(line: str) -> Any:
    try:
        return _decode(line)
    except ValueError:
        pass
    # A fragment of a failed write, completed by the next record: decode from that record's start.
    start = line.rfind(RECORD_START, 1)
    if start > 0:
        try:
            return _decode(line[start:])
        except ValueError:
            pass
    return None


def read_generations(path: Path) -> JournalContents:
    """The previous journal's records and this one's, in lsn order; the torn tail is this one's."""
    older = read_journal(previous_generation(path))
    contents = read_journal(path)
    if older.records or older.bad_lines:
        contents.records = sorted(older.records + contents.records, key=_lsn)
        contents.bad_lines += older.bad_lines
    return contents


def read_journal(path: Path) -> JournalContents:
    """Every whole record in the file; counts (and does not raise on) a torn tail and bad lines."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalContents(records=[])
    contents = JournalContents(records=[])
    end = data.rfind(b"\n") + 1
    contents.torn_tail_bytes = len(data) - end
    # One decode of the whole file into text, so a line's bad UTF-8 becomes U+FFFD and spoils only
    # that line (decoding bytes, orjson would refuse the whole array).
    lines = data[:end].decode("utf-8", errors="replace").split("\n")[:-1]
    first = 0
    if lines:
        header = _decode_line(lines[0])
        if isinstance(header, dict) and "kind" in header:
            if header.get("format") != JOURNAL_FORMAT:
                raise UnknownFormatError(
                    f"{path}: journal format {header.get('format')!r} is not one this version "
                    f"reads ({JOURNAL_FORMAT}); run the collector that wrote it, the file is untouched"
                )
            first = 1
    contents.records = _decode_all(lines[first:]) or _decode_each(path, lines, first, contents)
    # Concurrent appends may land a little out of order; replay must follow the lsn.
    contents.records.sort(key=_lsn)
    return contents


def _is_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("lsn"), int)


def _decode_all(lines: list[str]) -> list[dict[str, Any]] | None:
    """All lines as one JSON array: a single decoder call, a third faster than one per line for a
    million records. None when any line is damaged (then each line is read on its own)."""
    try:
        records = _decode("[" + ",".join(lines) + "]")
    except ValueError:
        return None
    return records if all(_is_record(r) for r in records) else None


def _decode_each(
    path: Path, lines: list[str], first: int, contents: JournalContents
) -> list[dict[str, Any]]:
    records = []
    for number in range(first, len(lines)):
        record = _decode_line(lines[number])
        if not _is_record(record):
            contents.bad_lines += 1
            log.error("journal %s line %d is not a record; skipped", path, number + 1)
            continue
        records.append(record)
    return records


def _lsn(record: dict[str, Any]) -> int:
    lsn: int = record["lsn"]
    return lsn


class Journal:
    """An open journal file, `state.json.journal`, and its previous generation `.prev`.

    `append_line` may be called from many threads at once; `append` and `rotate` only when no
    other write is in flight (the store holds its lock and has drained them).
    """

    def __init__(self, path: Path, torn_tail_bytes: int = 0) -> None:
        """Open for appending; `torn_tail_bytes` (from `read_journal`) are cut off first."""
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._fd_path = path
        size = os.fstat(self._fd).st_size
        if torn_tail_bytes:
            # A half-written last line from a crash: never acknowledged, so dropping it is safe.
            os.ftruncate(self._fd, size - torn_tail_bytes)
            size -= torn_tail_bytes
        if size == 0:
            write_all(self._fd, HEADER)
        os.fsync(self._fd)

    def append_line(self, line: bytes) -> float:
        """Write one encoded record and flush it to disk; returns the flush's seconds.

        One `write` call, so concurrent lines never interleave (O_APPEND). Concurrent callers each
        flush; the file system commits them together. A short write raises: the rest cannot be
        appended later without landing after another thread's line.
        """
        written = os.write(self._fd, line)
        if written != len(line):
            raise OSError(errno.EIO, f"short write to the journal ({written} of {len(line)} bytes)")
        started = time.perf_counter()
        sync_data(self._fd)
        return time.perf_counter() - started

    def append(self, lines: list[bytes]) -> None:
        """Write encoded records and fsync them (resets use this, with no other write in flight).

        On failure the file is cut back to where it was, so a failed batch leaves no trace.
        """
        before = os.fstat(self._fd).st_size
        try:
            write_all(self._fd, b"".join(lines))
            sync_data(self._fd)
        except OSError:
            try:
                os.ftruncate(self._fd, before)
            except OSError:
                log.exception("could not cut the journal back after a failed write")
            raise

    def rotate(self) -> None:
        """After a checkpoint: this journal becomes `.prev` (replacing the older one) and a new,
        empty one starts. If the new one cannot be made, appends go on into `.prev`, which recovery
        reads as well, and the next rotation tries again."""
        previous = previous_generation(self.path)
        if self._fd_path == self.path:
            os.replace(self.path, previous)  # the open descriptor follows the file
            self._fd_path = previous
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        try:
            write_all(fd, HEADER)
            os.fsync(fd)
            fsync_dir(self.path.parent)
        except OSError:
            os.close(fd)
            raise
        os.close(self._fd)
        self._fd, self._fd_path = fd, self.path

    def close(self) -> None:
        os.close(self._fd)
