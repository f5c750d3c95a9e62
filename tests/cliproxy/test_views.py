"""`/api/collector/…`: auth, validation (JSON 4xx changing nothing), limits CRUD, seeding, metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.cliproxy.conftest import HEADERS, poller_of, ts
from tests.cliproxy.fake_cliproxy import FakeCLIProxy, Req

GPT = {"model_pattern": "gpt", "reset_strategy": "daily", "token_limit": 10_000}


def test_disabled_source_answers_but_starts_nothing(cp_app: Callable[..., Flask]) -> None:
    app = cp_app(None)
    assert app.extensions["cliproxy"].poller is None
    assert all(s.name != "cliproxy-poller" for s in app.extensions.get("background", []))
    client = app.test_client()
    health = client.get("/api/collector/health")
    assert health.status_code == 200 and health.get_json()["cliproxy"]["enabled"] is False
    assert client.post("/api/collector/trigger", headers=HEADERS).status_code == 409
    days = client.get("/api/collector/stats/daily", headers=HEADERS)
    assert days.status_code == 200 and days.get_json()["days"] == []


def test_enabled_source_registers_its_service(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    app = cp_app(fake_legacy)
    services = [s.name for s in app.extensions["background"]]
    assert "cliproxy-poller" in services
    assert app.extensions["cliproxy"].poller._thread is None  # nothing started by create_app


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/collector/trigger"), ("post", "/api/collector/reset/1"),
     ("get", "/api/collector/stats/daily"), ("get", "/api/collector/stats/models"),
     ("get", "/api/collector/limits"), ("get", "/api/collector/limits/status")],
)  # fmt: skip
def test_key_required(cp_app: Callable[..., Flask], method: str, path: str) -> None:
    response = getattr(cp_app(None).test_client(), method)(path, headers={"X-API-KEY": "wrong"})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("query", "code"),
    [("from=2026-13-01", "bad_date"), ("to=yesterday", "bad_date"),
     ("from=2026-05-02&to=2026-05-01", "bad_range"), ("from=2000-01-01&to=2026-01-01", "bad_range")],
)  # fmt: skip
def test_bad_date_ranges(cp_app: Callable[..., Flask], query: str, code: str) -> None:
    client = cp_app(None).test_client()
    for path in ("/api/collector/stats/daily", "/api/collector/stats/models"):
        response = client.get(f"{path}?{query}", headers=HEADERS)
        assert response.status_code == 400 and response.get_json()["error"] == code


def test_reset_ids(cp_app: Callable[..., Flask]) -> None:
    client = cp_app(None).test_client()
    assert client.post("/api/collector/reset/abc", headers=HEADERS).status_code == 400
    assert client.post("/api/collector/reset/-1", headers=HEADERS).status_code == 400
    for method, path in (("POST", "/reset/x1"), ("GET", "/limits/x1"), ("DELETE", "/limits/1.5"),
                         ("POST", "/reset/%C2%B2"), ("GET", "/limits/%C2%B2")):  # fmt: skip
        bad = client.open("/api/collector" + path, method=method, headers=HEADERS)
        assert (bad.status_code, bad.get_json()["error"]) == (400, "bad_config_id")
    assert client.post("/api/collector/reset/42", headers=HEADERS).status_code == 404
    created = client.post("/api/collector/limits", json=GPT, headers=HEADERS).get_json()["config"]
    response = client.post(f"/api/collector/reset/{created['id']}", headers=HEADERS)
    assert response.status_code == 200
    assert response.get_json()["new_status"]["percentage"] == 100
    assert response.get_json()["new_status"]["status_label"] == "0/10,000 Tokens"
    assert response.get_json()["new_status"]["label"] == "0/10,000 Tokens"  # the seed's name


def test_limits_crud(cp_app: Callable[..., Flask]) -> None:
    client = cp_app(None).test_client()
    response = client.post("/api/collector/limits", json=GPT, headers=HEADERS)
    assert response.status_code == 201
    (status,) = client.get("/api/collector/limits/status", headers=HEADERS).get_json()["limits"]
    assert status["status_label"] == "0/10,000 Tokens"  # measured at once, not at the next poll
    cfg = response.get_json()["config"]
    assert (cfg["window_minutes"], cfg["request_limit"]) == (1440, None)
    url = f"/api/collector/limits/{cfg['id']}"
    changed = client.put(
        url, json={"reset_strategy": "rolling", "window_minutes": 300}, headers=HEADERS
    )
    assert (
        changed.status_code == 200 and changed.get_json()["config"]["reset_strategy"] == "rolling"
    )
    assert (
        client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"][0][
            "window_minutes"
        ]
        == 300
    )
    assert client.delete(url, headers=HEADERS).get_json() == {"deleted": cfg["id"]}
    assert client.get(url, headers=HEADERS).status_code == 404
    assert client.put("/api/collector/limits/x", json={}, headers=HEADERS).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"model_pattern": "", "reset_strategy": "daily"}, id="empty-pattern"),
        pytest.param({"model_pattern": "gpt", "reset_strategy": "fixed"}, id="fixed-unsupported"),
        pytest.param({**GPT, "token_limit": -5}, id="negative-limit"),
        pytest.param({**GPT, "token_limit": True}, id="bool-limit"),
        pytest.param({**GPT, "window_minutes": 0}, id="zero-window"),
        pytest.param({**GPT, "reset_anchor_ms": 1}, id="unknown-field"),
        pytest.param([GPT], id="not-object"),
    ],
)
def test_bad_configs_change_nothing(cp_app: Callable[..., Flask], body: Any) -> None:
    client = cp_app(None).test_client()
    response = client.post("/api/collector/limits", json=body, headers=HEADERS)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_config"
    assert client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"] == []
    bad_text = client.post(
        "/api/collector/limits", data="{", headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert (bad_text.status_code, bad_text.get_json()["error"]) == (400, "invalid_json")


def test_limit_bodies_are_json_only(cp_app: Callable[..., Flask]) -> None:
    """Read like /add's bodies: another media type is a 415 that changes nothing."""
    client = cp_app(None).test_client()
    form = client.post("/api/collector/limits", data=GPT, headers=HEADERS)
    text = client.post(
        "/api/collector/limits",
        data=json.dumps(GPT),
        headers={**HEADERS, "Content-Type": "text/plain"},
    )
    for response in (form, text):
        assert (response.status_code, response.get_json()["error"]) == (
            415,
            "unsupported_media_type",
        )
    assert client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"] == []
    created = client.post("/api/collector/limits", json=GPT, headers=HEADERS).get_json()["config"]
    put = client.put(
        f"/api/collector/limits/{created['id']}", data="token_limit=5", headers=HEADERS
    )
    assert put.status_code == 415


def test_views_seed_configs_once(
    cp_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector.cliproxy import configs

    calls: list[object] = []
    real = configs.seed
    monkeypatch.setattr(configs, "seed", lambda *a: calls.append(a) or real(*a))
    seed = tmp_path / "limits.json"
    seed.write_text(json.dumps([GPT]))
    client = cp_app(None, RATE_LIMITS_SEED_PATH=str(seed)).test_client()
    for _ in range(3):
        assert len(client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"]) == 1
    assert len(calls) == 1


def test_seeded_once_from_file(cp_app: Callable[..., Flask], tmp_path: Path) -> None:
    seed = tmp_path / "limits.json"
    seed.write_text(json.dumps({"configs": [GPT, {"model_pattern": "claude", "reset_strategy": "weekly",
                                                  "token_limit": 20_000_000}, {"model_pattern": "x"}]}))  # fmt: skip
    client = cp_app(None, RATE_LIMITS_SEED_PATH=str(seed)).test_client()
    configs = client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"]
    assert [c["model_pattern"] for c in configs] == ["gpt", "claude"]  # the incomplete one skipped
    client.delete(f"/api/collector/limits/{configs[0]['id']}", headers=HEADERS)
    again = client.get("/api/collector/limits", headers=HEADERS).get_json()["configs"]
    assert [c["model_pattern"] for c in again] == ["claude"]  # a deleted seed stays deleted


def test_model_costs_status_and_metrics(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    fake_legacy.add(
        Req("sk-local-client-1", "gpt-4o", "2026-04-21T08:00:00+07:00", 1000, 100),  # 3,500 µ$
        Req("sk-local-client-1", "qwen3-coder-plus", "2026-04-21T08:05:00+07:00", 500, 50),
    )
    app = cp_app(fake_legacy)
    client = app.test_client()
    client.post("/api/collector/limits", json=GPT, headers=HEADERS)
    poller_of(app, ts("2026-04-21T09:00:00+07:00")).run_once()
    models = client.get(
        "/api/collector/stats/models?from=2026-04-21&to=2026-04-21", headers=HEADERS
    )
    by_model = {m["model"]: m for m in models.get_json()["models"]}
    assert (by_model["gpt-4o"]["cost_usd"], by_model["gpt-4o"]["status"]) == ("0.0035", "priced")
    assert (by_model["qwen3-coder-plus"]["unpriced_requests"], by_model["qwen3-coder-plus"]["status"]) == (
        1, "unpriced",
    )  # fmt: skip
    status = client.get("/api/collector/limits/status", headers=HEADERS).get_json()["limits"]
    assert (status[0]["used_tokens"], status[0]["status_label"]) == (1100, "1,100/10,000 Tokens")
    if "metrics" in app.extensions:
        text = client.get("/metrics", headers=HEADERS).get_data(as_text=True)
        assert 'collector_cliproxy_cost_usd_total{model="gpt-4o"} 0.0035' in text
        assert (
            'collector_cliproxy_requests_total{model="qwen3-coder-plus",pricing="unpriced"} 1.0'
            in text
        )


def test_poller_starts_and_stops(cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy) -> None:
    poller = cp_app(fake_legacy).extensions["cliproxy"].poller
    poller.start()
    poller.stop()
    assert poller._thread is None


def test_llm_prices_refresh_prices_an_unknown_model(
    cp_app: Callable[..., Flask], fake_legacy: FakeCLIProxy
) -> None:
    document = {
        "updated_at": "2026-04-01",
        "prices": [{"id": "qwen3-coder-plus", "vendor": "qwen", "name": "Qwen3 Coder Plus",
                    "input": 1, "output": 5, "input_cached": None}],
    }  # fmt: skip
    fake_legacy.files["/current-v1.json"] = json.dumps(document).encode()
    fake_legacy.add(
        Req("sk-local-client-1", "qwen3-coder-plus", "2026-04-21T08:05:00+07:00", 1000, 200)
    )
    app = cp_app(fake_legacy, PRICING_REFRESH_URL=fake_legacy.url + "/current-v1.json")
    poller_of(app, ts("2026-04-21T09:00:00+07:00")).run_once()
    models = app.test_client().get(
        "/api/collector/stats/models?from=2026-04-21&to=2026-04-21", headers=HEADERS
    )
    (qwen,) = models.get_json()["models"]
    # 1,000 × $1 + 200 × $5 per million = $0.002
    assert (qwen["cost_usd"], qwen["status"]) == ("0.002", "priced")
    cached = app.config["SETTINGS"].db_path.parent / "pricing" / "llm-prices-current-v1.json"
    assert json.loads(cached.read_text())["data"] == document
