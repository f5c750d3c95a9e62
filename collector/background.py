"""Background services of an app (periodic checkpoint, CLIProxy poller): registered by `init_app`
functions, started and stopped only by the entry point, so creating an app starts no thread."""

from __future__ import annotations

import logging
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
