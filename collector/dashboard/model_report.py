"""`GET /usage?by=model`: rows per period, host and model, priced, plus totals.

Pure functions (tests and the benchmark call them without an app). Web chats come as day sums per
host and model, priced here at the base rates in force on each day (collector/pricing/rates.py):
input and context at the input rate, output at the output rate. Other sources (CLIProxy, coding
agents) hand in per-day rows already priced per request. A row's `cost_usd` is a decimal string,
or null when none of its tokens could be priced; `priced` says "all", "partial" or "none".
Tokens are summed per (period, host, model) and per rate first and multiplied once per group, so a
year of 30 hosts x 5 models stays a few thousand Decimal operations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..pricing.rates import RateBook, Rates
from ..pricing.web import price_ref
from ..usage_buckets import UsageDays

COUNTS = ("input", "output", "context", "turns", "cache_read", "cache_write")
WEB = "web"


def usd(value: Decimal) -> str:
    """Six decimals (micro-dollars), the precision every source prices to."""
    return f"{value:.6f}"


class _Row:
    __slots__ = ("counts", "per_rate", "priced", "priced_cost", "unpriced")

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0, 0]
        self.priced_cost = Decimal(0)
        self.priced = False
        self.unpriced = False
        self.per_rate: dict[Rates, list[int]] = {}  # web: [input + context, output] per rate

    def cost(self) -> Decimal | None:
        total = self.priced_cost
        for rates, (tokens_in, tokens_out) in self.per_rate.items():
            total += rates.cost(tokens_in, tokens_out)
        return total if self.priced or self.per_rate else None

    def priced_label(self) -> str:
        if not (self.priced or self.per_rate):
            return "none"
        return "partial" if self.unpriced else "all"


class ModelReport:
    """Accumulates rows of every source for one query, then renders them."""

    def __init__(
        self, start: date, end: date, group: str, label_of: dict[str, str], book: RateBook
    ) -> None:
        """`label_of`: {date: period label} for every date of the range (usage.period_labels)."""
        self.start, self.end, self.group = start, end, group
        self.book = book
        self.label_of = label_of
        self._dates = {day: date.fromisoformat(day) for day in self.label_of}
        self._refs: dict[tuple[str, str | None], str | None] = {}
        self.rows: dict[tuple[str, str, str | None], _Row] = {}
        self.source_of: dict[str, str] = {}  # host -> "web" or the source's own host label

    def _row(self, label: str, host: str, model: str | None) -> _Row:
        key = (label, host, model)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = _Row()
        return row

    def add_web(self, days: Iterable[UsageDays]) -> None:
        """Day sums of the web usage detail (history and live buckets; dates outside are skipped)."""
        for source in days:
            for day, hosts in source.items():
                label = self.label_of.get(day)
                if label is None:
                    continue
                for host, models in hosts.items():
                    self.source_of[host] = WEB
                    for model_key, (i, o, c, t) in models.items():
                        self._add_web_counts(label, day, host, model_key or None, i, o, c, t)

    def _add_web_counts(
        self, label: str, day: str, host: str, model: str | None, i: int, o: int, c: int, t: int
    ) -> None:
        row = self._row(label, host, model)
        counts = row.counts
        counts[0] += i
        counts[1] += o
        counts[2] += c
        counts[3] += t
        key = (host, model)
        if key not in self._refs:
            self._refs[key] = price_ref(host, model)
        ref = self._refs[key]
        rates = None if ref is None else self.book.rates(ref, self._dates[day])
        if rates is None:
            row.unpriced = row.unpriced or bool(i or o or c)
            return
        acc = row.per_rate.get(rates)
        if acc is None:
            acc = row.per_rate[rates] = [0, 0]
        acc[0] += i + c
        acc[1] += o

    def add_source_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Per-day rows of a plugged-in source (see `usage_sources` in docs/api.md)."""
        for item in rows:
            label = self.label_of.get(str(item["day"]))
            if label is None:
                continue
            host = str(item["host"])
            self.source_of.setdefault(host, host)
            row = self._row(label, host, item.get("model"))
            for k, name in enumerate(COUNTS):
                row.counts[k] += int(item.get(name) or 0)
            cost = item.get("cost_usd")
            if cost is None:
                row.unpriced = True
            else:
                row.priced = True
                row.priced_cost += Decimal(str(cost))

    def render(self, subscriptions: Sequence[tuple[str, Decimal]] = ()) -> dict[str, Any]:
        periods = list(dict.fromkeys(self.label_of.values()))
        order = {label: n for n, label in enumerate(periods)}
        out_rows = []
        totals = _Totals()
        by_source: dict[str, _Totals] = {}
        for (label, host, model), row in sorted(
            self.rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2] or "")
        ):
            cost = row.cost()
            entry: dict[str, Any] = {"period": label, "host": host, "model": model}
            entry.update(zip(COUNTS, row.counts, strict=True))
            entry["cost_usd"] = None if cost is None else usd(cost)
            entry["priced"] = row.priced_label()
            out_rows.append(entry)
            totals.add(row.counts, cost, row.unpriced)
            source = self.source_of.get(host, host)
            by_source.setdefault(source, _Totals()).add(row.counts, cost, row.unpriced)
        report: dict[str, Any] = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "group": self.group,
            "by": "model",
            "rows": out_rows,
            "totals": totals.render(),
            "sources": {name: t.render() for name, t in sorted(by_source.items())},
            "subscriptions": [
                {"host": host, "usd_per_month": usd(amount)} for host, amount in subscriptions
            ],
        }
        return report


class _Totals:
    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0, 0]
        self.cost = Decimal(0)
        self.any_priced = False
        self.unpriced_rows = 0

    def add(self, counts: list[int], cost: Decimal | None, unpriced: bool) -> None:
        for k in range(len(COUNTS)):
            self.counts[k] += counts[k]
        if cost is not None:
            self.cost += cost
            self.any_priced = True
        if cost is None or unpriced:
            self.unpriced_rows += 1

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(COUNTS, self.counts, strict=True))
        out["cost_usd"] = usd(self.cost) if self.any_priced else None
        out["unpriced_rows"] = self.unpriced_rows
        return out


CSV_COLUMNS = ("period", "host", "model", *COUNTS, "cost_usd", "priced")


def to_model_csv(report: Mapping[str, Any]) -> str:
    """One line per row; an empty `model` is a null model, an empty `cost_usd` is unpriced."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
