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
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None
        self._pending: list[Any] = []  # popped queue records not yet stored

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
        if self._lock.acquire(timeout=STOP_WAIT_SECONDS):
            try:
                if self._db is not None:
                    self._db.close()
                    self._db = None
            finally:
                self._lock.release()

    def trigger(self) -> threading.Thread | None:
        """Manual run: clears an auth stop and collects now; wakes the loop when it runs (one
        attempt, never two), else runs once in a thread of its own, which it returns."""
        self.auth_failure = None
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
            return None
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
        s = self.settings
        base = (
            s.cliproxy_interval_seconds
            if self.era == "legacy"
            else s.cliproxy_queue_interval_seconds
        )
        if self.failures:
            return float(min(base * 2**self.failures, max(MAX_BACKOFF_SECONDS, base)))
        return float(base)

    # --- one cycle -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
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
        """Collect (era detected), store, sync limits. Never raises: the outcome lands on health."""
        with self._lock:
            now_ms = int(self.clock() * 1000)
            result: dict[str, Any] = {"stored": 0, "era": self.era}
            try:
                db = self._conn()
                self._refresh_prices()
                result["stored"] = self._collect(db, now_ms)
                result["era"] = self.era
                if result["stored"] or now_ms - self._last_sync_ms >= LIMIT_SYNC_EVERY_MS:
                    result["limits"] = len(limits.sync(db, self.settings.cliproxy_timezone, now_ms))
                    self._last_sync_ms = now_ms
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
            self.last_poll_ms, self.last_result = now_ms, result
            return result

    def _collect(self, db: sqlite3.Connection, now_ms: int) -> int:
        if self.era != "queue":
            try:
                usage = self.client.legacy_usage()
                self.era = "legacy"
                rows = list(self.ingestor.legacy_rows(usage))
                stored = ingest.store(db, rows)
                self._remember(row[0] for row in rows)
                snapshots.record(db, usage, now_ms, self.ingestor.local_date)
                return stored
            except NotFound:
                log.info("CLIProxy has no /usage (6.10 or later): switching to the usage queue")
                self.era = "queue"
        try:
            return self._drain_queue(db)
        except NotFound:
            self.era = None  # neither route yet: maybe a downgrade, maybe management is off
            raise NotFound(
                "neither /usage nor /usage-queue exists: is remote management on?"
            ) from None

    def _remember(self, keys: Iterable[bytes]) -> None:
        """Legacy snapshots repeat every detail until CLIProxy restarts: remember what is stored."""
        seen = self.ingestor.seen
        if len(seen) > MAX_SEEN:
            seen.clear()  # memory bound; the database still refuses duplicates
        seen.update(keys)

    def _drain_queue(self, db: sqlite3.Connection) -> int:
        """Pop and store batch by batch: each batch is committed before the next pop. A batch the
        database refused stays in memory and is stored first at the next cycle (a pop is final)."""
        stored = 0
        if self._pending:
            stored += ingest.store(db, self.ingestor.queue_rows(self._pending))
            self._pending = []
        for _ in range(MAX_QUEUE_POPS):
            self._pending = self.client.pop_queue(QUEUE_BATCH)
            stored += ingest.store(db, self.ingestor.queue_rows(self._pending))
            popped, self._pending = len(self._pending), []
            if popped < QUEUE_BATCH or self._stop.is_set():
                break
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
