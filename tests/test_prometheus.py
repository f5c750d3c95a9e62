"""Two real collectors summed by a real Prometheus (Debian's 2.42), as docs/several-collectors.md
sets it up: bearer auth from a 0600 key file, a 1 s scrape interval, the shipped alert rules.

One collector is reset and the other restarted mid-test; Prometheus must still count every token
of the ledger once: `sum by (host)(collector_tokens_total)` equals what was sent, and neither the
reset nor the restart looks like a counter reset to `increase()`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support.collector_proc import REPO_ROOT, CollectorProcess
from tests.support.prometheus_proc import (
    INSTALL_HINT,
    PrometheusProcess,
    find_prometheus,
    free_port,
)

T = TypeVar("T")
WAIT_SECONDS = 15.0
TOKENS = "collector_tokens_total"
SUM_BY_HOST = f"sum by (host) ({TOKENS})"
# docs/several-collectors.md: per site, robust to a collector missing a few scrapes.
ALL_TIME = f"sum by (host) (last_over_time({TOKENS}[1h]))"


def per_period(period: str) -> str:
    """The guide's "tokens per site in the last <period>" (exact, counts hosts new in it)."""
    before = f"sum by (host) (last_over_time({TOKENS}[1h] offset {period}))"
    return f"{ALL_TIME} - ({before} or {ALL_TIME} * 0)"


def eventually(read: Callable[[], T], ok: Callable[[T], bool], what: str) -> T:
    """Poll `read` until `ok` holds, for at most WAIT_SECONDS; fail with the last value seen."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = read()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {WAIT_SECONDS}s")
        time.sleep(0.2)


@pytest.fixture
def prometheus_binary() -> str:
    binary = find_prometheus()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT + " (.ci/run installs it)")
        pytest.skip(INSTALL_HINT)
    return binary


@pytest.fixture
def cleanup() -> Iterator[list[CollectorProcess | PrometheusProcess]]:
    started: list[CollectorProcess | PrometheusProcess] = []
    yield started
    for proc in reversed(started):
        if isinstance(proc, CollectorProcess):
            proc.kill()  # no checkpoint needed: the folder is thrown away
        else:
            proc.stop()


class Ledger:
    """What the test sent, per collector and host, before and after the window opened."""

    def __init__(self) -> None:
        self.before: Counter[str] = Counter()
        self.window: Counter[str] = Counter()
        self.window_open = False
        self.seqs: Counter[str] = Counter()

    def send(self, collector: CollectorProcess, deltas: dict[str, int]) -> None:
        client = f"ext-{collector.data_dir.name}"
        self.seqs[client] += 1
        body = {"client_id": client, "seq": self.seqs[client], "deltas": deltas}
        status, answer = collector.request("POST", "/add", body)
        assert status == 200 and answer["applied"] == sum(deltas.values()), answer
        (self.window if self.window_open else self.before).update(deltas)

    @property
    def total(self) -> dict[str, float]:
        return {host: float(n) for host, n in (self.before + self.window).items()}


def test_prometheus_sums_two_collectors_across_a_reset_and_a_restart(
    prometheus_binary: str, tmp_path: Path, cleanup: list[CollectorProcess | PrometheusProcess]
) -> None:
    resetting = CollectorProcess(tmp_path / "a").start()
    cleanup.append(resetting)
    # Restarted on the same port, so Prometheus finds it again.
    restarting = CollectorProcess(tmp_path / "b", env={"PORT": str(free_port())}).start()
    cleanup.append(restarting)
    ledger = Ledger()
    ledger.send(resetting, {"chatgpt.com": 1000, "claude.ai": 300})
    ledger.send(restarting, {"chatgpt.com": 2000, "gemini.google.com": 700})

    targets = [c.url.removeprefix("http://") for c in (resetting, restarting)]
    alerts = REPO_ROOT / "deploy" / "prometheus" / "collector-alerts.yml"
    prometheus = PrometheusProcess(
        prometheus_binary, tmp_path / "prometheus", targets, "test-key", rule_files=[alerts]
    )
    cleanup.append(prometheus.start())
    eventually(
        lambda: prometheus.by_label(SUM_BY_HOST, "host"),
        lambda seen: seen == ledger.total,
        "first scrape of both collectors",
    )
    window_start = time.time()
    # Each target's scrapes run one after another: once one starting after window_start is in,
    # every scrape before it has its answer, so none of them can see a batch sent from here on.
    eventually(
        lambda: prometheus.query(f"timestamp(up == 1) > {window_start}"),
        lambda seen: len(seen) == 2,
        "a scrape of both collectors after the window opened",
    )
    ledger.window_open = True

    ledger.send(resetting, {"chatgpt.com": 11, "claude.ai": 22})
    ledger.send(restarting, {"chatgpt.com": 33, "gemini.google.com": 44})
    status, answer = resetting.request("POST", "/reset")
    assert status == 200 and answer["snapshot"], answer
    ledger.send(resetting, {"chatgpt.com": 5, "claude.ai": 6})

    restarting.stop()
    restarted_at = time.time()
    restarting.start()
    instance = targets[1]
    # Exported at full value from start-up: the first scrape after the restart shows it all.
    eventually(
        lambda: prometheus.query(f'timestamp({TOKENS}{{instance="{instance}"}}) > {restarted_at}'),
        lambda seen: len(seen) == 2,
        "a scrape of the restarted collector",
    )
    assert prometheus.by_label(f'{TOKENS}{{instance="{instance}"}}', "host") == {
        "chatgpt.com": 2033.0,
        "gemini.google.com": 744.0,
    }
    ledger.send(restarting, {"chatgpt.com": 7, "gemini.google.com": 8, "perplexity.ai": 9})

    eventually(
        lambda: prometheus.by_label(SUM_BY_HOST, "host"),
        lambda seen: seen == ledger.total,
        "sum by (host) of the whole ledger",
    )
    window_end = time.time()

    assert prometheus.by_label(ALL_TIME, "host", at=window_end) == ledger.total
    # The guide's per-day query with the test window as the period: exact, and it counts the
    # host first seen in the window.
    window = f"{round((window_end - window_start) * 1000)}ms"
    assert prometheus.by_label(per_period(window), "host", at=window_end) == {
        host: float(n) for host, n in ledger.window.items()
    }

    # increase() between each collector's last sample before the window and its last sample: no
    # counter reset seen at the /reset or the restart. A series' first sample is no increase to
    # Prometheus 2.x, so the host first seen in the window counts 0 here, or is absent while it
    # has one sample (the guide says so and gives the exact query above).
    increase: Counter[str] = Counter()
    for target in targets:
        first_ms, last_ms = _sample_span(prometheus, target, window_start, window_end)
        query = f'sum by (host) (increase({TOKENS}{{instance="{target}"}}[{last_ms - first_ms}ms]))'
        for host, value in prometheus.by_label(query, "host", at=last_ms / 1000).items():
            increase[host] += round(value, 6)
    assert increase.pop("perplexity.ai", 0) == 0
    assert dict(increase) == {h: n for h, n in ledger.window.items() if h != "perplexity.ai"}

    assert prometheus.query('{__name__=~"collector_.+_created"}') == []


def _sample_span(
    prometheus: PrometheusProcess, target: str, window_start: float, window_end: float
) -> tuple[int, int]:
    """(ms) The target's last scrape before the window opened and its last scrape in it."""
    series = prometheus.query(f'{TOKENS}{{instance="{target}"}}[60s]', at=window_end)
    stamps = sorted({round(float(ts) * 1000) for s in series for ts, _ in s["values"]})
    before = [ms for ms in stamps if ms <= window_start * 1000]
    assert before, f"no scrape of {target} before the window: {stamps}"
    return before[-1], stamps[-1]
