"""Prometheus metrics of one app, in its own registry (no import-time globals, so tests can build
many apps). Served at `/metrics` in the text format, to `X-API-KEY` or `Authorization: Bearer`.

`collector_tokens_total{host}` comes from the state (`tokens_total`), not from a process counter:
it keeps its value across restarts and resets, so Prometheus can sum several collectors."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .auth import bearer_token, key_is_valid, unauthorized

bp = Blueprint("metrics", __name__)

# Distinct (host, model) series of collector_model_tokens; models are validated but chosen by
# clients, so the label set is bounded here, not by trust.
MAX_MODEL_SERIES = 500


@dataclasses.dataclass(frozen=True)
class LiveReadings:
    """What the store shows at scrape time, as functions: this module does not depend on the store."""

    counters: Callable[[], dict[str, int]]  # since the last reset
    tokens_total: Callable[[], dict[str, int]]  # since the data folder was created
    model_tokens: Callable[[], dict[str, dict[str, list[int]]]]  # {host: {model: [in, out]}}
    client_count: Callable[[], int]
    last_checkpoint: Callable[[], float]  # epoch seconds
    journal_failed: Callable[[], bool]


class _LiveCollector(Collector):
    """Reads the live values at scrape time, so they are never stale or duplicated."""

    def __init__(self, live: LiveReadings) -> None:
        self._live = live

    def collect(self) -> Iterator[Metric]:
        # No `created`: Prometheus would take it for the counter's start, and this one survives
        # restarts (its start is the data folder's, which no timestamp here records).
        total = CounterMetricFamily(
            "collector_tokens",
            "Tokens accepted per host since the data folder was created (never decreases)",
            labels=["host"],
        )
        for host, n in sorted(self._live.tokens_total().items()):
            total.add_metric([host], n)
        yield total
        tokens = GaugeMetricFamily(
            "collector_host_tokens", "Tokens per host since the last reset", labels=["host"]
        )
        for host, n in sorted(self._live.counters().items()):
            tokens.add_metric([host], n)
        yield tokens
        yield GaugeMetricFamily(
            "collector_known_clients",
            "Clients that ever sent a batch",
            value=self._live.client_count(),
        )
        yield GaugeMetricFamily(
            "collector_checkpoint_age_seconds",
            "Seconds since state.json was last written",
            value=max(0.0, time.time() - self._live.last_checkpoint()),
        )
        yield GaugeMetricFamily(
            "collector_journal_failed",
            "1 while a failed journal write refuses batches (until a checkpoint succeeds)",
            value=1 if self._live.journal_failed() else 0,
        )


class _Registry(CollectorRegistry):
    """Drops the `_created` sample of counters and histograms.

    prometheus_client adds one per series; its only switch (`disable_created_metrics`) is
    process-wide. Each collect() builds new Metric objects, so editing them here is safe.
    """

    def collect(self) -> Iterator[Metric]:
        for family in super().collect():
            if family.type in ("counter", "histogram", "summary"):
                created = family.name + "_created"
                family.samples = [s for s in family.samples if s.name != created]
            yield family


class _ModelTokens(Collector):
    """collector_model_tokens_total{host,model,direction}: tokens of the usage detail since the
    data folder was created (kept in state.json and the journal, like the per-host total), read
    at scrape time. Labels come from validated rows only; the first MAX_MODEL_SERIES (host, model)
    pairs in stored order (host by host, each host's models as first seen) get their own series,
    and the rest are summed per host under model="other"."""

    def __init__(self, model_tokens: Callable[[], dict[str, dict[str, list[int]]]]) -> None:
        self._model_tokens = model_tokens

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "collector_model_tokens",
            "Tokens of the usage detail since the data folder was created, by host, model and "
            "direction",
            labels=["host", "model", "direction"],
        )
        series: dict[tuple[str, str], list[int]] = {}
        for host, models in self._model_tokens().items():
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
        self.registry: CollectorRegistry = _Registry(auto_describe=True)
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
        self.applied = self.add_results.labels("applied")
        self.duplicates = self.add_results.labels("duplicate")
        self.out_of_order = self.add_results.labels("out_of_order")

    def track_live(self, live: LiveReadings) -> None:
        """Export the store's live values (counters, totals, clients, checkpoint age, journal
        state, tokens per model), read at scrape time."""
        self.registry.register(_LiveCollector(live))
        self.registry.register(_ModelTokens(live.model_tokens))


@bp.get("/metrics")
def metrics_view() -> ResponseReturnValue:
    # Prometheus can send a bearer token but no custom header, so both are accepted here.
    if not current_app.config["SETTINGS"].metrics_public and not (
        key_is_valid(request.headers.get("X-API-KEY")) or key_is_valid(bearer_token())
    ):
        return unauthorized("missing or wrong X-API-KEY header or Authorization: Bearer token")
    body = generate_latest(current_app.extensions["metrics"].registry)
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    app.extensions["metrics"] = Metrics()
    app.register_blueprint(bp)
