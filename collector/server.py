"""Serving: waitress with limits against idle connections, the periodic checkpoint, background
services, and a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import resource
import signal
import socket
import time
from types import FrameType
from typing import Any

from flask import Flask
from waitress import create_server
from waitress.server import TcpWSGIServer

from . import background, logs
from .config import Settings
from .http_channel import LingeringChannel
from .store import Store

log = logging.getLogger(__name__)
# A failed journal refuses writes until a checkpoint succeeds: try again this soon.
FAILED_RETRY_SECONDS = 5.0
# Connections waitress holds open at once. An idle or half-sent connection costs a socket, not a
# thread (waitress reads a whole request before a thread sees it), so this can be far above the
# threads: 500 stalled connections from the same machine leave room for real clients.
CONNECTION_LIMIT = 1000
# A connection that sends nothing for this long is closed (checked every CLEANUP_SECONDS).
IDLE_TIMEOUT_SECONDS = 30
CLEANUP_SECONDS = 5


def periodic_checkpoint(store: Store, interval_seconds: float) -> background.Periodic:
    """Writes state.json every interval when the journal has grown, so restarts replay little; while
    the journal is failed, tries every FAILED_RETRY_SECONDS, so writes resume soon after the disk
    is freed (the tick is short, so a failure during a long wait is noticed within that time)."""
    tick = min(interval_seconds, FAILED_RETRY_SECONDS)

    def checkpoint_if_needed() -> None:
        due = time.time() - store.last_checkpoint >= interval_seconds
        if store.journal_failed or (due and store.needs_checkpoint):
            store.checkpoint()

    return background.Periodic("periodic checkpoint", checkpoint_if_needed, lambda: tick)


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    # waitress's run() turns SystemExit into an orderly close (in-flight requests finish).
    raise SystemExit(128 + signum)


def connection_limit() -> int:
    """CONNECTION_LIMIT, within what the open-file limit allows (raised to it where possible)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CONNECTION_LIMIT + 100  # room for the data files, the database and the log
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new_soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
            soft = new_soft
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        log.warning("open-file limit %d: serving at most %d connections", soft, soft - 100)
        return max(soft - 100, 10)
    return CONNECTION_LIMIT


def connection_options() -> dict[str, Any]:
    """waitress's limits for connections (the benchmark's reference stacks use them too)."""
    return {
        "connection_limit": connection_limit(),
        "channel_timeout": IDLE_TIMEOUT_SECONDS,
        "cleanup_interval": CLEANUP_SECONDS,
        "asyncore_use_poll": True,  # select() cannot watch descriptors past 1024
    }


def make_server(app: Flask, sock: socket.socket) -> TcpWSGIServer:
    settings: Settings = app.config["SETTINGS"]
    server = create_server(
        app,
        sockets=[sock],
        threads=settings.threads,
        ident="llm-usage-collector",
        max_request_body_size=settings.max_body_bytes,
        **connection_options(),
    )
    server.channel_class = LingeringChannel  # JSON for waitress's own errors, drained uploads
    return server


def serve(app: Flask, sock: socket.socket) -> int:
    """Run until SIGTERM or Ctrl-C; the final checkpoint happens on the way out."""
    settings: Settings = app.config["SETTINGS"]
    store: Store = app.extensions["collector"]
    server = make_server(app, sock)
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
    try:
        store.close()
    except OSError as exc:
        log.error(
            "stopped without a final checkpoint (%s); the journal holds every acknowledged "
            "record and the next start replays it",
            exc,
        )
        return 1
    log.info("stopped cleanly after a final checkpoint")
    return 0
