"""Prometheus metrics of one app, in its own registry (no import-time globals, so tests can build
many apps). Served at `/metrics` in the text format."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app
from flask.typing import ResponseReturnValue
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .auth import check_api_key

if TYPE_CHECKING:
    from .store import Store

bp = Blueprint("metrics", __name__)

# Distinct (host, model) series of collector_model_tokens; models are validated but chosen by
# clients, so the label set is bounded here, not by trust.
MAX_MODEL_SERIES = 500


class _StoreCollector(Collector):
    """Reads the live counters at scrape time, so they are never stale or duplicated."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        view = self._store.view()
        tokens = GaugeMetricFamily(
            "collector_host_tokens", "Tokens per host since the last reset", labels=["host"]
        )
        for host, n in sorted(view.counters.items()):
            tokens.add_metric([host], n)
        yield tokens
        yield GaugeMetricFamily(
            "collector_known_clients",
            "Clients that ever sent a batch",
            value=self._store.client_count(),
        )
        yield GaugeMetricFamily(
            "collector_checkpoint_age_seconds",
            "Seconds since state.json was last written",
            value=max(0.0, time.time() - self._store.last_checkpoint),
        )


class _ModelTokens(Collector):
    """collector_model_tokens_total{host,model,direction}: tokens of the usage detail since the
    data folder was created (kept in state.json and the journal, like the per-host total), read
    at scrape time. Labels come from validated rows only; the first MAX_MODEL_SERIES (host, model)
    pairs in stored order (host by host, each host's models as first seen) get their own series,
    and the rest are summed per host under model="other"."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "collector_model_tokens",
            "Tokens of the usage detail since the data folder was created, by host, model and "
            "direction",
            labels=["host", "model", "direction"],
        )
        series: dict[tuple[str, str], list[int]] = {}
        for host, models in self._store.model_tokens().items():
            for model, (tokens_in, tokens_out) in models.items():
                name = model or "unknown"
                if len(series) >= MAX_MODEL_SERIES and (host, name) not in series:
                    name = "other"
                acc = series.setdefault((host, name), [0, 0])
                acc[0] += tokens_in
                acc[1] += tokens_out
        for (host, model), (tokens_in, tokens_out) in sorted(series.items()):
            family.add_metric([host, model, "input"], tokens_in)
            family.add_metric([host, model, "output"], tokens_out)
        yield family


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

    def track_store(self, store: Store) -> None:
        self.registry.register(_StoreCollector(store))
        self.registry.register(_ModelTokens(store))  # issue #13: per host and model


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
