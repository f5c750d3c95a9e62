"""Prometheus: CLIProxy cost and tokens per model, read from SQLite at scrape time."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .db import connect
from .reports import pricing

log = logging.getLogger(__name__)


class CliproxyCollector(Collector):
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        cost = CounterMetricFamily(
            "collector_cliproxy_cost_usd", "Priced cost of CLIProxy requests", labels=["model"]
        )
        tokens = CounterMetricFamily(
            "collector_cliproxy_tokens", "Tokens of CLIProxy requests", labels=["model", "kind"]
        )
        requests = CounterMetricFamily(
            "collector_cliproxy_requests", "CLIProxy requests", labels=["model", "pricing"]
        )
        status = GaugeMetricFamily(
            "collector_cliproxy_pricing_status",
            "1 for the model's pricing status: priced, partial (some requests unpriced) or "
            "unpriced (no cost series: unpriced is never $0)",
            labels=["model", "status"],
        )
        if self.db_path.exists():
            try:
                db = connect(self.db_path)
                try:
                    rows = db.execute(
                        "SELECT model, SUM(cost_micro), SUM(input_tokens), SUM(output_tokens), "
                        "SUM(cached_tokens), SUM(total_tokens), SUM(requests), SUM(unpriced_requests) "
                        "FROM daily_usage GROUP BY model"
                    ).fetchall()
                finally:
                    db.close()
            except sqlite3.Error as exc:
                log.warning("metrics: CLIProxy database not readable: %s", exc)
                rows = []
            for model, micro, inp, out, cached, total, req, unpriced in rows:
                priced = pricing(micro, req, unpriced)
                status.add_metric([model, priced["pricing_status"]], 1)
                if priced["cost_micro_usd"] is not None:
                    cost.add_metric([model], micro / 1_000_000)
                for kind, value in (("input", inp), ("output", out), ("cached", cached)):
                    tokens.add_metric([model, kind], value)
                tokens.add_metric([model, "total"], total)
                requests.add_metric([model, "priced"], req - unpriced)
                requests.add_metric([model, "unpriced"], unpriced)
        yield cost
        yield tokens
        yield requests
        yield status


def init_app(app: Flask) -> None:
    metrics = app.extensions.get("metrics")
    registry = getattr(metrics, "registry", None)
    if registry is not None:
        registry.register(CliproxyCollector(app.config["SETTINGS"].db_path))
