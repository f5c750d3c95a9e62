"""Prometheus metrics of one app, in its own registry (no import-time globals, so tests can build
many apps). Served at `/metrics` in the text format."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
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
    process started."""

    def __init__(self, counts: dict[tuple[str, str, str], int]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "collector_model_tokens",
            "Tokens accepted since the process started, by host, model and direction",
            labels=["host", "model", "direction"],
        )
        for labels, n in sorted(dict(self._counts).items()):  # dict(): one atomic copy
            family.add_metric(list(labels), n)
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
        self._init_model_tokens()

    def applied(self, deltas: dict[str, int]) -> None:
        self._applied.inc()
        for host, n in deltas.items():
            child = self._tokens_by_host.get(host)
            if child is None:
                child = self._tokens_by_host[host] = self.tokens_accepted.labels(host)
            child.inc(n)

    # ---- per host and model (issue #13): a small additive block ------------------------------
    def _init_model_tokens(self) -> None:
        # Plain ints, added under the store's lock (cheaper than a prometheus Counter's own lock
        # per series per batch), exported at scrape time by _ModelTokens.
        self.model_tokens: dict[tuple[str, str, str], int] = {}
        self.registry.register(_ModelTokens(self.model_tokens))

    def applied_usage(self, usage: Iterable[Any]) -> None:
        """Count a batch's usage rows; the caller holds the store's lock. Labels come from
        validated rows only, and at most MAX_MODEL_SERIES (host, model) pairs get their own
        series; later pairs share model="other"."""
        counts = self.model_tokens
        for row in usage:
            model = "unknown" if row.model is None else row.model
            key_in = (row.host, model, "input")
            if key_in not in counts:
                if len(counts) >= 2 * MAX_MODEL_SERIES:
                    key_in = (row.host, "other", "input")
                counts.setdefault(key_in, 0)
                counts.setdefault((key_in[0], key_in[1], "output"), 0)
            counts[key_in] += row.input
            key_out = (key_in[0], key_in[1], "output")
            counts[key_out] += row.output

    def track_store(self, store: Store) -> None:
        self.registry.register(_StoreCollector(store))


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
