"""Exact tokens and cost per agent, model and day from the fixtures (fixtures/README.md names the
source and date of each). Expected costs are worked by hand from the providers' published prices
in USD per million tokens, never from the code under test."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import zstandard
from flask import Flask

from tests.conftest import API_KEY

H = {"X-API-KEY": API_KEY}


def usd(micro: str) -> str:
    """A cost worked in micro-dollars (price per MTok x tokens), as the USD string the API gives."""
    return str(Decimal(micro) / Decimal(1_000_000))


def rows(app: Flask, start: str, end: str, zone: str = "UTC") -> dict[tuple[str, str, str], Any]:
    source = app.extensions["usage_sources"][-1]
    found = source(date.fromisoformat(start), date.fromisoformat(end), zone)
    return {(r["day"], r["host"], r["model"]): r for r in found}


def scan(app: Flask) -> dict[str, Any]:
    response = app.test_client().post("/api/agents/scan", headers=H)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def row(input: int, output: int, cache_read: int, cache_write: int, turns: int, cost: str | None):
    return {"input": input, "output": output, "context": 0, "turns": turns,
            "cache_read": cache_read, "cache_write": cache_write, "cost_usd": cost}  # fmt: skip


def strip(found: dict[tuple[str, str, str], Any]) -> dict[tuple[str, str, str], Any]:
    return {
        k: {f: v for f, v in r.items() if f not in ("day", "host", "model")}
        for k, r in found.items()
    }


# Claude Code (Anthropic prices per MTok: Opus 4.7 $5 in, $25 out, $0.50 cache read, $6.25 5-minute
# write, $10 1-hour write; Haiku 4.5 $1/$5/$0.10; Sonnet 4.5 past 200k input $6 in, $22.50 out)
CLAUDE = {
    # msg_A (3 streamed lines, largest wins; copied into sess-b): 3*5 + 159*25 + 1000*0.5 + 200*6.25
    # msg_B (copied into sess-b, replayed by a /btw sidechain): 5*5 + 20*25 + 2000*0.5 + 100*6.25 + 300*10
    ("2026-05-01", "claude-code", "claude-opus-4-7"): row(8, 179, 3000, 600, 2, usd("10890")),
    ("2026-05-01", "claude-code", "claude-haiku-4-5"): row(10, 40, 500, 0, 1, usd("260")),
    # msg_C, 250,000 input tokens: the long-context tier for the whole request
    ("2026-05-02", "claude-code", "claude-sonnet-4-5-20250929"): row(
        250000, 1000, 0, 0, 1, usd("1522500")
    ),
    ("2026-05-02", "claude-code", "claude-haiku-4-5"): row(4, 6, 0, 0, 1, usd("34")),  # workflow
}
# Codex (OpenAI: gpt-5 $1.25 in, $0.125 cached, $10 out; gpt-5-mini $0.25, $0.025, $2). The
# folder says 2026/05/01 (local time); the lines' UTC timestamps say 2026-05-02.
CODEX = {
    # 200*1.25+800*0.125+100*10 = 1350; 300*1.25+1200*0.125+150*10 = 2025; fork's own 675
    ("2026-05-02", "codex", "gpt-5"): row(600, 300, 2400, 0, 3, usd("4050")),
    # after the total dropped: 600*0.25+50*2 = 250; 200*0.25+100*0.025+30*2 = 112.5
    ("2026-05-02", "codex", "gpt-5-mini"): row(800, 80, 100, 0, 2, usd("362.5")),
    # the .jsonl.zst: 4000*1.25+400*10 = 9000; 1000*0.125+100*10 = 1125
    ("2026-04-20", "codex", "gpt-5"): row(4000, 500, 1000, 0, 2, usd("10125")),
}
# Gemini CLI (Google: gemini-3-flash-preview $0.50 in, $0.05 cached, $3 out incl. thinking;
# gemini-2.5-flash $0.30 in, $2.50 out)
GEMINI = {
    # m1: (15327-11526+7)*0.5 + (23+919)*3 + 11526*0.05 = 5306.3; m2 (rewound): 10300; g2: 1500
    ("2026-05-17", "gemini-cli", "gemini-3-flash-preview"): row(
        24808, 1342, 13526, 0, 3, usd("17106.3")
    ),
    ("2026-05-17", "gemini-cli", "gemini-2.5-flash"): row(500, 60, 0, 0, 1, usd("300")),
    # g1: in the legacy .json and copied into its resumed .jsonl: once
    ("2026-04-01", "gemini-cli", "gemini-3-flash-preview"): row(1000, 250, 0, 0, 1, usd("1250")),
}


def test_every_agent_counted_exactly(agents_app: Flask) -> None:
    first = scan(agents_app)
    assert first["errors"] == []
    assert strip(rows(agents_app, "2026-04-01", "2026-05-31")) == CLAUDE | CODEX | GEMINI
    # unreadable lines: Claude 2 (a string count, a torn line), Codex 1 per copy, Gemini 1
    status = agents_app.test_client().get("/api/agents/status", headers=H).get_json()
    assert status["skipped_lines"] == {"claude-code": 2, "codex": 2, "gemini-cli": 1}
    health = agents_app.test_client().get("/health").get_json()
    assert "agent logs: 2 unreadable codex line(s) skipped" in health["warnings"]
    again = scan(agents_app)
    assert (again["files_read"], again["requests"]) == (0, 0)


def test_day_follows_the_zone(agents_app: Flask) -> None:
    scan(agents_app)
    # msg_C at 00:30 UTC on May 2 is May 1 in New York
    found = rows(agents_app, "2026-05-01", "2026-05-01", "America/New_York")
    assert ("2026-05-01", "claude-code", "claude-sonnet-4-5-20250929") in found


def test_rewritten_and_archived_files_count_once(
    agents_app: Flask, agent_tree: dict[str, str]
) -> None:
    scan(agents_app)
    before = strip(rows(agents_app, "2026-04-01", "2026-05-31"))
    claude = Path(agent_tree["HOME"]) / ".claude" / "projects" / "-home-u-app" / "sess-b.jsonl"
    copy = claude.with_suffix(".tmp")
    shutil.copy(claude, copy)
    os.replace(copy, claude)  # a new inode, same content
    sessions = Path(agent_tree["CODEX_HOME"]) / "sessions" / "2026" / "05" / "01"
    live = next(sessions.glob("*000000000001.jsonl"))
    live.write_bytes(live.read_bytes()[:200])  # shrank: read again from the start
    scan(agents_app)
    assert strip(rows(agents_app, "2026-04-01", "2026-05-31")) == before


def test_nothing_but_counts_is_stored(agents_app: Flask, tmp_path: Path) -> None:
    scan(agents_app)
    db = sqlite3.connect(tmp_path / "collector.db")
    dump = "\n".join(db.iterdump())
    db.close()
    for text in ("secret", "/home/u", "-home-u-app", "tool output"):
        assert text not in dump
    assert "'app'" in dump and "'api'" in dump  # the project's name only


def test_legacy_gemini_file_skips_only_its_bad_message(make_app: Any, tmp_path: Path) -> None:
    chats = tmp_path / "g" / ".gemini" / "tmp" / "p" / "chats"
    chats.mkdir(parents=True)
    good = {"id": "a", "timestamp": "2026-04-01T09:00:00Z", "type": "gemini",
            "model": "gemini-3-flash-preview", "tokens": {"input": 10, "output": 2}}  # fmt: skip
    bad = {**good, "id": "b", "tokens": {"input": -1}}
    (chats / "session-x.json").write_text(json.dumps({"sessionId": "x", "messages": [good, bad]}))
    app = make_app(AGENT_LOGS="gemini-cli", GEMINI_CLI_HOME=str(tmp_path / "g"))
    assert (scan(app)["requests"], scan(app)["skipped"]) == (1, 0)
    assert app.extensions["agents"].scanner.skipped == {"gemini-cli": 1}


def test_a_rollout_compressed_after_reading_counts_once(
    agents_app: Flask, agent_tree: dict[str, str]
) -> None:
    """Codex >= 0.137 rewrites week-old rollouts as .jsonl.zst and deletes the plain file."""
    scan(agents_app)
    before = strip(rows(agents_app, "2026-04-01", "2026-05-31"))
    for plain in (Path(agent_tree["CODEX_HOME"]) / "sessions").rglob("*.jsonl"):
        compressed = zstandard.ZstdCompressor(level=3).compress(plain.read_bytes())
        plain.with_name(plain.name + ".zst").write_bytes(compressed)
        plain.unlink()
    result = scan(agents_app)
    assert result["files_read"] == 2 and result["errors"] == []
    assert strip(rows(agents_app, "2026-04-01", "2026-05-31")) == before


def test_claude_config_dir_list_and_the_xdg_root(make_app: Any, tmp_path: Path) -> None:
    def transcript(root: Path, n: int) -> None:
        path = root / "projects" / "p" / "s.jsonl"
        path.parent.mkdir(parents=True)
        line = {"type": "assistant", "timestamp": "2026-05-01T10:00:00Z", "requestId": f"r{n}",
                "message": {"id": f"m{n}", "model": "claude-haiku-4-5",
                            "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip
        path.write_text(json.dumps(line) + "\n")

    transcript(tmp_path / "a", 1)
    transcript(tmp_path / "b", 2)
    transcript(tmp_path / "xdg" / "claude", 3)
    transcript(tmp_path / "home" / ".claude", 4)
    listed = make_app(
        AGENT_LOGS="claude-code", CLAUDE_CONFIG_DIR=f"{tmp_path / 'a'},{tmp_path / 'b'}"
    )
    assert scan(listed)["requests"] == 2
    defaults = make_app(
        AGENT_LOGS="claude-code",
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        DB_PATH=str(tmp_path / "other.db"),
        STATE_PATH=str(tmp_path / "other" / "state.json"),
    )  # fmt: skip  (a second app: its own data folder, since one collector owns a folder)
    assert scan(defaults)["requests"] == 2  # ~/.claude and $XDG_CONFIG_HOME/claude
