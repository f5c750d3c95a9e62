"""The store: usage state in memory, made durable by the journal, with group commit.

A request thread validates its body, queues a command and waits. Whichever waiting thread finds no
commit leader becomes the leader: it takes everything queued, decides each add against the state,
writes the batch to the journal with one fsync, applies it under the state lock and wakes the
threads it covered. So a 200 always means "on disk", and concurrent requests share one fsync
instead of queueing behind each other's (see the design's performance notes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from . import rollup
from .checkpoint import write_checkpoint
from .config import Settings
from .days import day_of
from .group_commit import Closed, Command, GroupCommit
from .journal import Journal
from .metrics import Metrics
from .recovery import Recovered, recover
from .snapshots import snapshot_name, snapshot_payload, write_snapshot
from .state import UsageState
from .validation import AddRequest

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class UsageView:
    """A copy of what the counters say now, safe to use without locks."""

    counters: dict[str, int]
    daily_totals: dict[str, dict[str, int]]
    since_ms: int
    bucket_timezone: str


class Store:
    def __init__(
        self, settings: Settings, metrics: Metrics, clock: Callable[[], float] = time.time
    ):
        self.settings = settings
        self.metrics = metrics
        self._clock = clock
        self.recovered: Recovered = recover(
            settings.state_path, settings.journal_path, settings.snap_dir
        )
        self._state: UsageState = self.recovered.state
        if self._state.since_ms == 0:
            self._state.since_ms = self._now_ms()
        self._journal = Journal(settings.journal_path, self.recovered.torn_tail_bytes)
        self._lock = threading.Lock()  # guards _state: held only for memory work, never for I/O
        self._commits = GroupCommit(self._run_batch)
        self._unwritten_snapshots: dict[str, dict[str, Any]] = {}
        self.last_checkpoint = time.time()
        self.started = time.monotonic()
        self.warnings = recovery_warnings(self.recovered)
        # Start clean: the checkpoint holds what was replayed, the journal starts empty.
        self._checkpoint()
        metrics.track_store(self)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # ---- reads ------------------------------------------------------------------------------
    def view(self) -> UsageView:
        with self._lock:
            return UsageView(
                counters=dict(self._state.counters),
                daily_totals={d: dict(h) for d, h in self._state.daily_totals.items()},
                since_ms=self._state.since_ms,
                bucket_timezone=self.settings.bucket_timezone,
            )

    def last_seq(self, client_id: str) -> int:
        with self._lock:
            return self._state.last_seq(client_id)

    def journal_records(self) -> int:
        """Records written since the last checkpoint (read without a lock: a hint, not a fact)."""
        return self._journal.records_since_truncate

    def client_count(self) -> int:
        with self._lock:
            return len(self._state.clients)

    # ---- writes: everything goes through the commit leader -----------------------------------
    def add(self, request: AddRequest) -> dict[str, Any]:
        return self._commits.submit(Command("add", request))

    def reset(self) -> dict[str, Any]:
        return self._commits.submit(Command("reset"))

    def checkpoint(self) -> dict[str, Any]:
        return self._commits.submit(Command("checkpoint"))

    def close(self) -> None:
        """Last command through the queue: a final checkpoint; later writes raise `Closed`."""
        with contextlib.suppress(Closed):  # closed already
            self._commits.submit(Command("close"), closing=True)

    def _run_batch(self, batch: list[Command]) -> None:
        """Process commands in arrival order: runs of adds share one fsync."""
        run: list[Command] = []
        for command in batch:
            if command.kind == "add":
                run.append(command)
                continue
            self._commit_adds(run)
            run = []
            actions = {"reset": self._reset, "checkpoint": self._checkpoint, "close": self._close}
            self._guarded(command, actions[command.kind])
        self._commit_adds(run)
        if self._journal.records_since_truncate >= self.settings.checkpoint_every_records:
            try:  # bounds replay time; a failure here loses nothing, the journal keeps it all
                self._checkpoint()
            except OSError:
                log.exception("checkpoint failed; the journal still holds every record")

    @staticmethod
    def _guarded(command: Command, action: Callable[[], dict[str, Any]]) -> None:
        try:
            command.result = action()
        except Exception as exc:
            log.exception("%s failed", command.kind)
            command.error = exc
        command.done = True

    def _commit_adds(self, run: list[Command]) -> None:
        if not run:
            return
        now = self._now_ms()
        pending_seq: dict[str, int] = {}
        records: list[dict[str, Any]] = []
        accepted: list[tuple[Command, dict[str, Any]]] = []
        lsn = self._state.lsn
        for command in run:
            add: AddRequest = command.payload
            last = pending_seq.get(add.client_id) or self._state.last_seq(add.client_id)
            if add.seq <= last:
                command.result = {"ok": True, "applied": 0, "last_seq": last, "duplicate": True}
                self.metrics.duplicates.inc()
            elif add.seq > last + 1:
                command.result = {"error": "out_of_order", "expected_next": last + 1}
                self.metrics.out_of_order.inc()
            else:
                lsn += 1
                pending_seq[add.client_id] = add.seq
                day = day_of(
                    add.ts_ms if add.ts_ms is not None else now, self.settings.bucket_timezone
                )
                record: dict[str, Any] = {"lsn": lsn, "op": "add", "client": add.client_id}
                record.update(seq=add.seq, deltas=add.deltas, day=day, at=now)
                records.append(record)
                accepted.append((command, record))
        if records:
            try:
                seconds = self._journal.append(records)
            except OSError as exc:
                log.exception("journal write failed; %d adds refused", len(records))
                for command, _ in accepted:
                    command.error = exc
            else:
                self.metrics.observe_fsync(seconds, len(records))
                with self._lock:
                    for command, record in accepted:
                        applied = self._state.apply_add(
                            record["client"], record["seq"], record["deltas"], record["day"], now
                        )
                        command.result = {"ok": True, "applied": applied, "last_seq": record["seq"]}
                        self.metrics.applied(record["deltas"])
                    self._state.lsn = lsn
        for command in run:
            command.done = True

    def _reset(self) -> dict[str, Any]:
        with self._lock:
            if not self._state.has_usage():
                return {"ok": True, "snapshot": None, "message": "nothing recorded; no snapshot"}
            at = max(self._now_ms(), self._state.since_ms + 1)
            payload = snapshot_payload(
                dict(self._state.counters),
                {d: dict(h) for d, h in self._state.daily_totals.items()},
                self.settings.bucket_timezone,
                at,
            )
        name = snapshot_name(at)
        record: dict[str, Any] = {"lsn": self._state.lsn + 1, "op": "reset", "snapshot": name}
        record.update(
            at=at,
            totals=payload["totals"],
            daily_totals=payload["daily_totals"],
            bucket_timezone=payload["bucket_timezone"],
        )
        # Journal first: from here on a crash replays the reset and rewrites the snapshot file.
        self._journal.append([record])
        with self._lock:
            self._state.apply_reset(at)
            self._state.lsn = record["lsn"]
        self._unwritten_snapshots[name] = payload
        self.metrics.resets.inc()
        self._checkpoint()
        return {"ok": True, "snapshot": name, "totals": payload["totals"], "created_at": at}

    def _write_snapshots(self) -> None:
        for name, payload in list(self._unwritten_snapshots.items()):
            write_snapshot(self.settings.snap_dir, name, payload)
            del self._unwritten_snapshots[name]

    def _checkpoint(self) -> dict[str, Any]:
        """Write state.json and empty the journal. A snapshot the journal still owes is written
        first; if that fails, the journal is kept, since it is the only record of that reset."""
        self._write_snapshots()
        # No lock needed: only the commit leader changes the state, and the leader is us.
        write_checkpoint(self.settings.state_path, self._state)
        self._journal.truncate()
        self.last_checkpoint = time.time()
        return {"ok": True, "checkpoint": str(self.settings.state_path), "lsn": self._state.lsn}

    def fold(self) -> rollup.FoldResult:
        """Fold waiting snapshots into the CSV; outside the commit path, so adds go on meanwhile."""
        return rollup.fold(self.settings.snap_dir)

    def _close(self) -> dict[str, Any]:
        try:
            return self._checkpoint()
        finally:
            self._journal.close()


def current_store() -> Store:
    """The store of the app handling this request."""
    store: Store = current_app.extensions["collector"]
    return store


def recovery_warnings(recovered: Recovered) -> list[str]:
    """What start-up had to repair, for the log and /health."""
    warnings = []
    if recovered.quarantined:
        warnings.append(
            f"state.json was damaged: moved to {recovered.quarantined.name}; "
            "counters were rebuilt from the journal alone"
        )
    if recovered.bad_lines:
        warnings.append(f"{recovered.bad_lines} damaged journal line(s) skipped")
    if recovered.snapshots_rewritten:
        warnings.append(f"rewrote snapshot(s) a crash interrupted: {recovered.snapshots_rewritten}")
    return warnings


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    store = Store(settings, app.extensions["metrics"])
    app.extensions["collector"] = store
    r = store.recovered
    if r.replayed or r.torn_tail_bytes or r.bad_lines or r.quarantined:
        log.warning(
            "recovered: %d journal records replayed, %d skipped, %d bad, torn tail %d bytes%s",
            r.replayed, r.skipped, r.bad_lines, r.torn_tail_bytes,
            f", damaged state moved to {r.quarantined}" if r.quarantined else "",
        )  # fmt: skip
    store.fold()  # snapshots a crash left behind
