"""Serving: waitress, the periodic checkpoint, background services, a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
from types import FrameType

from flask import Flask
from waitress import create_server

from . import background, logs
from .config import Settings
from .store import Store

log = logging.getLogger(__name__)
# A failed journal refuses writes until a checkpoint succeeds: try again this soon.
FAILED_RETRY_SECONDS = 5.0


def periodic_checkpoint(store: Store, interval_seconds: float) -> background.Periodic:
    """Writes state.json every interval when the journal has grown, so restarts replay little."""

    def checkpoint_if_needed() -> None:
        if store.needs_checkpoint:
            store.checkpoint()

    def wait() -> float:
        return (
            min(interval_seconds, FAILED_RETRY_SECONDS)
            if store.journal_failed
            else interval_seconds
        )

    return background.Periodic("periodic checkpoint", checkpoint_if_needed, wait)


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
    background.register(app, periodic_checkpoint(store, settings.checkpoint_interval_seconds))
    background.register(
        app, background.Periodic("log flush", logs.flush_all, lambda: logs.FLUSH_SECONDS)
    )
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
