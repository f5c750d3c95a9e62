"""Settings, routes, metrics and migrations of the agent-logs source."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from collector.agents import migrations
from collector.agents.metrics import MAX_MODELS
from collector.config import ConfigError, load_settings
from tests.conftest import API_KEY

H = {"X-API-KEY": API_KEY}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", ()), ("codex", ("codex",)), (" Codex , gemini-cli,codex ", ("codex", "gemini-cli"))],
)
def test_agent_logs_setting(raw: str, expected: tuple[str, ...]) -> None:
    assert load_settings({"API_KEY": "k", "AGENT_LOGS": raw}).agent_logs == expected


def test_unknown_agent_is_refused() -> None:
    with pytest.raises(ConfigError, match="AGENT_LOGS: unknown agent 'cursor'"):
        load_settings({"API_KEY": "k", "AGENT_LOGS": "codex,cursor"})


def test_off_by_default(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/api/agents/scan", headers=H)
    assert (response.status_code, response.get_json()["error"]) == (409, "source_disabled")
    assert client.get("/api/agents/status", headers=H).get_json()["enabled"] == []
    assert not any(s.name.startswith("agent") for s in app.extensions.get("background", []))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("start=2026-13-01", "bad_date"),
        ("start=2026-05-02&end=2026-05-01", "bad_range"),
        ("start=2000-01-01&end=2026-05-01", "bad_range"),
        ("zone=Mars/Olympus", "bad_zone"),
        ("source=cursor", "bad_source"),
    ],
)
def test_bad_queries_are_named(agents_app: Flask, query: str, code: str) -> None:
    response = agents_app.test_client().get(f"/api/agents/daily?{query}", headers=H)
    assert (response.status_code, response.get_json()["error"]) == (400, code)


def test_routes_need_the_key(agents_app: Flask) -> None:
    client = agents_app.test_client()
    for method, path in (("POST", "/api/agents/scan"), ("GET", "/api/agents/daily")):
        assert client.open(path, method=method).status_code == 401


def test_daily_report_and_source_filter(agents_app: Flask) -> None:
    client = agents_app.test_client()
    client.post("/api/agents/scan", headers=H)
    body = client.get(
        "/api/agents/daily?start=2026-05-01&end=2026-05-02&zone=UTC&source=claude-code", headers=H
    ).get_json()
    assert [d["date"] for d in body["days"]] == ["2026-05-01", "2026-05-02"]
    may1 = body["days"][0]
    assert may1["models"] == ["claude-haiku-4-5", "claude-opus-4-7"]
    assert (may1["input"], may1["output"], may1["cache_read"], may1["cache_write"]) == (
        18,
        219,
        3500,
        600,
    )
    assert may1["cost_usd"] == "0.01115"  # 10890 + 260 micro-dollars (test_agents_counting.py)


def test_five_hour_blocks(agents_app: Flask) -> None:
    client = agents_app.test_client()
    client.post("/api/agents/scan", headers=H)
    blocks = client.get(
        "/api/agents/blocks?start=2026-05-01&end=2026-05-02&zone=UTC", headers=H
    ).get_json()["blocks"]
    # May 1 10:00-15:00 (msg_A, msg_B, msg_S1); May 2 00:00-05:00 (msg_C at 00:30, msg_W1 at 01:00)
    assert [(b["requests"], b["start_ms"]) for b in blocks] == [
        (3, 1777629600000),
        (2, 1777680000000),
    ]
    assert blocks[1]["cost_usd"] == "1.522534"


def test_metrics_per_source_and_model_with_bounded_labels(
    agents_app: Flask, tmp_path: Path
) -> None:
    client = agents_app.test_client()
    client.post("/api/agents/scan", headers=H)
    db = sqlite3.connect(tmp_path / "collector.db")
    with db:  # many models in one source: past MAX_MODELS they fold into "other"
        for n in range(MAX_MODELS + 5):
            db.execute(
                "INSERT INTO agent_requests (source, dedup_key, ts_ms, model, project, session, "
                "version, input_tokens, output_tokens, reasoning_tokens, cache_read_tokens, "
                "cache_write_5m_tokens, cache_write_1h_tokens, total_tokens) "
                "VALUES ('codex', ?, 0, ?, '', '', '', 1, 0, 0, 0, 0, 0, 1)",
                (f"t{n}", f"made-up-{n}"),
            )
    db.close()
    text = client.get("/metrics", headers=H).get_data(as_text=True)
    assert (
        'collector_agent_cost_usd_total{model="claude-opus-4-7",source="claude-code"} 0.01089'
        in text
    )
    codex_models = set(
        re.findall(r'requests_total\{model="([^"]+)",pricing="priced",source="codex"', text)
    )
    assert len(codex_models) == MAX_MODELS + 1 and "other" in codex_models
    assert 'collector_agent_skipped_lines_total{source="gemini-cli"} 1.0' in text


def test_migrations_blank_and_again(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    db = sqlite3.connect(tmp_path / "m.db")
    assert migrations.migrate(db) == ["agents_m001_requests", "agents_m002_files"]
    assert migrations.migrate(db) == []
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"agent_requests", "agent_files", "agent_skipped"} <= tables
    db.close()


def test_an_unpriced_model_has_no_cost_series(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    log = tmp_path / "h" / ".claude" / "projects" / "p" / "s.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text(
        '{"type":"assistant","timestamp":"2026-05-01T10:00:00Z","requestId":"r","message":'
        '{"id":"m","model":"claude-made-up-9","usage":{"input_tokens":5,"output_tokens":1}}}\n'
    )
    app = make_app(
        AGENT_LOGS="claude-code", HOME=str(tmp_path / "h"), XDG_CONFIG_HOME=str(tmp_path / "x")
    )
    client = app.test_client()
    client.post("/api/agents/scan", headers=H)
    text = client.get("/metrics", headers=H).get_data(as_text=True)
    assert (
        'requests_total{model="claude-made-up-9",pricing="unpriced",source="claude-code"} 1.0'
        in text
    )
    assert 'cost_usd_total{model="claude-made-up-9"' not in text
    rows = app.extensions["usage_sources"][-1]
    assert rows(date(2026, 5, 1), date(2026, 5, 1), "UTC")[0]["cost_usd"] is None


def test_usage_by_model_shows_the_agents_beside_the_other_sources(agents_app: Flask) -> None:
    """End to end through `GET /usage?by=model`: the agent rows as the web and CLIProxy rows are
    shown (figures and costs worked by hand in test_agents_counting.py)."""
    client = agents_app.test_client()
    client.post("/api/agents/scan", headers=H)
    query = "/usage?from=2026-05-01&to=2026-05-01&by=model"
    body = client.get(query, headers=H).get_json()
    rows = {r["model"]: r for r in body["rows"] if r["host"] == "claude-code"}
    haiku, opus = rows["claude-haiku-4-5"], rows["claude-opus-4-7"]
    assert (haiku["input"], haiku["output"], haiku["cache_read"], haiku["cache_write"]) == (
        10,
        40,
        500,
        0,
    )
    assert (opus["input"], opus["output"], opus["cache_read"], opus["cache_write"]) == (
        8,
        179,
        3000,
        600,
    )
    assert (haiku["cost_usd"], opus["cost_usd"]) == ("0.000260", "0.010890")
    assert body["sources"]["claude-code"]["cost_usd"] == "0.011150"
    csv_text = client.get(query + "&format=csv", headers=H).get_data(as_text=True)
    assert "2026-05-01,claude-code,claude-opus-4-7,8,179,0,2,3000,600,0.010890,all" in csv_text
