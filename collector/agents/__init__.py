"""Coding-agent source: Claude Code, Codex and Gemini CLI usage read from their local logs.

`init_app` wires the blueprint, the metrics collector, the `/usage?by=model` source and the
`/health` warnings; when `AGENT_LOGS` names agents it also registers the scanner as a background
service (started by the entry point, like the CLIProxy poller). Formats: shared/agent-logs.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask

from collector import background
from collector.config import Settings

from . import metrics, reports, views
from .db import connect
from .pricing import Pricer
from .scanner import Scanner

log = logging.getLogger(__name__)


@dataclass
class AgentsState:
    settings: Settings
    scanner: Scanner | None

    @property
    def zone(self) -> str:
        return self.settings.bucket_timezone


def usage_source(settings: Settings) -> Any:
    """The callable `/usage?by=model` asks for rows: `(start, end, zone) -> [row]` (reports.py)."""

    def rows(start: date, end: date, zone: str) -> list[dict[str, Any]]:
        if not settings.db_path.exists():
            return []
        db = connect(settings.db_path)
        try:
            return reports.usage_rows(db, start, end, zone)
        finally:
            db.close()

    return rows


def health_warnings(state: AgentsState) -> Any:
    def warnings() -> list[str]:
        scanner = state.scanner
        if scanner is None:
            return []
        found = [
            f"agent logs: {n} unreadable {source} line(s) skipped"
            for source, n in sorted(scanner.skipped.items())
            if n
        ]
        if scanner.last is not None and scanner.last.errors:
            found.append(f"agent logs: last scan could not read {len(scanner.last.errors)} file(s)")
        return found

    return warnings


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    pricer: Pricer = app.extensions["pricer"]  # the one every source shares (collector.pricing)
    scanner = Scanner(settings, pricer) if settings.agent_logs else None
    state = app.extensions["agents"] = AgentsState(settings, scanner)
    app.register_blueprint(views.bp)
    app.extensions.setdefault("usage_sources", []).append(usage_source(settings))
    app.extensions.setdefault("health_warnings", []).append(health_warnings(state))
    registry = getattr(app.extensions.get("metrics"), "registry", None)
    if registry is not None:
        registry.register(
            metrics.AgentsCollector(
                settings.db_path, lambda: dict(scanner.skipped) if scanner else {}
            )
        )
    if scanner is None:
        log.info("agent-logs source off: AGENT_LOGS names no agent")
        return
    interval = settings.agent_scan_interval_seconds
    background.register(app, background.Periodic(scanner.name, scanner.scan, lambda: interval))
    # services stop in reverse order: this one first, so a long scan ends before the loop is joined
    background.register(app, _Stopper(scanner))


class _Stopper:
    """Ends a scan in progress at its next chunk and closes the scanner's connection."""

    name = "agent-logs scanner stop"

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.scanner.stop()
