"""Stopping the collector mid-scan: the scan ends at its next chunk, a later scan finishes exactly."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from collector.agents.scanner import Scanner
from collector.config import load_settings
from collector.pricing import Pricer
from tests.agents.test_agents_process import claude_line


def test_stop_ends_a_long_scan_and_the_next_scan_counts_the_rest_once(tmp_path: Path) -> None:
    lines = 30_000
    log = tmp_path / "home" / ".claude" / "projects" / "p" / "s.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("".join(claude_line(n, output=n % 5 + 1) for n in range(lines)))
    settings = load_settings({
        "API_KEY": "k", "AGENT_LOGS": "claude-code", "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "DB_PATH": str(tmp_path / "c.db"),
    })  # fmt: skip
    first = Scanner(settings, Pricer())
    scanning = threading.Thread(target=first.scan)
    scanning.start()
    deadline = time.monotonic() + 20
    while first._dirty == 0 and first.last is None and time.monotonic() < deadline:
        time.sleep(0.001)  # until it has read a first chunk
    first.stop()
    scanning.join(timeout=20)
    assert not scanning.is_alive()
    assert first.scan().files == 0  # a stopped scanner does not start again
    with sqlite3.connect(tmp_path / "c.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM agent_requests").fetchone()[0]
    assert 0 < stored < lines
    second = Scanner(settings, Pricer())
    second.scan()
    second.close()
    with sqlite3.connect(tmp_path / "c.db") as db:
        count, output = db.execute(
            "SELECT COUNT(*), SUM(output_tokens) FROM agent_requests"
        ).fetchone()
    assert (count, output) == (lines, sum(n % 5 + 1 for n in range(lines)))
