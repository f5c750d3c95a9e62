"""The `by=model` answer of `GET /usage`: web history (cached) + live buckets + plugged-in sources.

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
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from ..models_csv import MODELS_CSV_NAME
from ..rollup import pending_snapshots, read_model_history
from ..store import UsageView
from ..usage_buckets import UsageDays
from .model_report import ModelReport, to_model_csv

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


class ReportMemo:
    """The history part of recent `by=model` answers, built once per (range, group, history).

    The dashboard asks the same ranges every minute; the folded history only changes at a reset,
    so its aggregation (most of the work for a year of day rows) is kept for the last few
    queries and copied, then the live buckets and the sources are added to the copy.
    """

    SIZE = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, ModelReport] = OrderedDict()

    def report(self, key: Any, history: UsageDays, build: Callable[[], ModelReport]) -> ModelReport:
        """A fresh copy of the report of `history` for `key`, built on a miss."""
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and cached.history is history:
                self._entries.move_to_end(key)
                return cached.copy()
        built = build()
        built.add_web([history])
        built.history = history
        with self._lock:
            self._entries[key] = built
            self._entries.move_to_end(key)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return built.copy()


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
    report = memo.report(
        (start, end, group, prices), history, lambda: ModelReport(start, end, group, labels, book)
    )
    report.add_web([view.usage_daily])
    warnings = []
    for source in app.extensions.get("usage_sources", []):
        try:
            report.add_source_rows(source(start, end, view.bucket_timezone))
        except Exception as exc:  # a plugged-in source must not take the answer down
            name = getattr(source, "__name__", repr(source))
            log.exception("usage source %s failed", name)
            warnings.append(f"usage source {name} failed: {exc}")
    body = report.render(settings.subscriptions)
    body["bucket_timezone"] = view.bucket_timezone
    if warnings:
        body["warnings"] = warnings
    if fmt == "csv":
        name = f"usage_by_model_{body['from']}_{body['to']}_{group}.csv"
        response = Response(to_model_csv(body), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    else:
        response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
