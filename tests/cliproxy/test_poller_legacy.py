"""Legacy era end to end: the fake CLIProxy on loopback, the poller run synchronously, the
endpoints read back. Every expected figure is computed by hand in the comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.cliproxy.conftest import HEADERS, poller_of, ts
from tests.cliproxy.fake_cliproxy import FakeCLIProxy, Req

KEY1 = "sk-local-client-1"
# Across midnight in Asia/Bangkok (UTC+7); gpt-4o $2.50 in / $10 out, claude-sonnet-4-5 $3 in,
# $0.30 cache read, $15 out (per million, at these dates).
R1 = Req(KEY1, "gpt-4o", "2026-04-20T23:50:00.5+07:00", 1000, 100)  # 3,500 µ$ on 04-20
R2 = Req(KEY1, "gpt-4o", "2026-04-20T17:10:00Z", 2000, 200)  # 00:10 local → 04-21, 7,000 µ$
R3 = Req(
    KEY1, "claude-sonnet-4-5-20250929", "2026-04-21T00:30:00+07:00", 3000, 500, cached_tokens=2000
)
# 3,000 input of which 2,000 cache reads; Claude reports input_tokens 1,000 (fresh only), and a v6
# total of 1,500. Claude's 1,000 input exclude the 2,000 cache reads: 1000×3 + 2000×0.3 + 500×15 = 11,100 µ$


def daily(app: Flask, start: str = "2026-04-19", end: str = "2026-04-22") -> list[dict[str, Any]]:
    response = app.test_client().get(
        f"/api/collector/stats/daily?from={start}&to={end}", headers=HEADERS
    )
    assert response.status_code == 200, response.get_json()
    days: list[dict[str, Any]] = response.get_json()["days"]
    return days


def summary(app: Flask) -> list[tuple[str, int, int, int]]:
    return [
        (d["date"], d["total_requests"], d["total_tokens"], d["cost_micro_usd"]) for d in daily(app)
    ]


def test_day_across_midnight_in_non_utc_zone(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    fake_legacy.add(R1, R2, R3)
    app = cp_app(fake_legacy)
    result = poller_of(app, ts("2026-04-21T01:00:00+07:00")).run_once()
    assert result["ok"] and result["era"] == "legacy" and result["stored"] == 3
    assert summary(app) == [("2026-04-20", 1, 1100, 3500), ("2026-04-21", 2, 3700, 18_100)]
    day = daily(app)[1]
    assert day["cost_usd"] == "0.0181"
    assert day["breakdown"]["endpoints"]["sk-l…nt-1"]["models"]["gpt-4o"]["requests"] == 1
    assert fake_legacy.log[0] == ("/v0/management/usage", "Bearer mgmt-secret")
    # the same three requests in UTC all fall on 04-20 (16:50, 17:10, 17:30 UTC)
    settings = app.config["SETTINGS"]
    utc = cp_app(  # its own data folder too: one collector owns a folder
        fake_legacy,
        zone="UTC",
        DB_PATH=str(settings.db_path) + "-utc",
        STATE_PATH=str(settings.state_path) + "-utc",
    )
    poller_of(utc, ts("2026-04-21T01:00:00+07:00")).run_once()
    assert summary(utc) == [("2026-04-20", 3, 4800, 21_600)]


def test_same_records_read_twice_count_once(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    fake_legacy.add(R1, R2)
    app = cp_app(fake_legacy)
    poller = poller_of(app, ts("2026-04-21T01:00:00+07:00"))
    assert poller.run_once()["stored"] == 2
    fake_legacy.add(R3)
    assert poller.run_once()["stored"] == 1  # R1, R2 are in the snapshot again: not new
    assert poller.run_once()["stored"] == 0
    assert len(poller.ingestor.seen) == 3  # a re-read detail is skipped before it is priced
    assert summary(app) == [("2026-04-20", 1, 1100, 3500), ("2026-04-21", 2, 3700, 18_100)]


def test_proxy_restart_mid_day(cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy) -> None:
    fake_legacy.add(R2)
    app = cp_app(fake_legacy)
    poller = poller_of(app, ts("2026-04-21T00:20:00+07:00"))
    poller.run_once()
    fake_legacy.restart()  # counters and details back to zero
    fake_legacy.add(R3)
    assert poller.run_once()["stored"] == 1
    assert summary(app) == [("2026-04-21", 2, 3700, 18_100)]  # nothing lost, nothing twice


def test_undetailed_server_restart_and_false_start(cp_app: Callable[..., Flask]) -> None:
    """A server without details: the seed's snapshot deltas, on the poll's local date."""
    fake = FakeCLIProxy("legacy", details=False).start()
    try:
        app = cp_app(fake)
        poller = poller_of(app)
        fake.add(Req(KEY1, "gpt-4o", "2026-04-21T08:00:00+07:00", 1000, 0))
        poller.clock = lambda: ts("2026-04-21T09:00:00+07:00")
        poller.run_once()  # first run: imports 1 request / 1,000 tokens
        fake.add(Req(KEY1, "gpt-4o", "2026-04-21T09:01:00+07:00", 400, 100))
        history = [
            Req("sk-other-client-22", "gemini-2.5-pro", "2026-04-01T00:00:00Z", 50_000, 0)
        ] * 4
        fake.add(*history)  # a key arriving with 200,000 tokens of history: false start
        poller.clock = lambda: ts("2026-04-21T09:05:00+07:00")
        poller.run_once()  # +1 request / 500 tokens; the gemini key skipped
        fake.restart()
        fake.add(Req(KEY1, "gpt-4o", "2026-04-21T09:07:00+07:00", 250, 50))
        poller.clock = lambda: ts("2026-04-21T09:10:00+07:00")
        poller.run_once()  # counters dropped: restart → +1 request / 300 tokens
        (day,) = daily(app)
        assert (day["date"], day["total_requests"], day["total_tokens"]) == ("2026-04-21", 3, 1800)
        assert (day["undetailed_requests"], day["unpriced_requests"], day["cost_micro_usd"]) == (
            3,
            3,
            None,  # counters without details cannot be priced: null, never $0
        )
        assert day["pricing_status"] == "unpriced"
        assert set(day["breakdown"]["models"]) == {"gpt-4o"}
    finally:
        fake.close()


def test_detects_queue_era_on_404(cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy) -> None:
    fake_queue.add(R1)
    app = cp_app(fake_queue)
    result = poller_of(app).run_once()
    assert (result["era"], result["stored"]) == ("queue", 1)
    assert fake_queue.paths()[:2] == ["/v0/management/usage", "/v0/management/usage-queue"]
    health = app.test_client().get("/api/collector/health").get_json()
    assert (
        health["cliproxy"]["era"] == "queue" and health["cliproxy"]["cliproxy_version"] == "7.2.140"
    )
