"""CLIProxy source: polls CLIProxy's management API into SQLite, prices each request, tracks limits.

`init_app` wires the blueprint, the per-request connection teardown, the metrics collector and (only
when `CLIPROXY_URL` and `CLIPROXY_MANAGEMENT_KEY` are set) the poller as a background service. It
starts nothing: the entry point starts registered services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask

from collector import background
from collector.config import Settings
from collector.pricing import Pricer, make_pricer

from . import db, metrics, views
from .poller import Poller

log = logging.getLogger(__name__)


@dataclass
class CliproxyState:
    settings: Settings
    pricer: Pricer
    poller: Poller | None
    seeded: bool = False  # the views seeded rate-limit configs in this process


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    # The one pricer every source shares (collector.pricing.init_app), else one of our own.
    pricer = app.extensions.get("pricer") or make_pricer(settings)
    poller = Poller(settings, pricer) if settings.cliproxy_enabled else None
    app.extensions["cliproxy"] = CliproxyState(settings, pricer, poller)
    db.init_app(app)
    app.register_blueprint(views.bp)
    metrics.init_app(app)
    if poller is not None:
        background.register(app, poller)
    else:
        log.info("CLIProxy source off: CLIPROXY_URL and CLIPROXY_MANAGEMENT_KEY are not both set")
