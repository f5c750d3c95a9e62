"""The scanner inside a real collector process: a live log grows while it runs; kill -9 mid-scan."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.collector_proc import CollectorProcess


def claude_line(n: int, output: int = 10, ts: str = "2026-05-01T10:00:00.000Z") -> str:
    """One assistant line in Claude Code's transcript shape (see fixtures/README.md)."""
    return json.dumps({
        "type": "assistant", "timestamp": ts, "sessionId": "s", "version": "2.1.150",
        "isSidechain": False, "requestId": f"req_{n}", "cwd": "/home/u/live",
        "message": {"id": f"msg_{n}", "model": "claude-haiku-4-5", "usage": {
            "input_tokens": 2, "output_tokens": output, "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 0}},
    }) + "\n"  # fmt: skip


def start(tmp_path: Path, interval: str = "1") -> tuple[CollectorProcess, Path]:
    log = tmp_path / "home" / ".claude" / "projects" / "-home-u-live" / "s.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = CollectorProcess(
        tmp_path / "collector",
        env={"AGENT_LOGS": "claude-code", "HOME": str(tmp_path / "home"),
             "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "AGENT_SCAN_INTERVAL_SECONDS": interval},
    )  # fmt: skip
    return proc, log


def totals(proc: CollectorProcess) -> dict[str, Any]:
    status, body = proc.request("GET", "/api/agents/daily?start=2026-05-01&end=2026-05-01&zone=UTC")
    assert status == 200, body
    return body["days"][0] if body["days"] else {"requests": 0, "output": 0}


def wait_for(proc: CollectorProcess, requests: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (found := totals(proc))["requests"] != requests:
        assert time.monotonic() < deadline, f"expected {requests} requests, have {found}"
        time.sleep(0.1)
    return found


def test_live_log_counts_only_the_new_request(tmp_path: Path) -> None:
    proc, log = start(tmp_path)
    log.write_text(claude_line(1, output=10))
    proc.start()
    try:
        assert wait_for(proc, 1)["output"] == 10
        with log.open("a") as f:  # the agent appends while the collector runs
            f.write(claude_line(2, output=7))
            f.write(claude_line(3, output=5)[:40])  # half-written: not read yet
            f.flush()
            assert wait_for(proc, 2)["output"] == 17
            f.write(claude_line(3, output=5)[40:])
        assert wait_for(proc, 3)["output"] == 22
        status, body = proc.request("POST", "/api/agents/scan")
        assert (status, body["requests"], body["skipped"]) == (200, 0, 0)
        assert totals(proc)["output"] == 22
    finally:
        proc.stop()


@pytest.mark.slow
def test_kill_9_mid_scan_counts_nothing_twice(tmp_path: Path) -> None:
    lines = 30_000
    proc, log = start(tmp_path)
    log.write_text("".join(claude_line(n, output=n % 7 + 1) for n in range(lines)))
    expected_output = sum(n % 7 + 1 for n in range(lines))
    db_path = tmp_path / "collector" / "collector.db"
    proc.start()
    try:
        stored = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if db_path.exists():
                try:
                    with sqlite3.connect(db_path) as db:
                        stored = db.execute("SELECT COUNT(*) FROM agent_requests").fetchone()[0]
                except sqlite3.OperationalError:
                    stored = 0  # tables not created yet
            if stored > 0:
                break
            time.sleep(0.01)
        proc.kill()
        assert 0 < stored < lines, "the kill did not land mid-scan"
        proc.start()
        status, _ = proc.request("POST", "/api/agents/scan", timeout=60)
        assert status == 200
        found = totals(proc)
        assert (found["requests"], found["output"]) == (lines, expected_output)
    finally:
        proc.stop()
