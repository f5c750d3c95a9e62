"""CLIProxy source: polls CLIProxy's management API into SQLite (built under issue 5)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to wire until the source exists; the collector runs without it."""
