"""The background service: polls CLIProxy (legacy snapshots or the usage queue), stores, syncs limits.

`run_once()` is one full collection plus a limit sync, synchronous, for the loop, the trigger
endpoint and tests. A 401/403 stops the loop until a manual trigger (or a restart with a new key):
five bad keys ban the collector's address for 30 minutes. Other failures back off exponentially.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from collector.config import Settings
from collector.pricing.pricer import Pricer

from . import configs, ingest, limits, snapshots
from .client import AuthFailed, Client, ClientError, NotFound
from .db import connect, get_meta, set_meta

log = logging.getLogger(__name__)

QUEUE_BATCH = 500
MAX_QUEUE_POPS = 200  # bounds one cycle at 100,000 records; the rest waits for the next cycle
MAX_BACKOFF_SECONDS = 300
RETENTION_SHARE = 6  # queue era: a retry waits at most retention / 6 (10 s at CLIProxy's 60 s)
MIN_RETRY_SECONDS = 1.0
LIMIT_SYNC_EVERY_MS = 60_000
STOP_WAIT_SECONDS = 2.0
MAX_SEEN = 2_000_000


class Poller:
    name = "cliproxy-poller"

    def __init__(
        self,
        settings: Settings,
        pricer: Pricer,
        client: Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client or Client(settings.cliproxy_url, settings.cliproxy_management_key)
        self.ingestor = ingest.Ingestor(pricer, settings.cliproxy_timezone)
        self.pricer = pricer
        self.clock = clock
        self.era: str | None = None  # "legacy" or "queue" once detected
        self.last_poll_ms: int | None = None
        self.last_result: dict[str, Any] | None = None
        self.last_error: str | None = None
        self.auth_failure: str | None = None
        self.failures = 0
        self._last_sync_ms = 0
        self._last_price_refresh = 0.0
        self._cycle = threading.Lock()  # one collection at a time
        self._db_lock = threading.Lock()  # the connection; never held across an HTTP call
        self._sync_now = False  # a trigger asks for a limit sync whatever the poll brings
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None
        self._pending: list[Any] = []  # popped queue records not yet stored
        if settings.cliproxy_queue_interval_seconds * 2 > settings.cliproxy_queue_retention_seconds:
            log.warning(
                "CLIPROXY_QUEUE_INTERVAL_SECONDS=%d is more than half of "
                "CLIPROXY_QUEUE_RETENTION_SECONDS=%d: queue records may expire between polls",
                settings.cliproxy_queue_interval_seconds,
                settings.cliproxy_queue_retention_seconds,
            )

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Prompt: the loop waits on an event, never a sleep. An HTTP call in flight is not waited
        for past STOP_WAIT_SECONDS; the (daemon) loop then ends, closing its connection, when it
        returns."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=STOP_WAIT_SECONDS)
            if thread.is_alive():
                log.warning("CLIProxy poller still waiting on an HTTP call; it ends when that does")
                return
        self._close_db()

    def _close_db(self) -> None:
        if self._db_lock.acquire(timeout=STOP_WAIT_SECONDS):
            try:
                if self._db is not None:
                    self._db.close()
                    self._db = None
            finally:
                self._db_lock.release()

    def trigger(self) -> threading.Thread | None:
        """Manual run: clears an auth stop, collects and syncs limits now; wakes the loop when it
        runs (one attempt, never two), else runs once in a thread of its own, which it returns."""
        self.auth_failure = None
        self._sync_now = True
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
            return None
        self._stop.clear()  # a manual run is allowed after stop(); it opens its own connection
        thread = threading.Thread(target=self.run_once, name=f"{self.name}-trigger", daemon=True)
        thread.start()
        return thread

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()  # a trigger arriving during the run below wakes the next wait
                if self.auth_failure is None:
                    self.run_once()
                if self._stop.is_set():
                    break
                # after an auth failure: wait for a trigger or stop, never retry on a timer
                self._wake.wait(None if self.auth_failure else self._delay())
        finally:
            self._close_db()

    def _delay(self) -> float:
        """The wait before the next poll. After failures it doubles, capped at 300 s (or the
        interval, if longer); in the queue era it never exceeds a sixth of the queue's retention,
        so four failed polls in a row and the interval still fit inside it and lose no record."""
        s = self.settings
        if self.era == "legacy":
            base = s.cliproxy_interval_seconds
            if self.failures:
                return float(min(base * 2**self.failures, max(MAX_BACKOFF_SECONDS, base)))
            return float(base)
        base = s.cliproxy_queue_interval_seconds
        if not self.failures:
            return float(base)
        retry_cap = max(MIN_RETRY_SECONDS, s.cliproxy_queue_retention_seconds / RETENTION_SHARE)
        return float(min(base * 2**self.failures, MAX_BACKOFF_SECONDS, retry_cap))

    # --- one cycle -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The poller's connection; call with `_db_lock` held."""
        if self._db is None:
            if self._stop.is_set():
                raise ClientError("the poller is stopping")
            self._db = connect(self.settings.db_path)
            self._prepare(self._db)
        return self._db

    def _prepare(self, db: sqlite3.Connection) -> None:
        """Seed limit configs once; recompute local dates if the configured zone changed."""
        zone = self.settings.cliproxy_timezone
        stored = get_meta(db, "zone")
        if stored is not None and stored != zone:
            log.warning(
                "CLIProxy zone changed from %s to %s: recomputing daily stats", stored, zone
            )
            ingest.rebuild_daily(db, zone)
        with db:
            set_meta(db, "zone", zone)
        configs.seed(db, self.settings.rate_limits_seed_path, int(self.clock() * 1000))

    def run_once(self) -> dict[str, Any]:
        """Collect (era detected), store, sync limits. Never raises: the outcome lands on health.

        One cycle at a time (`_cycle`; a trigger's thread simply waits its turn). The database
        lock is taken only around database work, never across an HTTP call, so `stop()` and
        health never wait on CLIProxy.
        """
        with self._cycle:
            now_ms = int(self.clock() * 1000)
            sync_now, self._sync_now = self._sync_now, False
            result: dict[str, Any] = {"stored": 0, "era": self.era}
            try:
                self._refresh_prices()
                result["stored"] = self._collect(now_ms)
                result["era"] = self.era
                self.failures, self.last_error = 0, None
                result["ok"] = True
            except AuthFailed as exc:
                self.auth_failure = str(exc)
                result.update(ok=False, error=str(exc))
                log.error(
                    "CLIProxy refused the management key (%s); polling stopped until a trigger", exc
                )
            except (ClientError, sqlite3.Error) as exc:
                self.failures += 1
                self.last_error = str(exc)
                result.update(ok=False, error=str(exc))
                log.warning("CLIProxy poll failed (%d in a row): %s", self.failures, exc)
            except Exception as exc:  # a bug must not kill the loop: log it, back off, go on
                self.failures += 1
                self.last_error = f"unexpected error: {exc!r}"
                result.update(ok=False, error=self.last_error)
                log.exception("CLIProxy poll hit an unexpected error")
            if sync_now or result["stored"] or now_ms - self._last_sync_ms >= LIMIT_SYNC_EVERY_MS:
                # a window rolls on without CLIProxy: limits sync even when the poll failed
                self._sync_limits(now_ms, result)
            self.last_poll_ms, self.last_result = now_ms, result
            return result

    def _sync_limits(self, now_ms: int, result: dict[str, Any]) -> None:
        try:
            with self._db_lock:
                synced = limits.sync(self._conn(), self.settings.cliproxy_timezone, now_ms)
            result["limits"] = len(synced)
            self._last_sync_ms = now_ms
        except (ClientError, sqlite3.Error) as exc:
            log.warning("CLIProxy rate-limit sync failed: %s", exc)

    def _collect(self, now_ms: int) -> int:
        if self.era != "queue":
            try:
                usage = self.client.legacy_usage()
                self.era = "legacy"
                return self._store_snapshot(usage, now_ms)
            except NotFound:
                log.info("CLIProxy has no /usage (6.10 or later): switching to the usage queue")
                self.era = "queue"
        try:
            return self._drain_queue()
        except NotFound:
            self.era = None  # neither route yet: maybe a downgrade, maybe management is off
            raise NotFound(
                "neither /usage nor /usage-queue exists (CLIProxy 6.10.0 to 6.10.7 have no usage "
                "API; otherwise remote management is off)"
            ) from None

    def _store_snapshot(self, usage: dict[str, Any], now_ms: int) -> int:
        """Detail rows and the snapshot's undetailed counters in one transaction: the counters
        are told which details were new, so details a cap pushed out are never counted again."""
        rows = list(self.ingestor.legacy_rows(usage))

        def fold(db: sqlite3.Connection, new: snapshots.NewDetails) -> None:
            snapshots.record(db, usage, now_ms, self.ingestor.local_date, new)

        with self._db_lock:
            stored = ingest.store(self._conn(), rows, then=fold)
        self._remember(row[0] for row in rows)
        return stored

    def _remember(self, keys: Iterable[bytes]) -> None:
        """Legacy snapshots repeat every detail until CLIProxy restarts: remember what is stored."""
        seen = self.ingestor.seen
        if len(seen) > MAX_SEEN:
            seen.clear()  # memory bound; the database still refuses duplicates
        seen.update(keys)

    def _drain_queue(self) -> int:
        """Pop and store batch by batch: each batch is committed before the next pop. A batch the
        database refused stays in memory and is stored first at the next cycle (a pop is final)."""
        stored = 0
        if self._pending:
            stored += self._store_pending()
        for _ in range(MAX_QUEUE_POPS):
            self._pending = self.client.pop_queue(QUEUE_BATCH)
            popped = len(self._pending)
            stored += self._store_pending()
            if popped < QUEUE_BATCH or self._stop.is_set():
                break
        return stored

    def _store_pending(self) -> int:
        with self._db_lock:
            stored = ingest.store(self._conn(), self.ingestor.queue_rows(self._pending))
        self._pending = []
        return stored

    def _refresh_prices(self) -> None:
        cache = self.pricer.llm_prices
        if cache is None or self.clock() - self._last_price_refresh < 3600:
            return
        self._last_price_refresh = self.clock()
        cache.refresh()

    def health(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "era": self.era,
            "cliproxy_version": self.client.version,
            "running": self._thread is not None and self._thread.is_alive(),
            "last_poll": self.last_poll_ms,
            "last_result": self.last_result,
            "last_error": self.last_error,
            "consecutive_failures": self.failures,
            "auth_failed": self.auth_failure is not None,
            "auth_failure": self.auth_failure,
            "next_poll_in_seconds": None if self.auth_failure else self._delay(),
        }
