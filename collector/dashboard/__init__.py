"""Dashboard page and /usage (built under issue 6)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to wire until the dashboard exists."""
