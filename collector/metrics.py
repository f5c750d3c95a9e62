"""Prometheus metrics of one app, in its own registry (no import-time globals, so tests can build
many apps). Served at `/metrics` in the text format."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from flask.typing import ResponseReturnValue
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .auth import check_api_key

bp = Blueprint("metrics", __name__)


class _LiveCollector(Collector):
    """Reads the live values at scrape time, so they are never stale or duplicated. It is handed
    functions, not the store, so this module does not depend on the store."""

    def __init__(
        self,
        counters: Callable[[], dict[str, int]],
        client_count: Callable[[], int],
        last_checkpoint: Callable[[], float],
    ) -> None:
        self._counters = counters
        self._client_count = client_count
        self._last_checkpoint = last_checkpoint

    def collect(self) -> Iterator[GaugeMetricFamily]:
        tokens = GaugeMetricFamily(
            "collector_host_tokens", "Tokens per host since the last reset", labels=["host"]
        )
        for host, n in sorted(self._counters().items()):
            tokens.add_metric([host], n)
        yield tokens
        yield GaugeMetricFamily(
            "collector_known_clients", "Clients that ever sent a batch", value=self._client_count()
        )
        yield GaugeMetricFamily(
            "collector_checkpoint_age_seconds",
            "Seconds since state.json was last written",
            value=max(0.0, time.time() - self._last_checkpoint()),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.add_results = Counter(
            "collector_add_requests",
            "Batches answered by /add, by outcome",
            ["result"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "collector_add_rejected",
            "Batches refused as bad input, by error code",
            ["reason"],
            registry=self.registry,
        )
        self.tokens_accepted = Counter(
            "collector_tokens_accepted",
            "Tokens accepted since the process started, by host (survives /reset)",
            ["host"],
            registry=self.registry,
        )
        self.fsync_seconds = Histogram(
            "collector_journal_fsync_seconds",
            "Time one journal flush (fdatasync) took",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.resets = Counter(
            "collector_resets", "Resets that wrote a snapshot", registry=self.registry
        )

        # Label children looked up once: `labels()` takes a lock and a dict lookup on every call.
        self._applied = self.add_results.labels("applied")
        self.duplicates = self.add_results.labels("duplicate")
        self.out_of_order = self.add_results.labels("out_of_order")
        self._tokens_by_host: dict[str, Any] = {}

    def applied(self, deltas: dict[str, int]) -> None:
        self._applied.inc()
        for host, n in deltas.items():
            child = self._tokens_by_host.get(host)
            if child is None:
                child = self._tokens_by_host[host] = self.tokens_accepted.labels(host)
            child.inc(n)

    def track_live(
        self,
        counters: Callable[[], dict[str, int]],
        client_count: Callable[[], int],
        last_checkpoint: Callable[[], float],
    ) -> None:
        """Export the live counters, client count and checkpoint age, read at scrape time."""
        self.registry.register(_LiveCollector(counters, client_count, last_checkpoint))


@bp.get("/metrics")
def metrics_view() -> ResponseReturnValue:
    if not current_app.config["SETTINGS"].metrics_public:
        refusal = check_api_key()
        if refusal is not None:
            return refusal
    body = generate_latest(current_app.extensions["metrics"].registry)
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    app.extensions["metrics"] = Metrics()
    app.register_blueprint(bp)
