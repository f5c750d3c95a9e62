"""Against a real collector process (waitress) on a free loopback port."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from collector.fold import read_history
from collector.journal import HEADER
from tests.support.collector_proc import REPO_ROOT, CollectorProcess, resend_until_acknowledged


def add(proc: CollectorProcess, client: str, seq: int, deltas: dict[str, int]) -> tuple[int, Any]:
    return proc.request("POST", "/add", {"client_id": client, "seq": seq, "deltas": deltas})


def test_whole_api_over_http(collector_process: CollectorProcess) -> None:
    proc = collector_process
    status, health = proc.request("GET", "/health", key=None)
    assert status == 200 and health["ok"] is True and "warnings" not in health
    assert proc.request("GET", "/counters", key=None)[0] == 401
    assert add(proc, "c", 1, {"ChatGPT.com": 3}) == (200, {"ok": True, "applied": 3, "last_seq": 1})
    assert add(proc, "c", 1, {"ChatGPT.com": 3})[1]["duplicate"] is True
    assert add(proc, "c", 3, {"x.com": 1}) == (409, {"error": "out_of_order", "expected_next": 2})
    status, body = proc.request("POST", "/add", b"{oops")
    assert (status, body["error"]) == (400, "invalid_json")
    status, body = proc.request("POST", "/add", b"x" * (1024 * 1024 + 10))
    assert (status, body["error"]) == (413, "payload_too_large")
    assert proc.request("GET", "/client_status?client_id=c")[1] == {"client_id": "c", "last_seq": 1}
    assert proc.request("GET", "/counters")[1]["counters"] == {"chatgpt.com": 3}
    assert proc.request("POST", "/flush")[1]["ok"] is True
    reset = proc.request("POST", "/reset")[1]
    assert reset["snapshot"] and reset["rolled_up"]["folded"] == [reset["snapshot"]]
    assert add(proc, "c", 1, {"ChatGPT.com": 3})[1]["duplicate"] is True  # retry after reset
    assert proc.request("POST", "/reset")[1]["snapshot"] is None
    assert proc.request("GET", "/nope")[0] == 404
    assert proc.request("PUT", "/add", {})[0] == 405
    log = proc.wait_for_log("GET /nope 404")  # the last request: every line before it is out
    assert "POST /add 200" in log and "POST /add 413" in log
    assert proc.api_key not in log


def test_eight_threads_times_500_adds_are_exact(collector_process: CollectorProcess) -> None:
    proc = collector_process
    errors: list[str] = []

    def worker(n: int) -> None:
        for seq in range(1, 501):
            status, body = add(proc, f"thread-{n}", seq, {"a.com": n + 1, "b.com": 1})
            if status != 200 or body.get("applied") != n + 2:
                errors.append(f"{n}/{seq}: {status} {body}")
                return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counters = proc.request("GET", "/counters")[1]["counters"]
    assert counters == {"a.com": 500 * sum(range(1, 9)), "b.com": 4000}


def test_sigterm_stops_cleanly_after_a_checkpoint(tmp_path: Path) -> None:
    proc = CollectorProcess(tmp_path).start()
    add(proc, "c", 1, {"a.com": 7})
    assert proc.stop() == 0
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["counters"] == {"a.com": 7}
    assert (tmp_path / "state.json.journal").read_bytes() == HEADER
    assert "stopped cleanly" in proc.log_text()


@pytest.mark.slow
def test_kill_9_three_times_while_clients_resend(tmp_path: Path) -> None:
    """Clients resend each unacknowledged batch unchanged; a reset runs now and then; the server is
    killed three times. At the end every batch is acknowledged, so counters plus snapshots must
    equal the sum of all batches, exactly."""
    proc = CollectorProcess(tmp_path).start()
    url_lock = threading.Lock()
    stop = threading.Event()
    sent: dict[str, int] = {}
    failures: list[str] = []

    def client(name: str) -> None:
        seq, total = 0, 0
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            seq += 1
            deltas = {"a.com": seq % 7 + 1, "b.com": 1}
            batch = {"client_id": name, "seq": seq, "deltas": deltas}

            def send(batch: dict[str, Any] = batch) -> tuple[int, Any]:
                with url_lock:  # a restart changes the port
                    target = proc
                return target.request("POST", "/add", batch, timeout=2)

            failure = resend_until_acknowledged(send, attempts=2000)
            if failure is not None:
                failures.append(f"{name} seq {seq}: {failure}")
                return
            total += sum(deltas.values())
        sent[name] = total

    def resetter() -> None:
        while not stop.wait(0.7):
            with contextlib.suppress(OSError, http.client.HTTPException):
                proc.request("POST", "/reset", timeout=2)

    workers = [threading.Thread(target=client, args=(f"c{n}",)) for n in range(4)]
    workers.append(threading.Thread(target=resetter))
    for worker in workers:
        worker.start()
    try:
        for _kill in range(3):
            time.sleep(2.5)
            proc.kill()
            with url_lock:
                proc.start()  # same files, new port
        time.sleep(1.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=90)
        proc.kill()
    assert failures == []
    assert len(sent) == 4
    proc.start()
    try:
        live = sum(proc.request("GET", "/counters")[1]["counters"].values())
    finally:
        proc.stop()
    history = read_history(tmp_path / "snapshots")
    folded = sum(n for hosts in history.values() for n in hosts.values())
    assert folded > 0  # resets happened during the run
    assert live + folded == sum(sent.values())
    assert proc.log_text().count("collector listening on") == 5
    assert proc.log_text().count("recovered:") >= 3  # each kill left a journal to replay


def test_python_collector_py_from_inside_the_package(tmp_path: Path) -> None:
    env = os.environ | {
        "API_KEY": "k",
        "PORT": "0",
        "STATE_PATH": str(tmp_path / "state.json"),
        "SNAP_DIR": str(tmp_path / "snapshots"),
    }
    child = subprocess.Popen(
        [sys.executable, "collector.py"],
        cwd=REPO_ROOT / "collector",
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        line = ""
        for _ in range(50):
            line = child.stderr.readline()
            if "collector listening on" in line or not line:
                break
        assert "collector listening on http://127.0.0.1:" in line
    finally:
        child.terminate()
        child.wait(timeout=15)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == 0
    assert (tmp_path / "state.json").exists()


def test_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"API_KEY", "ENV_FILE"}}
    result = subprocess.run(
        [sys.executable, "-m", "collector"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "API_KEY is not set" in result.stderr and "keysetup" in result.stderr


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_KEY=from-dotenv\nLOG_LEVEL=DEBUG\n")
    proc = CollectorProcess(tmp_path, api_key="from-env")
    proc.env.pop("LOG_LEVEL")
    proc.start()
    try:
        assert proc.request("GET", "/counters")[0] == 200
        assert proc.request("GET", "/counters", key="from-dotenv")[0] == 401
        assert " DEBUG collector.server: settings:" in proc.log_text()
    finally:
        proc.stop()
