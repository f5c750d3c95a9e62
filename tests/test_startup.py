"""Start-up and shut-down failures: one line on stderr, a non-zero exit, and no file touched."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collector_proc import REPO_ROOT, CollectorProcess


def run_collector(
    data_dir: Path, python: str = sys.executable, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m collector` on `data_dir` until it exits (these runs must exit at once)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k != "ENV_FILE"}
    settings = {
        "API_KEY": "k",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "STATE_PATH": str(data_dir / "state.json"),
        "SNAP_DIR": str(data_dir / "snapshots"),
        "DB_PATH": str(data_dir / "collector.db"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [python, "-m", "collector"],
        cwd=data_dir,
        env=base | settings | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines, "nothing on stderr"
    return lines[-1]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_second_collector_on_the_same_folder_exits_at_once(tmp_path: Path) -> None:
    first = CollectorProcess(tmp_path / "data").start()
    try:
        assert (
            first.request("POST", "/add", {"client_id": "c", "seq": 1, "deltas": {"a.com": 100}})[0]
            == 200
        )
        before = files(tmp_path / "data" / "snapshots") | {
            "state.json": (tmp_path / "data" / "state.json").read_bytes()
        }
        result = run_collector(tmp_path / "data")
        assert result.returncode == 1
        line = one_line(result.stderr)
        assert str(tmp_path / "data") in line and f"pid {first.proc.pid}" in line  # type: ignore[union-attr]
        after = files(tmp_path / "data" / "snapshots") | {
            "state.json": (tmp_path / "data" / "state.json").read_bytes()
        }
        assert after == before
    finally:
        assert first.stop() == 0
    state = json.loads((tmp_path / "data" / "state.json").read_text())
    assert state["counters"] == {"a.com": 100}


def test_a_busy_port_is_one_line_and_changes_no_file(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_collector(tmp_path / "data", PORT=str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in one_line(result.stderr)
    assert files(tmp_path / "data") == {}


@pytest.mark.parametrize("file_name", ["state.json", "state.json.journal"])
def test_a_newer_format_is_refused_in_one_line_and_left_untouched(
    tmp_path: Path, file_name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    newer = b'{"format": 99, "kind": "llm-usage-collector-journal", "counters": {}}\n'
    (data / file_name).write_bytes(newer)
    result = run_collector(data)
    assert result.returncode == 1
    assert "format 99" in one_line(result.stderr)
    assert (data / file_name).read_bytes() == newer
    assert not list(data.glob("*.corrupt-*"))


def test_outside_the_venv_says_how_to_run_it(tmp_path: Path) -> None:
    bare = "/usr/bin/python3"
    probe = subprocess.run([bare, "-c", "import flask"], capture_output=True, check=False)
    if not Path(bare).exists() or probe.returncode == 0:
        pytest.skip(f"needs a Python without the pinned packages at {bare}")
    result = run_collector(tmp_path / "data", python=bare)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "'flask'" in line and ".venv/bin/python -m collector" in line


def test_every_data_file_is_the_owners_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "collector.db").touch(mode=0o644)  # as an older version left it
    (data / "collector.db").chmod(0o644)
    proc = CollectorProcess(data).start()
    try:
        assert (
            proc.request("POST", "/add", {"client_id": "c", "seq": 1, "deltas": {"a.com": 5}})[0]
            == 200
        )
        assert proc.request("POST", "/reset")[0] == 200
        assert (
            proc.request("POST", "/add", {"client_id": "c", "seq": 2, "deltas": {"a.com": 5}})[0]
            == 200
        )
        assert proc.request("GET", "/api/collector/health")[0] == 200  # opens collector.db
    finally:
        assert proc.stop() == 0
    modes = {
        str(p.relative_to(data)): oct(p.stat().st_mode & 0o777)
        for p in data.rglob("*")
        if p.is_file() and p.name != "collector.log"  # the test's own log of the child
    }
    assert {"state.json", "state.json.journal", "collector.db", "snapshots/snapshots.csv"} <= set(
        modes
    )
    assert any(name.endswith(".json.bak") for name in modes)
    assert {name: mode for name, mode in modes.items() if mode != "0o600"} == {}
