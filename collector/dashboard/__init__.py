"""The dashboard: the page at `/` and `/dashboard`, its static files, and `GET /usage`."""

from __future__ import annotations

from flask import Flask

from . import cliproxy_usage, model_memo, model_view, page, usage


def init_app(app: Flask) -> None:
    """Register the open page and the keyed `/usage` endpoint (with its `by=model` sources)."""
    app.register_blueprint(page.bp)
    app.register_blueprint(usage.bp)
    settings = app.config["SETTINGS"]
    app.extensions["model_history"] = model_view.HistoryCache(settings.snap_dir)
    app.extensions["model_report_memo"] = model_memo.ReportMemo()
    sources = app.extensions.setdefault("usage_sources", [])
    sources.append(cliproxy_usage.make_source(settings.db_path))
