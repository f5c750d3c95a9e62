"""reset_collector.sh against a real collector, and against a tiny stub for the 5xx retry path."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.collector_proc import CollectorProcess
from tests.support.mounts import mounted

REPO = Path(__file__).resolve().parents[2]

SCRIPT = REPO / "reset_collector.sh"


def run_reset(tmp_path: Path, url: str, key: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script the way launchd does: a bare environment, settings from an env file."""
    env_file = tmp_path / "reset.env"
    env_file.write_text(f"# written by the test\nAPI_KEY={key}\nCOLLECTOR_URL={url}\n")
    base = {
        "HOME": str(tmp_path),
        "RESET_ENV_FILE": str(env_file),
        "RESET_LOG": str(tmp_path / "reset.log"),
        "RESET_PYTHON": sys.executable,
        "RESET_HEALTH_TRIES": "2",
        "RESET_BACKOFF_SECONDS": "0",
        "RESET_TRIES": "2",
    }
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={**base, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def last_log_line(tmp_path: Path) -> str:
    return (tmp_path / "reset.log").read_text().splitlines()[-1]


def snapshots(proc: CollectorProcess) -> list[str]:
    return sorted(p.name for p in (proc.data_dir / "snapshots").glob("snapshot_*.json*"))


def add(proc: CollectorProcess, seq: int, deltas: dict[str, int]) -> None:
    status, body = proc.request("POST", "/add", {"client_id": "c1", "seq": seq, "deltas": deltas})
    assert status == 200, body


def test_no_usage_means_no_snapshot(collector_process: CollectorProcess, tmp_path: Path) -> None:
    result = run_reset(tmp_path, collector_process.url, collector_process.api_key)
    assert result.returncode == 0, result.stderr
    assert "nothing recorded" in last_log_line(tmp_path)
    assert snapshots(collector_process) == []


def test_usage_means_one_snapshot_and_zeroed_counters(
    collector_process: CollectorProcess, tmp_path: Path
) -> None:
    add(collector_process, 1, {"chatgpt.com": 10, "claude.ai": 5})
    result = run_reset(tmp_path, collector_process.url, collector_process.api_key)
    assert result.returncode == 0, result.stderr
    assert "reset done" in last_log_line(tmp_path)
    assert "15 tokens over 2 host(s)" in last_log_line(tmp_path)
    assert len(snapshots(collector_process)) == 1
    status, body = collector_process.request("GET", "/counters")
    assert status == 200
    assert all(value == 0 for value in body["counters"].values())

    again = run_reset(tmp_path, collector_process.url, collector_process.api_key)
    assert again.returncode == 0, again.stderr
    assert "nothing recorded" in last_log_line(tmp_path)
    assert len(snapshots(collector_process)) == 1


def test_wrong_key_fails_with_a_clear_line(
    collector_process: CollectorProcess, tmp_path: Path
) -> None:
    add(collector_process, 1, {"chatgpt.com": 3})
    result = run_reset(tmp_path, collector_process.url, "not-the-key")
    assert result.returncode == 4
    line = last_log_line(tmp_path)
    assert "FAILED" in line and "refused the key (HTTP 401" in line
    assert "not-the-key" not in (tmp_path / "reset.log").read_text()
    assert snapshots(collector_process) == []


def test_stopped_collector_fails_with_a_clear_line(
    collector_process: CollectorProcess, tmp_path: Path
) -> None:
    url = collector_process.url
    collector_process.stop()
    result = run_reset(tmp_path, url, collector_process.api_key)
    assert result.returncode == 3
    log = (tmp_path / "reset.log").read_text()
    assert "not ready" in log  # the first attempt is retried
    assert f"FAILED: collector not reachable at {url}/health after 2 attempts" in log


def test_missing_key_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_reset(tmp_path, "http://127.0.0.1:9", "")
    assert result.returncode == 2
    assert "no API_KEY" in last_log_line(tmp_path)


def test_log_rotates(tmp_path: Path) -> None:
    for _ in range(3):
        run_reset(tmp_path, "http://127.0.0.1:9", "", RESET_LOG_MAX_BYTES="10", RESET_LOG_KEEP="2")
    assert (tmp_path / "reset.log.1").exists() and (tmp_path / "reset.log.2").exists()
    assert not (tmp_path / "reset.log.3").exists()
    assert len((tmp_path / "reset.log").read_text().splitlines()) == 1


class FailingResetHandler(http.server.BaseHTTPRequestHandler):
    """Health and counters answer; every /reset is a 500."""

    resets = 0

    def do_GET(self) -> None:
        body = {"ok": True} if self.path == "/health" else {"counters": {"chatgpt.com": 7}}
        self._send(200, body)

    def do_POST(self) -> None:
        FailingResetHandler.resets += 1
        self._send(500, {"error": "boom"})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def failing_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingResetHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_reset_5xx_is_retried_then_fails(failing_server: str, tmp_path: Path) -> None:
    FailingResetHandler.resets = 0
    result = run_reset(tmp_path, failing_server, "k", RESET_TRIES="3")
    assert result.returncode == 5
    assert FailingResetHandler.resets == 3
    assert "POST /reset failed 3 times" in last_log_line(tmp_path)


def test_key_is_never_on_the_command_line() -> None:
    """curl gets the key through `-K -` on stdin, so `ps` never shows it."""
    text = SCRIPT.read_text()
    assert "-K -" in text
    assert "X-API-KEY: $API_KEY" not in text


def test_script_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)


def test_env_file_with_quotes_export_and_crlf(
    collector_process: CollectorProcess, tmp_path: Path
) -> None:
    """The env file is parsed, never sourced: dotenv's usual forms work, and nothing is executed."""
    add(collector_process, 1, {"claude.ai": 4})
    env_file = tmp_path / "odd.env"
    env_file.write_bytes(
        b"# comment\r\nexport API_KEY='" + collector_process.api_key.encode() + b"'\r\n"
        b"COLLECTOR_URL=" + collector_process.url.encode() + b"/  # trailing comment\r\n"
        b"$(touch " + str(tmp_path / "pwned").encode() + b")\r\n"
    )
    result = run_reset(tmp_path, "unused", "unused", RESET_ENV_FILE=str(env_file))
    assert result.returncode == 0, (tmp_path / "reset.log").read_text()
    assert "reset done" in last_log_line(tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_a_reset_the_collector_refuses_is_a_failure_and_changes_nothing(tmp_path: Path) -> None:
    """The real script against a real collector whose SNAP_DIR is read-only."""
    data = tmp_path / "collector"
    (data / "snapshots").mkdir(parents=True)
    with mounted(data / "snapshots") as mount:
        mount.read_only()
        proc = CollectorProcess(data).start()
        try:
            add(proc, 1, {"chatgpt.com": 10})
            result = run_reset(tmp_path, proc.url, proc.api_key)
            assert result.returncode == 5
            log = (tmp_path / "reset.log").read_text()
            assert "POST /reset failed (attempt 1/2, HTTP 503)" in log
            assert '"error": "reset_failed"' in log or '"error":"reset_failed"' in log
            assert "FAILED: POST /reset failed 2 times" in last_log_line(tmp_path)
            assert proc.request("GET", "/counters")[1]["counters"] == {"chatgpt.com": 10}
        finally:
            proc.stop()


class FlakyResetHandler(FailingResetHandler):
    """The first /reset is a 503 whose body holds raw bytes; the next says nothing was recorded
    (what a collector that zeroed the counters on a failed reset used to answer)."""

    def do_POST(self) -> None:
        FailingResetHandler.resets += 1
        if FailingResetHandler.resets == 1:
            data = b'{"error": "reset_failed", "detail": "disk \x1b[31mfull\nFAKE LINE \xff"}'
            self.send_response(503)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self._send(200, {"ok": True, "snapshot": None, "message": "nothing recorded"})


def test_nothing_to_reset_after_a_failed_attempt_is_not_a_success(tmp_path: Path) -> None:
    FailingResetHandler.resets = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyResetHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = run_reset(tmp_path, url, "k", RESET_TRIES="3")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 5
    log = (tmp_path / "reset.log").read_bytes()
    assert b"HTTP 503" in log and b"reset_failed" in log
    assert b"FAILED: POST /reset failed first (HTTP 503)" in log
    # printable text only: the body's escape, newline and raw byte never reach the log as such
    lines = log.decode("ascii").splitlines()
    assert all(line.isprintable() for line in lines)
    assert not any(line.startswith("FAKE LINE") for line in lines)
