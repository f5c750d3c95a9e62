"""`GET /usage?by=model`: rows per period, host and model, priced, plus totals.

Pure functions (tests and the benchmark call them without an app). Web chats come as day sums per
host and model, priced here at the base rates in force on each day (collector/pricing/rates.py):
input and context at the input rate, output at the output rate. Other sources (CLIProxy, coding
agents) hand in per-day rows already priced per request. A row's `cost_usd` is a decimal string,
or null when none of its tokens could be priced; `priced` says "all", "partial" or "none".

A year of 30 hosts x 5 models is 54,750 day rows, so the loops are flat: counts in lists keyed by
(period, host, model) with "" for a null model (tuples then sort natively), and web costs summed
as integers in 1e-15 USD (`Rates.scaled`), turned into decimals once per row.
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
_FEMTO = Decimal(10) ** -15  # the unit of the integer web costs
_MISSING = object()

Key = tuple[str, str, str]  # (period, host, model or "")


def usd(value: Decimal) -> str:
    """Six decimals (micro-dollars), the precision every source prices to."""
    return f"{value:.6f}"


class ModelReport:
    """Accumulates rows of every source for one query, then renders them."""

    def __init__(
        self, start: date, end: date, group: str, label_of: dict[str, str], book: RateBook
    ) -> None:
        """`label_of`: {date: period label} for every date of the range (usage.period_labels)."""
        self.start, self.end, self.group = start, end, group
        self.book = book
        self.label_of = label_of
        self._dates = {day: date.fromisoformat(day) for day in label_of}
        self.counts: dict[Key, list[int]] = {}
        self.femto: dict[Key, int] = {}  # web cost in 1e-15 USD
        self.decimal_cost: dict[Key, Decimal] = {}  # source costs, and rare unscalable rates
        self.unpriced: set[Key] = set()
        self.source_of: dict[str, str] = {}  # host -> "web" or the source's own host label
        self.history: Any = None  # the history these counts were built from (model_view.py)
        self.base: ModelReport | None = None  # see overlay()
        # (host, model) -> its price when the same every day: (rates, rates.scaled) or None
        self._static: dict[tuple[str, str], Any] = {}
        self._scaled: dict[Rates, tuple[int, int] | None] = {}
        self._refs: dict[tuple[str, str], Any] = {}

    def overlay(self) -> ModelReport:
        """An empty report on top of this one: a key it touches starts from this report's
        counts (copied then), the rest stay here. The history part is built once and shared by
        later requests of the same range (model_view.py, model_memo.py)."""
        top = ModelReport(self.start, self.end, self.group, self.label_of, self.book)
        top.base = self
        top._static, top._scaled, top._refs = self._static, self._scaled, self._refs
        return top

    def _touch(self, key: Key, web: bool) -> list[int]:
        """The counts of `key`, created here (from the base's, when it has the key)."""
        base = self.base
        if base is not None and key in base.counts:
            acc = self.counts[key] = base.counts[key][:]
            if key in base.femto:
                self.femto[key] = base.femto[key]
            if key in base.decimal_cost:
                self.decimal_cost[key] = base.decimal_cost[key]
            if key in base.unpriced:
                self.unpriced.add(key)
        else:
            acc = self.counts[key] = [0, 0, 0, 0, 0, 0]
        if web and key not in self.femto:
            self.femto[key] = 0
        return acc

    def _rates(self, host: str, model: str, day: str) -> tuple[Rates, Any] | None:
        """(rates, rates.scaled) for `model` on `host` on `day`, or None when unpriced."""
        static = self._static.get((host, model), _MISSING)
        if static is not _MISSING:
            return static  # type: ignore[no-any-return]
        ref = self._refs.get((host, model), _MISSING)
        if ref is _MISSING:
            ref = self._refs[(host, model)] = price_ref(host, model or None)
        if ref is None:
            self._static[(host, model)] = None
            return None
        rates = self.book.rates(ref, self._dates[day])
        if rates is None:
            found = None
        else:
            if rates not in self._scaled:
                self._scaled[rates] = rates.scaled
            found = (rates, self._scaled[rates])
        if self.book.is_static(ref):
            self._static[(host, model)] = found
        return found

    def add_web(self, sources: Iterable[UsageDays]) -> None:
        """Day sums of the web usage detail (history and live buckets; dates outside are skipped)."""
        counts, femto, label_of, static = self.counts, self.femto, self.label_of, self._static
        for source in sources:
            for day, hosts in source.items():
                label = label_of.get(day)
                if label is None:
                    continue
                for host, models in hosts.items():
                    self.source_of[host] = WEB
                    for model, (i, o, c, t) in models.items():
                        found = static.get((host, model), _MISSING)
                        if found is _MISSING:
                            found = self._rates(host, model, day)
                        key = (label, host, model)
                        acc = counts.get(key)
                        if acc is None:
                            acc = self._touch(key, web=True)
                        acc[0] += i
                        acc[1] += o
                        acc[2] += c
                        acc[3] += t
                        if found is None:
                            self.unpriced.add(key)
                            continue
                        rates, scaled = found
                        if scaled is None:
                            cost = self.decimal_cost.get(key, Decimal(0))
                            self.decimal_cost[key] = cost + rates.cost(i + c, o)
                        else:
                            femto[key] += (i + c) * scaled[0] + o * scaled[1]

    def add_source_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Per-day rows of a plugged-in source (see `usage_sources` in docs/api.md)."""
        for item in rows:
            label = self.label_of.get(str(item["day"]))
            if label is None:
                continue
            host = str(item["host"])
            self.source_of.setdefault(host, host)
            key = (label, host, item.get("model") or "")
            acc = self.counts.get(key)
            if acc is None:
                acc = self._touch(key, web=False)
            for k, name in enumerate(COUNTS):
                acc[k] += int(item.get(name) or 0)
            cost = item.get("cost_usd")
            if cost is None:
                self.unpriced.add(key)
            else:
                self.decimal_cost[key] = self.decimal_cost.get(key, Decimal(0)) + Decimal(str(cost))

    def _cost(self, key: Key) -> tuple[int, Decimal | None] | None:
        """(web cost in 1e-15 USD, other cost in USD or None), or None when nothing is priced."""
        femto = self.femto.get(key, 0)
        extra = self.decimal_cost.get(key)
        if not femto and extra is None and (key not in self.femto or key in self.unpriced):
            return None  # no priced part (a priced web model with no tokens costs 0)
        return femto, extra

    def share(self, key: Key) -> tuple[int | Decimal | None, bool]:
        """The row's cost for the totals (femto-dollars when web only, else USD; None when
        nothing is priced) and whether part of it is unpriced."""
        parts = self._cost(key)
        if parts is None:
            return None, key in self.unpriced
        femto, extra = parts
        return (femto if extra is None else Decimal(femto) * _FEMTO + extra), key in self.unpriced

    def render_row(self, key: Key) -> tuple[dict[str, Any], int | Decimal | None, bool]:
        """(the answer's row, its cost for the totals: femto-dollars, USD or None, partial?)."""
        label, host, model = key
        c = self.counts[key]
        cost, partial = self.share(key)
        if cost is None:
            text, priced = None, "none"
        else:
            # the common case is web only, in integer femto-dollars, formatted with ints
            text = _femto_usd(cost) if isinstance(cost, int) else usd(cost)
            priced = "partial" if partial else "all"
        row = {
            "period": label,
            "host": host,
            "model": model or None,
            "input": c[0],
            "output": c[1],
            "context": c[2],
            "turns": c[3],
            "cache_read": c[4],
            "cache_write": c[5],
            "cost_usd": text,
            "priced": priced,
        }
        return row, cost, partial

    def render(self, subscriptions: Sequence[tuple[str, Decimal]] = ()) -> dict[str, Any]:
        """The whole answer from this report alone (no base)."""
        out_rows = []
        totals = Totals()
        by_source: dict[str, Totals] = {}
        for key in sorted(self.counts):  # periods sort as text: ISO dates, Mondays, YYYY-MM
            row, cost, partial = self.render_row(key)
            out_rows.append(row)
            totals.add(self.counts[key], cost, partial)
            source = self.source_of.get(key[1], key[1])
            part = by_source.get(source)
            if part is None:
                part = by_source[source] = Totals()
            part.add(self.counts[key], cost, partial)
        return self.head() | {"rows": out_rows} | self.tail(totals, by_source, subscriptions)

    def head(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "group": self.group,
            "by": "model",
        }

    @staticmethod
    def tail(
        totals: Totals, by_source: dict[str, Totals], subscriptions: Sequence[tuple[str, Decimal]]
    ) -> dict[str, Any]:
        return {
            "totals": totals.render(),
            "sources": {name: t.render() for name, t in sorted(by_source.items())},
            "subscriptions": [
                {"host": host, "usd_per_month": usd(amount)} for host, amount in subscriptions
            ],
        }


def _femto_usd(femto: int) -> str:
    """1e-15 USD as a six-decimal string, rounded half to even like `usd`, with ints only."""
    micro, rest = divmod(femto, 10**9)
    if rest * 2 > 10**9 or (rest * 2 == 10**9 and micro % 2):
        micro += 1
    dollars, micros = divmod(micro, 10**6)
    return f"{dollars}.{micros:06d}"


class Totals:
    """Sums over rows; `add` with sign -1 takes a row back out (model_memo.py)."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0, 0]
        self.femto = 0
        self.cost = Decimal(0)
        self.priced_rows = 0
        self.unpriced_rows = 0

    def copy(self) -> Totals:
        twin = Totals()
        twin.counts = self.counts[:]
        twin.femto, twin.cost = self.femto, self.cost
        twin.priced_rows, twin.unpriced_rows = self.priced_rows, self.unpriced_rows
        return twin

    def add(
        self, counts: list[int], cost: int | Decimal | None, partial: bool, sign: int = 1
    ) -> None:
        mine = self.counts
        for k in range(6):
            mine[k] += sign * counts[k]
        if cost is None:
            self.unpriced_rows += sign
            return
        if type(cost) is int:
            self.femto += sign * cost
        else:
            self.cost += sign * cost
        self.priced_rows += sign
        if partial:
            self.unpriced_rows += sign

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(COUNTS, self.counts, strict=True))
        total = self.cost + Decimal(self.femto) * _FEMTO
        out["cost_usd"] = usd(total) if self.priced_rows else None
        out["unpriced_rows"] = self.unpriced_rows
        return out


CSV_COLUMNS = ("period", "host", "model", *COUNTS, "cost_usd", "priced")


def to_model_csv(report: Mapping[str, Any]) -> str:
    """One line per row; an empty `model` is a null model, an empty `cost_usd` is unpriced."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        ["" if row[c] is None else row[c] for c in CSV_COLUMNS] for row in report["rows"]
    )
    return out.getvalue()
