"""The dashboard: the page at `/` and `/dashboard`, its static files, and `GET /usage`."""

from __future__ import annotations

from flask import Flask

from . import page, usage


def init_app(app: Flask) -> None:
    """Register the open page and the keyed `/usage` endpoint."""
    app.register_blueprint(page.bp)
    app.register_blueprint(usage.bp)
