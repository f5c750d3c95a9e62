"""Serving: waitress, the periodic checkpoint, background services, a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from flask import Flask
from waitress import create_server

from . import background
from .config import Settings
from .store import Store

log = logging.getLogger(__name__)


class PeriodicCheckpoint:
    """Writes state.json every interval when the journal has grown, so restarts replay little."""

    name = "periodic checkpoint"

    def __init__(self, store: Store, interval_seconds: float) -> None:
        self._store = store
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            if self._store.journal_records() == 0:
                continue
            try:
                self._store.checkpoint()
            except Exception:
                log.exception("periodic checkpoint failed; the journal still holds everything")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    # waitress's run() turns SystemExit into an orderly close (in-flight requests finish).
    raise SystemExit(128 + signum)


def serve(app: Flask) -> int:
    """Run until SIGTERM or Ctrl-C; the final checkpoint happens on the way out."""
    settings: Settings = app.config["SETTINGS"]
    store: Store = app.extensions["collector"]
    server = create_server(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="llm-usage-collector",
        max_request_body_size=settings.max_body_bytes + 1024,
    )
    background.register(app, PeriodicCheckpoint(store, settings.checkpoint_interval_seconds))
    signal.signal(signal.SIGTERM, _raise_exit)
    log.debug(
        "settings: state=%s snapshots=%s zone=%s threads=%d cliproxy=%s",
        settings.state_path, settings.snap_dir, settings.bucket_timezone, settings.threads,
        "on" if settings.cliproxy_enabled else "off",
    )  # fmt: skip
    try:
        log.info("collector listening on http://%s:%s", settings.host, server.effective_port)
        background.start_all(app)
        server.run()  # returns on SIGTERM or Ctrl-C: waitress catches both and closes
    except (SystemExit, KeyboardInterrupt):
        server.close()  # the signal came before run() took over
    finally:
        background.stop_all(app)
        store.close()
        log.info("stopped cleanly after a final checkpoint")
    return 0
