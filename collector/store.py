"""The store: usage state in memory, made durable by the journal.

An add is decided and applied under one lock that is held for memory work only; its record is
then written to the journal and flushed (fdatasync) outside any lock, and only then answered. So a
200 always means "on disk", and concurrent requests still share disk flushes: each thread calls
fdatasync and the file system commits them together (ext4's journal commit). We measured this
against a Python-level group commit (a leader thread flushing for waiters): on CPython, threads
queueing on locks and events around the flush pay for every hand-off of the GIL, and that cost
more than the flushes saved (docs/benchmarks.md has the figures).

Rules that keep every count exact:
- An answer that reveals a client's `last_seq` (a duplicate, /client_status, the next seq of the
  same client) first waits until the record that set it is on disk.
- Reset, checkpoint and close hold the lock and first wait until no record is in flight, so a
  snapshot or state.json never holds a record the journal might lose, and a rotation drops none.
- If a journal write or flush fails, nothing more is acknowledged until a checkpoint succeeds
  (state.json then holds all of memory, including the record whose write failed): retrying an
  fsync after an error is not safe, and the client resends anyway.
A reader of /counters may see a record a few milliseconds before it is on disk; if the machine
dies then, the client was never answered and resends it, so it still counts once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from . import fold as folding
from .checkpoint import write_checkpoint
from .config import Settings
from .days import day_of
from .errors import CollectorError
from .folder_lock import FolderLock
from .in_flight import InFlight
from .journal import Journal
from .journal_records import AddRecord, ResetRecord, encode
from .metrics import LiveReadings, Metrics
from .outcomes import (
    AddOutcome,
    Applied,
    Checkpointed,
    CheckpointFailed,
    Closed,
    Duplicate,
    HostLimitReached,
    JournalFailed,
    OutOfOrder,
    ResetDone,
    ResetFailed,
)
from .recovery import Recovered, recover, recovery_warnings
from .snapshot_files import (
    discard_pending,
    publish,
    snapshot_name,
    snapshot_payload,
    write_pending,
    write_snapshot,
)
from .state import UsageState
from .usage_buckets import UnparsedDays, UsageDays, copy_unparsed, copy_usage
from .validation import AddRequest

log = logging.getLogger(__name__)


__all__ = ["Closed", "JournalFailed", "Store", "UsageView", "current_store"]


@dataclasses.dataclass(frozen=True)
class UsageView:
    """A copy of what the counters say now, safe to use without locks."""

    counters: dict[str, int]
    daily_totals: dict[str, dict[str, int]]
    since_ms: int
    bucket_timezone: str
    usage_daily: UsageDays = dataclasses.field(default_factory=dict)
    unparsed_daily: UnparsedDays = dataclasses.field(default_factory=dict)


class Store:
    def __init__(
        self, settings: Settings, metrics: Metrics, clock: Callable[[], float] = time.time
    ):
        self.settings = settings
        self.metrics = metrics
        self._clock = clock
        # Before anything is read: a second collector on this folder must not even look.
        self._folder_lock = FolderLock(settings.lock_path)
        try:
            self._open(settings)
        except BaseException:
            self._folder_lock.release()
            raise
        metrics.track_live(
            LiveReadings(
                counters=self.counters,
                tokens_total=self.tokens_total,
                model_tokens=self.model_tokens,
                client_count=self.client_count,
                last_checkpoint=lambda: self.last_checkpoint,
                journal_failed=lambda: self.journal_failed,
            )
        )

    def _open(self, settings: Settings) -> None:
        self.recovered: Recovered = recover(
            settings.state_path, settings.journal_path, settings.snap_dir
        )
        self._state: UsageState = self.recovered.state
        if self._state.since_ms == 0:
            self._state.since_ms = self._now_ms()
        self._state.hosts.update(folding.csv_hosts(settings.snap_dir))
        self._journal = Journal(settings.journal_path, self.recovered.torn_tail_bytes)
        # Guards _state, _records and _closed. Held for memory work only in the request path;
        # reset, checkpoint and close hold it across their I/O, so nothing changes under them.
        self._lock = threading.Lock()
        self._in_flight = InFlight()  # records decided but not yet on disk
        self._records = 0  # journal records since the last checkpoint
        self._closed = False
        self._failure: str | None = None  # why the journal is not trusted, until a checkpoint
        self._unwritten_snapshots: dict[str, dict[str, Any]] = {}
        self.last_checkpoint = time.time()
        self.started = time.monotonic()
        self._recovery_warnings = recovery_warnings(self.recovered)
        # After recovery, which wrote any snapshot a journaled reset still owed.
        discard_pending(settings.snap_dir)
        # Start clean: the checkpoint holds what was replayed, and a new journal starts.
        with self._lock:
            self._checkpoint_locked()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # ---- reads ------------------------------------------------------------------------------
    @property
    def warnings(self) -> list[str]:
        """What start-up repaired, a journal failure not yet cured, and a SNAP_DIR that cannot be
        written now, for /health."""
        warnings = list(self._recovery_warnings)
        failure = self._failure
        if failure:
            warnings.append(failure)
        if not os.access(self.settings.snap_dir, os.W_OK):
            warnings.append(
                f"SNAP_DIR {self.settings.snap_dir} is not writable: /reset fails (and changes "
                "nothing) until it is"
            )
        return warnings

    def view(self) -> UsageView:
        with self._lock:
            return UsageView(
                counters=dict(self._state.counters),
                daily_totals={d: dict(h) for d, h in self._state.daily_totals.items()},
                since_ms=self._state.since_ms,
                bucket_timezone=self.settings.bucket_timezone,
                usage_daily=copy_usage(self._state.usage_daily),
                unparsed_daily=copy_unparsed(self._state.unparsed_daily),
            )

    def model_tokens(self) -> dict[str, dict[str, list[int]]]:
        """Lifetime tokens per host and model, [input, output] (for the metric), a copy."""
        with self._lock:
            return {
                h: {m: c[:] for m, c in ms.items()} for h, ms in self._state.model_tokens.items()
            }

    def unparsed_on(self, day: str) -> dict[str, int]:
        """Replies not read on `day` since the last reset, per host (for the unparsed alarm)."""
        with self._lock:
            return dict(self._state.unparsed_daily.get(day, {}))

    def last_seq(self, client_id: str) -> int:
        """The client's last applied seq, once the record that set it is on disk.

        :raise JournalFailed: the journal failed and no checkpoint has cured it yet.
        """
        with self._lock:
            last, pending = self._state.position(client_id)
        self._wait_on_disk(pending)
        return last

    def counters(self) -> dict[str, int]:
        """A copy of the counters since the last reset (per host)."""
        with self._lock:
            return dict(self._state.counters)

    def tokens_total(self) -> dict[str, int]:
        """A copy of every token accepted per host since the data folder was created."""
        with self._lock:
            return dict(self._state.tokens_total)

    def client_count(self) -> int:
        with self._lock:
            return len(self._state.clients)

    @property
    def journal_failed(self) -> bool:
        return self._failure is not None

    @property
    def needs_checkpoint(self) -> bool:
        """Records to fold into state.json, or a journal failure only a checkpoint cures."""
        return self._records > 0 or self._failure is not None

    # ---- writes -----------------------------------------------------------------------------
    def add(self, request: AddRequest) -> AddOutcome:
        """Apply a batch unless its seq was seen; answer once it (and what it depends on) is on disk.

        :raise Closed: the store is closed.
        :raise JournalFailed: the journal failed; nothing is acknowledged until a checkpoint.
        """
        now = self._now_ms()
        day = day_of(
            request.ts_ms if request.ts_ms is not None else now, self.settings.bucket_timezone
        )
        record: AddRecord | None = None
        outcome: AddOutcome
        with self._lock:
            self._check_writable()
            last, pending = self._state.position(request.client_id)
            if request.seq > last + 1:
                self.metrics.out_of_order.inc()
                return OutOfOrder(expected_next=last + 1)
            if request.seq <= last:
                outcome = Duplicate(last_seq=last)
            else:
                known = self._state.hosts
                hosts = request.hosts()
                if not known.issuperset(hosts):  # rare: a host never seen before
                    new_hosts = len(set(hosts) - known)
                    if len(known) + new_hosts > self.settings.max_hosts:
                        return HostLimitReached(limit=self.settings.max_hosts, new_hosts=new_hosts)
                lsn = self._state.lsn + 1
                record = AddRecord(
                    lsn, request.client_id, request.seq, request.deltas, day, now,
                    request.usage, request.unparsed,
                )  # fmt: skip
                applied = self._state.apply_add(
                    request.client_id, request.seq, request.deltas, day, now, lsn
                )
                if request.usage or request.unparsed:  # the optional detail, same record
                    self._state.apply_detail(day, request.usage, request.unparsed)
                self._state.lsn = lsn
                self._in_flight.add(lsn)
                self._records += 1
                outcome = Applied(tokens=applied, last_seq=request.seq)
        if record is None:
            self.metrics.duplicates.inc()
        else:
            self._write(record)
            self.metrics.applied.inc()
        self._wait_on_disk(pending)  # the seq before ours (or the one a duplicate repeats)
        if self._records >= self.settings.checkpoint_every_records:
            self._checkpoint_if_due()  # bounds replay time
        return outcome

    def _check_writable(self) -> None:
        if self._closed:
            raise Closed("the store is closed")
        if self._failure is not None:
            raise JournalFailed(self._failure)

    def _write(self, record: AddRecord) -> None:
        lsn = record.lsn
        try:
            seconds = self._journal.append_line(encode(record))
        except OSError as exc:
            # Set before the lsn leaves in-flight: a thread waiting on it must see the failure.
            self._failure = f"journal write failed ({exc}); writes refused until a checkpoint"
            log.critical("%s", self._failure)
            raise JournalFailed(self._failure) from exc
        finally:
            self._in_flight.done(lsn)
        self.metrics.fsync_seconds.observe(seconds)

    def _wait_on_disk(self, lsn: int) -> None:
        """Return once record `lsn` is on disk (0: nothing to wait for).

        :raise JournalFailed: the journal failed meanwhile, or the flush took too long.
        """
        self._in_flight.wait_for(lsn)
        failure = self._failure
        if failure is not None:  # the record may be one whose write failed
            raise JournalFailed(failure)

    def _drain(self) -> None:
        """Wait (holding the lock, so no new record starts) until every record is on disk."""
        self._in_flight.drain()

    def reset(self) -> ResetDone:
        """Snapshot the counters and zero them (never last_seq), in an order that makes a failure
        change nothing: the snapshot file under a `.pending` name, then the journal record (the
        commit point), then memory and the file's real name, then a checkpoint.

        :raise ResetFailed: the snapshot or the journal record could not be written; the counters
            are unchanged.
        :raise Closed, JournalFailed: as for `add`.
        """
        with self._lock:
            self._check_writable()
            self._drain()
            if not self._state.has_usage():
                return ResetDone(snapshot=None)
            at = max(self._now_ms(), self._state.since_ms + 1)
            payload = snapshot_payload(
                dict(self._state.counters),
                {d: dict(h) for d, h in self._state.daily_totals.items()},
                self.settings.bucket_timezone,
                at,
                copy_usage(self._state.usage_daily),
                copy_unparsed(self._state.unparsed_daily),
            )
            name = snapshot_name(at)
            record = ResetRecord(
                self._state.lsn + 1, name, at, payload["totals"], payload["daily_totals"],
                payload["bucket_timezone"], payload.get("usage_daily", {}),
                payload.get("unparsed_daily", {}),
            )  # fmt: skip
            try:
                pending = write_pending(self.settings.snap_dir, name, payload)
            except OSError as exc:
                raise ResetFailed(f"could not write the snapshot in SNAP_DIR: {exc}") from exc
            try:
                self._journal.append([encode(record)])
            except OSError as exc:
                pending.unlink(missing_ok=True)
                raise ResetFailed(f"could not write the journal: {exc}") from exc
            self._state.apply_reset(at)
            self._state.lsn = record.lsn
            self._records += 1
            self.metrics.resets.inc()
            try:
                publish(pending)
            except OSError:  # the journal has the reset: the next checkpoint writes the file
                self._unwritten_snapshots[name] = payload
            try:
                self._checkpoint_locked()
            except OSError:  # loses nothing: the journal holds the reset
                log.exception("checkpoint after the reset failed; the journal holds the reset")
        return ResetDone(snapshot=name, totals=payload["totals"], created_at=at)

    def checkpoint(self) -> Checkpointed:
        """Write state.json and start a new journal; also cures a journal failure.

        :raise Closed: the store is closed.
        :raise CheckpointFailed: a file could not be written.
        """
        with self._lock:
            if self._closed:
                raise Closed("the store is closed")
            self._drain()
            try:
                return self._checkpoint_locked()
            except OSError as exc:
                raise CheckpointFailed(f"could not write the checkpoint: {exc}") from exc

    def _checkpoint_if_due(self) -> None:
        with self._lock:
            if self._closed or self._records < self.settings.checkpoint_every_records:
                return  # another thread did it meanwhile
            try:
                self._drain()
                self._checkpoint_locked()
            except OSError:  # loses nothing: the journal keeps every record
                log.exception("checkpoint failed; the journal still holds every record")

    def _checkpoint_locked(self) -> Checkpointed:
        """Write owed snapshots, then state.json, then empty the journal. Hold the lock, drained.

        A snapshot the journal still owes is written first; if that fails, the journal is kept,
        since it is the only record of that reset.
        """
        for name, payload in list(self._unwritten_snapshots.items()):
            write_snapshot(self.settings.snap_dir, name, payload)
            del self._unwritten_snapshots[name]
        write_checkpoint(self.settings.state_path, self._state)
        self._journal.rotate()
        self._records = 0
        self.last_checkpoint = time.time()
        if self._failure is not None:
            log.warning("checkpoint written: the journal failure is cured, writes resume")
            self._failure = None
        return Checkpointed(path=str(self.settings.state_path), lsn=self._state.lsn)

    def fold(self) -> folding.FoldResult:
        """Fold waiting snapshots into the CSV; outside the lock, so adds go on meanwhile."""
        return folding.fold(self.settings.snap_dir, max_hosts=self.settings.max_hosts)

    def close(self) -> None:
        """A final checkpoint; later writes raise `Closed`. Closing twice is fine."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._drain()
                self._checkpoint_locked()
            finally:
                self._journal.close()
                self._folder_lock.release()


def current_store() -> Store:
    """The store of the app handling this request."""
    store: Store = current_app.extensions["collector"]
    return store


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
    try:
        store.fold()  # snapshots a crash left behind
    except (OSError, CollectorError) as exc:
        log.warning("could not fold waiting snapshots at start-up (%s); the next reset tries", exc)
