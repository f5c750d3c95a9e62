"""Issue #12 points 1-5, each against the era and record shape it is about.

Expected prices come from `../shared/cliproxy-api.md` (genai-prices 0.2.3, read by hand), never
from the code under test: claude-sonnet-4-5 100k input (80k of it cache reads) + 20k output costs
$0.384 ($3 in, $0.30 cache read, $15 out per million); gpt-4o $2.50 in / $10 out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.cliproxy.conftest import HEADERS, poller_of, ts
from tests.cliproxy.fake_cliproxy import FakeCLIProxy, Req, running

KEY1 = "sk-local-client-1"
SONNET = "claude-sonnet-4-5-20250929"


def models(app: Flask, day: str = "2026-04-21") -> dict[str, dict[str, Any]]:
    answer = app.test_client().get(
        f"/api/collector/stats/models?from={day}&to={day}", headers=HEADERS
    )
    assert answer.status_code == 200
    return {m["model"]: m for m in answer.get_json()["models"]}


def days(app: Flask, day: str = "2026-04-21") -> list[dict[str, Any]]:
    answer = app.test_client().get(
        f"/api/collector/stats/daily?from={day}&to={day}", headers=HEADERS
    )
    result: list[dict[str, Any]] = answer.get_json()["days"]
    return result


# --- 1. no record lost to a slow retry ----------------------------------------------------------
def test_four_failed_polls_in_a_row_lose_no_queue_record(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    """Defaults: retention 60 s, queue interval 5 s. A record is made at every attempt; the fake's
    clock moves by exactly the wait the poller announces, so CLIProxy prunes what it would."""
    app = cp_app(fake_queue)
    poller = poller_of(app)
    assert poller.run_once()["ok"]  # era detected at t=0
    fake_queue.script = ["500"] * 4
    t, made = 0.0, 0
    wait = poller.health()["next_poll_in_seconds"]
    for minute in range(5):
        fake_queue.add(Req(KEY1, "gpt-4o", f"2026-04-21T09:{minute:02d}:00+07:00", 100, 10))
        made += 1
        t += wait
        fake_queue.now = t
        result = poller.run_once()
        wait = poller.health()["next_poll_in_seconds"]
        assert wait <= 60 / 6  # a retry never waits past a sixth of the retention
    assert result["ok"] and poller.failures == 0
    assert models(app)["gpt-4o"]["requests"] == made == 5


def test_shorter_retention_setting_shortens_the_backoff(cp_app: Callable[..., Flask]) -> None:
    with running("queue") as fake:
        fake.retention = 12
        poller = poller_of(cp_app(fake, CLIPROXY_QUEUE_RETENTION_SECONDS="12"))
        poller.run_once()
        fake.script = ["500"] * 3
        waits = []
        for _ in range(3):
            poller.run_once()
            waits.append(poller.health()["next_poll_in_seconds"])
        assert waits == [2.0, 2.0, 2.0]  # 12 s / 6, below even the 5 s interval


# --- 2. unpriced is never $0 --------------------------------------------------------------------
def test_unknown_model_is_null_and_unpriced_in_every_report(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    fake_legacy.add(
        Req(KEY1, "gpt-4o", "2026-04-21T08:00:00+07:00", 1000, 100),  # $0.0035
        Req(KEY1, "qwen3-coder-plus", "2026-04-21T08:05:00+07:00", 500, 50),  # unknown
    )
    app = cp_app(fake_legacy)
    poller_of(app, ts("2026-04-21T09:00:00+07:00")).run_once()
    qwen = models(app)["qwen3-coder-plus"]
    assert (qwen["cost_usd"], qwen["cost_micro_usd"], qwen["status"]) == (None, None, "unpriced")
    (day,) = days(app)
    # the day has one priced and one unpriced request: the priced part, marked partial
    assert (day["cost_usd"], day["pricing_status"], day["unpriced_requests"]) == (
        "0.0035",
        "partial",
        1,
    )
    breakdown = day["breakdown"]["models"]["qwen3-coder-plus"]
    assert (breakdown["cost_micro_usd"], breakdown["pricing_status"]) == (None, "unpriced")
    endpoint = day["breakdown"]["endpoints"]["sk-l…nt-1"]["models"]["qwen3-coder-plus"]
    assert endpoint["cost_micro_usd"] is None
    if "metrics" in app.extensions:
        text = app.test_client().get("/metrics", headers=HEADERS).get_data(as_text=True)
        assert 'collector_cliproxy_cost_usd_total{model="qwen3-coder-plus"}' not in text
        assert (
            'collector_cliproxy_pricing_status{model="qwen3-coder-plus",status="unpriced"} 1.0'
            in text
        )
        assert 'collector_cliproxy_cost_usd_total{model="gpt-4o"} 0.0035' in text


# --- 3. tokens mean what the serving provider says ------------------------------------------------
@pytest.mark.parametrize(
    ("version", "provider"),
    [
        pytest.param("7.0.3", "antigravity", id="claude-via-antigravity-no-breakdown"),
        pytest.param("7.0.3", "claude", id="claude-via-claude-no-breakdown"),
        pytest.param("6.10.8", "antigravity", id="claude-via-antigravity-minimal-record"),
        pytest.param("7.2.97", "antigravity", id="claude-via-antigravity-breakdown"),
        pytest.param("7.2.104", "openai-compatibility", id="claude-via-openai-compat"),
    ],
)
def test_rule_chosen_by_the_serving_provider(
    cp_app: Callable[..., Flask], version: str, provider: str
) -> None:
    with running("queue", version=version) as fake:
        fake.add(Req(KEY1, SONNET, "2026-04-21T09:00:00+07:00", 100_000, 20_000,
                     cached_tokens=80_000, provider=provider))  # fmt: skip
        app = cp_app(fake)
        assert poller_of(app).run_once()["stored"] == 1
        assert models(app)[SONNET]["cost_usd"] == "0.384"


def test_legacy_details_fall_back_to_the_model_name(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    """Legacy details carry no provider: the name is the last resort (Claude's rule here)."""
    fake_legacy.add(Req(KEY1, SONNET, "2026-04-21T09:00:00+07:00", 100_000, 20_000,
                        cached_tokens=80_000, provider="claude"))  # fmt: skip
    app = cp_app(fake_legacy)
    poller_of(app).run_once()
    assert models(app)[SONNET]["cost_usd"] == "0.384"


# --- 4. the trigger syncs rate limits at once ----------------------------------------------------
def test_trigger_syncs_a_new_limit_at_once(
    cp_app: Callable[..., Flask], fake_queue: FakeCLIProxy
) -> None:
    app = cp_app(fake_queue)
    poller = poller_of(app, ts("2026-04-21T09:00:00+07:00"))  # the clock stands still
    assert poller.run_once()["ok"]  # limits synced at this instant
    client = app.test_client()
    created = client.post(
        "/api/collector/limits",
        json={"model_pattern": "gpt", "reset_strategy": "daily", "token_limit": 1000},
        headers=HEADERS,
    )
    assert created.status_code == 201
    assert client.post("/api/collector/trigger", headers=HEADERS).status_code == 202
    for thread in threading.enumerate():
        if thread.name.endswith("-trigger"):
            thread.join(10)
    (status,) = client.get("/api/collector/limits/status", headers=HEADERS).get_json()["limits"]
    assert (status["status_label"], status["percentage"]) == ("0/1,000 Tokens", 100)


# --- 5. no double count against the v6.6.96 details cap -----------------------------------------
def test_details_pushed_out_by_the_cap_are_not_counted_again(cp_app: Callable[..., Flask]) -> None:
    with running("legacy", version="6.6.96") as fake:
        stamp = "2026-04-21T09:{:02d}:{:02d}.{:04d}+07:00"
        reqs = [Req(KEY1, "gpt-4o", stamp.format(i // 3600, i // 60 % 60, i), 10, 1)
                for i in range(1070)]  # fmt: skip
        fake.add(*reqs[:1050])  # the snapshot keeps the newest 1,000 details, counts 1,050
        app = cp_app(fake)
        poller = poller_of(app, ts("2026-04-21T10:00:00+07:00"))
        assert poller.run_once()["ok"]
        assert days(app)[0]["total_requests"] == 1050
        fake.add(*reqs[1050:])  # 20 more push 20 stored details out
        assert poller.run_once()["ok"]
        (day,) = days(app)
        assert (day["total_requests"], day["total_tokens"]) == (1070, 1070 * 11)
        assert day["undetailed_requests"] == 50
        fake.restart()  # counters back to zero: the carried count starts afresh
        fake.add(*[Req(KEY1, "gpt-4o", f"2026-04-21T09:59:{i:02d}+07:00", 10, 1) for i in range(3)])
        assert poller.run_once()["stored"] == 3
        (day,) = days(app)
        assert (day["total_requests"], day["undetailed_requests"]) == (1073, 50)


@pytest.mark.parametrize(
    ("provider", "executor", "model", "family"),
    [
        # CLIProxyAPI sdk/cliproxy/usage/accounting.go tokenAccountingSemanticsFor, v7.2.140
        ("antigravity", "AntigravityExecutor", SONNET, "gemini"),
        ("openai-compatibility", "OpenAICompatExecutor", SONNET, "openai"),
        ("openrouter", "OpenAICompatExecutor", "claude-opus-4-5", "openai"),  # executor first
        ("openai-compatible-acme", "", SONNET, "openai"),
        ("claude", "ClaudeExecutor", "gpt-4o", "anthropic"),
        ("vertex", "GeminiVertexExecutor", SONNET, "gemini"),
        ("codex", "CodexExecutor", "gemini-2.5-pro", "openai"),
        ("kimi", "KimiExecutor", "kimi-k2", "openai"),
        # CLIProxy leaves these unknown: the model name is the last resort
        ("unknown", "unknown", SONNET, "anthropic"),
        ("", "", "gemini-2.5-pro", "gemini"),
        ("iflow", "IFlowExecutor", "glm-4.6", "openai"),
    ],
)
def test_provider_family_follows_cliproxy(
    provider: str, executor: str, model: str, family: str
) -> None:
    from collector.cliproxy import names

    assert names.family(model, provider, executor) == family
