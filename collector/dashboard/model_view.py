"""The `by=model` answer of `GET /usage`: web history (cached) + live buckets + plugged-in sources.

The history is read once per fold (`HistoryCache`) and aggregated and rendered once per range
(`model_memo.ReportMemo`); each request lays the live buckets and the sources over it.
`app.extensions["usage_sources"]` is a list of callables `(start, end, zone) -> [row, ...]`, each
row a dict with day (YYYY-MM-DD), host, model, input, output, context, turns, cache_read,
cache_write and cost_usd (a decimal string, or None when unpriced). Register one with
`app.extensions.setdefault("usage_sources", []).append(fn)`. A source that raises is left out of
the answer and named in its `warnings`, so one broken source never hides the others.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask.typing import ResponseReturnValue

from ..fold import read_model_history
from ..models_csv import MODELS_CSV_NAME
from ..snapshot_files import pending_snapshots
from ..store import UsageView
from ..usage_buckets import UsageDays
from .model_memo import ReportMemo
from .model_report import ModelReport

log = logging.getLogger(__name__)

UsageSource = Callable[[date, date, str], list[dict[str, Any]]]


class HistoryCache:
    """The folded web history by model, re-read only when the CSV or the waiting snapshots change.

    A fold changes the CSV (a new file) and the pending snapshots (renamed) in separate steps; a
    read is kept only when the folder looked the same before and after it, and a state seen in
    the middle of a fold never equals a state seen between folds, so a cached answer is never a
    half-folded one.
    """

    def __init__(self, snap_dir: Path) -> None:
        self.snap_dir = snap_dir
        self._lock = threading.Lock()
        self._key: Any = None
        self._days: UsageDays = {}

    def _signature(self) -> Any:
        try:
            st = os.stat(self.snap_dir / MODELS_CSV_NAME)
            csv_key: Any = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            csv_key = None
        pending = tuple((p.name, p.stat().st_mtime_ns) for p in pending_snapshots(self.snap_dir))
        return csv_key, pending

    def days(self) -> UsageDays:
        """Read-only: callers must not change what this returns."""
        with self._lock:
            before = self._signature()
            if before == self._key:
                return self._days
            days = read_model_history(self.snap_dir)
            if self._signature() == before:
                self._key, self._days = before, days
            return days


def model_usage(
    start: date, end: date, group: str, fmt: str, labels: dict[str, str], view: UsageView
) -> ResponseReturnValue:
    app = current_app
    settings = app.config["SETTINGS"]
    cache: HistoryCache = app.extensions["model_history"]
    memo: ReportMemo = app.extensions["model_report_memo"]
    book = app.extensions["rate_book"]
    history = cache.days()
    # the llm-prices copy can be refreshed while running: its date is part of the key
    prices = book.pricer.llm_prices.updated_at if book.pricer.llm_prices else ""
    rendered = memo.rendered(
        (start, end, group, prices), history, lambda: ModelReport(start, end, group, labels, book)
    )
    top = rendered.report.overlay()
    top.add_web([view.usage_daily])
    extra: dict[str, Any] = {"bucket_timezone": view.bucket_timezone}
    warnings = []
    for source in app.extensions.get("usage_sources", []):
        try:
            top.add_source_rows(source(start, end, view.bucket_timezone))
        except Exception as exc:  # a plugged-in source must not take the answer down
            name = getattr(source, "__name__", repr(source))
            log.exception("usage source %s failed", name)
            warnings.append(f"usage source {name} failed: {exc}")
    if warnings:
        extra["warnings"] = warnings
    text = rendered.answer(top, fmt, settings.subscriptions, extra)
    if fmt == "csv":
        name = f"usage_by_model_{start}_{end}_{group}.csv"
        response = Response(text, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    else:
        response = Response(text, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
