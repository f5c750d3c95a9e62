"""The history part of `by=model` answers, aggregated and rendered once per (range, group, fold).

The dashboard asks the same ranges every minute, and the folded history only changes at a reset,
while a year of day rows is 54,750 rows: aggregating, building and JSON-encoding them is most of
the answer's time. So the history's report is kept with its rows rendered (and, on first use, each
row's JSON text and CSV line); a request lays the live buckets and the other sources over it
(`ModelReport.overlay`), renders only the rows they touch, adjusts the kept totals by the
difference, and splices the kept texts of the other rows into the answer.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ..usage_buckets import UsageDays
from .model_report import CSV_COLUMNS, Key, ModelReport, Totals

_encode = json.JSONEncoder(separators=(",", ":")).encode


def _csv_line(row: dict[str, Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        ["" if row[c] is None else row[c] for c in CSV_COLUMNS]
    )
    return out.getvalue()


class Rendered:
    """A history-only report, rendered: sorted keys, rows, each row's share of the totals."""

    def __init__(self, report: ModelReport) -> None:
        self.report = report
        self.keys = sorted(report.counts)
        self.shares: dict[Key, tuple[int | Decimal | None, bool]] = {}
        self.totals = Totals()
        self.by_source: dict[str, Totals] = {}
        for key in self.keys:
            cost, partial = self.shares[key] = report.share(key)
            self.totals.add(report.counts[key], cost, partial)
            source = report.source_of.get(key[1], key[1])
            self.by_source.setdefault(source, Totals()).add(report.counts[key], cost, partial)
        self._lock = threading.Lock()
        self._texts: dict[str, dict[Key, str]] = {}

    def texts(self, fmt: str) -> dict[Key, str]:
        """Each row as JSON text or as a CSV line, built on first use. Only the texts are kept,
        not the row objects: a year of day rows is ~10 MB of JSON but ~50 MB of dicts."""
        with self._lock:
            if fmt not in self._texts:
                encode = _encode if fmt == "json" else _csv_line
                render = self.report.render_row
                self._texts[fmt] = {key: encode(render(key)[0]) for key in self.keys}
            return self._texts[fmt]

    def answer(
        self,
        top: ModelReport,
        fmt: str,
        subscriptions: Sequence[tuple[str, Decimal]],
        extra: dict[str, Any],
    ) -> str:
        """The whole answer (JSON or CSV text) of this history with `top` laid over it."""
        base = self.report
        fresh = {key: top.render_row(key) for key in top.counts}
        totals = self.totals.copy()
        by_source = {name: t.copy() for name, t in self.by_source.items()}
        source_of = base.source_of | top.source_of
        for key, (_row, cost, partial) in fresh.items():
            source = source_of.get(key[1], key[1])
            part = by_source.setdefault(source, Totals())
            if key in self.shares:  # take the history's row out, put the new one in
                old_cost, old_partial = self.shares[key]
                totals.add(base.counts[key], old_cost, old_partial, sign=-1)
                part.add(base.counts[key], old_cost, old_partial, sign=-1)
            totals.add(top.counts[key], cost, partial)
            part.add(top.counts[key], cost, partial)
        keys = self.keys
        new = sorted(key for key in fresh if key not in self.shares)
        if new:
            keys = keys[:]
            for key in new:
                bisect.insort(keys, key)
        texts = self.texts(fmt)
        if fmt == "csv":
            header = ",".join(CSV_COLUMNS) + "\n"
            return header + "".join(
                _csv_line(fresh[key][0]) if key in fresh else texts[key] for key in keys
            )
        rows = ",".join(_encode(fresh[key][0]) if key in fresh else texts[key] for key in keys)
        head = _encode(top.head())[:-1]
        tail = _encode(top.tail(totals, by_source, subscriptions) | extra)[1:]
        return f'{head},"rows":[{rows}],{tail}'


class ReportMemo:
    """The rendered history of the last few queries (least recently used goes first)."""

    SIZE = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, Rendered] = OrderedDict()

    def rendered(self, key: Any, history: UsageDays, build: Callable[[], ModelReport]) -> Rendered:
        """The rendered report of `history` for `key` (range, group, prices), built on a miss."""
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and cached.report.history is history:
                self._entries.move_to_end(key)
                return cached
        report = build()
        report.add_web([history])
        report.history = history
        done = Rendered(report)
        with self._lock:
            self._entries[key] = done
            self._entries.move_to_end(key)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return done
