"""Background services of an app (periodic checkpoint, CLIProxy poller): registered by `init_app`
functions, started and stopped only by the entry point, so creating an app starts no thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from flask import Flask

log = logging.getLogger(__name__)


class Service(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


def register(app: Flask, service: Service) -> None:
    app.extensions.setdefault("background", []).append(service)


def start_all(app: Flask) -> None:
    for service in app.extensions.get("background", []):
        log.info("starting %s", service.name)
        service.start()


def stop_all(app: Flask) -> None:
    """Stop in reverse order; one failing stop does not keep the others running."""
    for service in reversed(app.extensions.get("background", [])):
        try:
            service.stop()
        except Exception:
            log.exception("stopping %s failed", service.name)


class Periodic:
    """Calls `action` in a daemon thread, waiting `interval()` seconds before each call."""

    def __init__(self, name: str, action: Callable[[], object], interval: Callable[[], float]):
        self.name = name
        self._action = action
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval()):
            try:
                self._action()
            except Exception:
                log.exception("%s failed; trying again later", self.name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
