"""The incremental scanner: finds the agents' log files, reads what is new in each, stores requests.

Per file it keeps (in `agent_files`) the inode, size, mtime and the byte offset read up to, plus
the reader's state at that offset, committed in the same transaction as the requests read before
it: a crash (kill -9) resumes at the last commit and the dedup keys absorb any overlap. A file
that shrank or changed inode is re-read from the start, and its dedup keys make that count once.
Compressed (`.jsonl.zst`) and legacy whole-file JSON are read whole whenever they change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from collector.config import Settings

from . import codex, gemini
from .db import connect
from .parse import parse_chunk
from .pricing import Pricer
from .records import CLAUDE, CODEX
from .roots import LogFile, agent_roots, discover
from .store import save

log = logging.getLogger(__name__)
CHUNK = 1 << 20  # bytes read at a time; a commit after at least this many bytes (many small files
# share one transaction: a commit per file made a first scan of 10,000 small files 2-3x slower)


class _Stopped(Exception):
    """The collector is stopping: the scan ends after committing what it has read."""


@dataclass(slots=True)
class FileRow:
    inode: int
    size: int
    mtime_ns: int
    offset: int
    state: dict[str, Any]


@dataclass
class ScanResult:
    files: int = 0
    files_read: int = 0
    requests: int = 0
    skipped: int = 0
    seconds: float = 0.0
    finished_ms: int = 0
    errors: list[str] = field(default_factory=list)


def _key(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]


class Scanner:
    """One per app. `scan()` is synchronous and serialised (the loop and the trigger route share it)."""

    name = "agent-logs scanner"

    def __init__(self, settings: Settings, pricer: Pricer, clock: Callable[[], float] = time.time):
        self.roots = agent_roots(settings)
        self.db_path: Path = settings.db_path
        self.pricer = pricer
        self.clock = clock
        self.last: ScanResult | None = None
        self.skipped: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None
        self._files: dict[str, FileRow] = {}
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._dirty = 0  # bytes read since the last commit
        self._stopping = threading.Event()

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = connect(self.db_path)
            self._load(self._db)
        return self._db

    def _load(self, db: sqlite3.Connection) -> None:
        """The committed per-file positions and skip counts (at start, and after a rollback)."""
        self._files = {
            key: FileRow(inode, size, mtime, offset, json.loads(state))
            for key, inode, size, mtime, offset, state in db.execute(
                "SELECT path_key, inode, size, mtime_ns, offset, state FROM agent_files"
            )
        }
        self.skipped = dict(db.execute("SELECT source, lines FROM agent_skipped"))

    def stop(self) -> None:
        """End a scan in progress at its next chunk (what it read is committed), then close."""
        self._stopping.set()
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def scan(self) -> ScanResult:
        with self._lock:
            started = time.monotonic()
            result = ScanResult()
            if self._stopping.is_set():
                return result
            db = self._open()
            seen: set[str] = set()
            complete = True
            for found in discover(self.roots):
                result.files += 1
                key = self._keys.get(found.path)
                if key is None:
                    key = self._keys[found.path] = _key(found.path)
                seen.add(key)
                row = self._files.get(key)
                if row and (row.inode, row.size, row.mtime_ns) == (
                    found.inode, found.size, found.mtime_ns,
                ):  # fmt: skip
                    continue
                result.files_read += 1
                try:
                    self._read(db, key, found, row, result)
                except _Stopped:
                    complete = False
                    break
                except (OSError, zstandard.ZstdError, sqlite3.Error) as exc:
                    db.rollback()  # this file and the uncommitted ones before it: read again
                    self._load(db)
                    self._dirty = 0
                    result.errors.append(f"{found.source}: {type(exc).__name__}: {exc}")
                    log.warning("agent logs: could not read a %s file: %s", found.source, exc)
            db.commit()
            self._dirty = 0
            if complete:  # a stopped scan has not seen every file: forget none
                self._prune(db, seen)
            result.seconds = round(time.monotonic() - started, 4)
            result.finished_ms = int(self.clock() * 1000)
            self.last = result
            return result

    def _prune(self, db: sqlite3.Connection, seen: set[str]) -> None:
        """Forget files that are gone (their requests stay: the agents delete old logs)."""
        gone = [key for key in self._files if key not in seen]
        if gone:
            with db:
                db.executemany("DELETE FROM agent_files WHERE path_key = ?", [(k,) for k in gone])
            for key in gone:
                del self._files[key]
            self._keys = {p: k for p, k in self._keys.items() if k in self._files or k in seen}

    # --- reading ---------------------------------------------------------------------------------
    def _new_state(self, found: LogFile) -> dict[str, Any]:
        if found.source == CODEX:
            name = os.path.basename(found.path).split(".", 1)[0]
            return codex.new_state(name[-36:])  # the uuid at the end of rollout-<time>-<uuid>
        if found.source == CLAUDE:
            return {}
        return gemini.new_state(os.path.basename(found.path).split(".", 1)[0], found.project)

    def _read(
        self,
        db: sqlite3.Connection,
        key: str,
        found: LogFile,
        row: FileRow | None,
        result: ScanResult,
    ) -> None:
        if found.kind == "json":
            self._read_legacy(db, key, found, result)
            return
        restart = row is None or row.inode != found.inode or found.size < row.offset
        if found.kind == "zst":
            restart = True  # rewritten whole, never appended
        offset = 0 if restart or row is None else row.offset
        state = self._new_state(found) if restart or row is None else row.state
        with open(found.path, "rb") as raw:
            st = os.fstat(raw.fileno())
            if found.kind == "zst":
                stream: BinaryIO = zstandard.ZstdDecompressor().stream_reader(raw)
            else:
                raw.seek(offset)
                stream = raw
            pending: list[bytes] = []
            pending_len = 0
            while chunk := stream.read(CHUNK):
                end = chunk.rfind(b"\n")
                if end < 0:
                    pending.append(chunk)
                    pending_len += len(chunk)
                    continue
                head = b"".join((*pending, chunk[: end + 1])) if pending else chunk[: end + 1]
                consumed = pending_len + end + 1
                pending, pending_len = [chunk[end + 1 :]], len(chunk) - end - 1
                self._lines(db, found.source, head.split(b"\n"), state, result)
                offset += consumed
                if found.kind == "jsonl":
                    # size = offset until the end is reached: a crash after this commit must
                    # not leave the file looking read (its stat would match)
                    row_now = FileRow(st.st_ino, offset, st.st_mtime_ns, offset, state)
                    self._mark(db, key, found, row_now, consumed)
                else:
                    self._mark(db, None, found, None, consumed)  # no position until the end
                if self._stopping.is_set():
                    raise _Stopped
            if found.kind == "zst":  # a compressed file is complete: its last line may lack "\n"
                self._lines(db, found.source, pending, state, result)
                offset = st.st_size
            final = FileRow(st.st_ino, st.st_size, st.st_mtime_ns, offset, state)
            if offset > st.st_size:  # grew while read: look again next time
                final.size = offset
            self._mark(db, key, found, final, 0)

    def _read_legacy(
        self, db: sqlite3.Connection, key: str, found: LogFile, result: ScanResult
    ) -> None:
        """Gemini's pre-2026-04 session file: rewritten in place, so read whole on each change."""
        state = self._new_state(found)
        with open(found.path, "rb") as raw:
            st = os.fstat(raw.fileno())
            data = raw.read()
        try:
            requests, bad = gemini.read_legacy(json.loads(data), state)
        except (ValueError, RecursionError):
            requests, bad = [], 1  # the whole file: counted once per version (read on change only)
        if bad:
            self._skip(db, found.source, bad, result)
        for request in requests:
            result.requests += save(db, self.pricer, request)
        row = FileRow(st.st_ino, st.st_size, st.st_mtime_ns, st.st_size, state)
        self._mark(db, key, found, row, len(data))

    def _lines(
        self,
        db: sqlite3.Connection,
        source: str,
        lines: list[bytes],
        state: dict[str, Any],
        result: ScanResult,
    ) -> None:
        parent_has = (lambda p, t, ms: self._parent_has(db, p, t, ms)) if source == CODEX else None
        requests, bad = parse_chunk(source, lines, state, parent_has)
        for request in requests:
            result.requests += save(db, self.pricer, request)
        if bad:
            self._skip(db, source, bad, result)

    @staticmethod
    def _parent_has(db: sqlite3.Connection, parent: str, totals: str, before_ms: int) -> bool:
        """Whether a Codex session stored a request at this cumulative total (the key's tail)
        at or before `before_ms` (the fork instant)."""
        row = db.execute(
            "SELECT 1 FROM agent_requests WHERE dedup_key >= ? AND dedup_key < ? "
            "AND dedup_key LIKE ? AND ts_ms <= ? LIMIT 1",
            (f"x:{parent}:", f"x:{parent};", f"%:{totals}", before_ms),
        ).fetchone()
        return row is not None

    def _skip(self, db: sqlite3.Connection, source: str, lines: int, result: ScanResult) -> None:
        result.skipped += lines
        self.skipped[source] = self.skipped.get(source, 0) + lines
        db.execute(
            "INSERT INTO agent_skipped (source, lines) VALUES (?, ?) "
            "ON CONFLICT (source) DO UPDATE SET lines = lines + excluded.lines",
            (source, lines),
        )

    def _mark(
        self,
        db: sqlite3.Connection,
        key: str | None,
        found: LogFile,
        row: FileRow | None,
        read: int,
    ) -> None:
        """Record a file's position (in the transaction holding the rows read before it); commit
        once enough bytes were read since the last commit."""
        if key is not None and row is not None:
            self._save_row(db, key, found, row)
        self._dirty += read
        if self._dirty >= CHUNK:
            db.commit()
            self._dirty = 0

    def _save_row(self, db: sqlite3.Connection, key: str, found: LogFile, row: FileRow) -> None:
        db.execute(
            "INSERT OR REPLACE INTO agent_files (path_key, source, inode, size, mtime_ns, offset, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                found.source,
                row.inode,
                row.size,
                row.mtime_ns,
                row.offset,
                json.dumps(row.state),
            ),
        )
        self._files[key] = FileRow(row.inode, row.size, row.mtime_ns, row.offset, dict(row.state))
