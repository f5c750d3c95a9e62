"""Prometheus: agent tokens, cost and requests per source and model, read from SQLite at scrape.

Labels stay bounded: per source the MAX_MODELS models with the most tokens keep their names and
the rest are summed as model="other" (model names are also validated when stored).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .db import connect

log = logging.getLogger(__name__)
MAX_MODELS = 20
KINDS = ("input", "output", "cache_read", "cache_write")


class AgentsCollector(Collector):
    def __init__(self, db_path: Path, skipped: Callable[[], dict[str, int]]) -> None:
        self.db_path = db_path
        self.skipped = skipped

    def _rows(self) -> list[tuple[str, str, int, int, int, int, int, int, int]]:
        if not self.db_path.exists():
            return []
        try:
            db = connect(self.db_path)
            try:
                return db.execute(
                    "SELECT source, model, COUNT(*), SUM(input_tokens), SUM(output_tokens), "
                    "SUM(cache_read_tokens), SUM(cache_write_5m_tokens + cache_write_1h_tokens), "
                    "COALESCE(SUM(cost_pico), 0), SUM(cost_pico IS NULL) FROM agent_requests "
                    "GROUP BY source, model ORDER BY source, SUM(total_tokens) DESC"
                ).fetchall()
            finally:
                db.close()
        except sqlite3.Error as exc:
            log.warning("metrics: agent tables not readable: %s", exc)
            return []

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        tokens = CounterMetricFamily(
            "collector_agent_tokens",
            "Tokens of coding-agent requests",
            labels=["source", "model", "kind"],
        )
        cost = CounterMetricFamily(
            "collector_agent_cost_usd",
            "Priced cost of coding-agent requests",
            labels=["source", "model"],
        )
        requests = CounterMetricFamily(
            "collector_agent_requests",
            "Coding-agent requests",
            labels=["source", "model", "pricing"],
        )
        skipped = CounterMetricFamily(
            "collector_agent_skipped_lines", "Log lines that could not be read", labels=["source"]
        )
        folded: dict[tuple[str, str], list[int]] = {}
        seen: dict[str, int] = {}
        for source, model, *values in self._rows():
            seen[source] = seen.get(source, 0) + 1
            name = model if seen[source] <= MAX_MODELS else "other"
            acc = folded.setdefault((source, name), [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += v
        for (source, model), (n, inp, out, read, write, pico, unpriced) in folded.items():
            for kind, value in zip(KINDS, (inp, out, read, write), strict=True):
                tokens.add_metric([source, model, kind], value)
            if unpriced < n:  # a model no price source knows has no cost series, not $0
                cost.add_metric([source, model], pico / 1e12)
            requests.add_metric([source, model, "priced"], n - unpriced)
            requests.add_metric([source, model, "unpriced"], unpriced)
        for source, lines in sorted(self.skipped().items()):
            skipped.add_metric([source], lines)
        yield tokens
        yield cost
        yield requests
        yield skipped
