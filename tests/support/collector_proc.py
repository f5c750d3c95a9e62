"""A real collector in a child process: `python -m collector` on a free loopback port.

Used by the integration tests and by other suites that need a running service. Every wait is
bounded; `stop()` and `kill()` always reap the child.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"collector listening on (http://[\d.]+:\d+)")
START_TIMEOUT = 20.0


class CollectorProcess:
    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, api_key: str = "test-key"
    ):
        self.data_dir = data_dir
        self.api_key = api_key
        self.env = {
            "API_KEY": api_key,
            "HOST": "127.0.0.1",
            "PORT": "0",
            "STATE_PATH": str(data_dir / "state.json"),
            "SNAP_DIR": str(data_dir / "snapshots"),
            "DB_PATH": str(data_dir / "collector.db"),
            "BUCKET_TIMEZONE": "UTC",
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log_path = data_dir / "collector.log"

    def start(self) -> CollectorProcess:
        """Start and wait until it says where it listens and /health answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in self.env} | self.env
        env["PYTHONPATH"] = str(REPO_ROOT)
        offset = len(self.log_text())  # a restart appends: only a new "listening" line counts
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes it; closed with the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collector"],
            cwd=self.data_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited {self.proc.returncode}:\n{self.log_text()}")
            match = _LISTENING.search(self.log_text()[offset:])
            if match:
                self.url = match.group(1)
                break
            time.sleep(0.05)
        else:
            self.kill()
            raise RuntimeError(f"collector did not start in {START_TIMEOUT}s:\n{self.log_text()}")
        try:
            self.wait_healthy()
        except RuntimeError:
            self.kill()
            raise
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text: str, timeout: float = 5.0) -> str:
        """The log once it holds `text` (access lines are flushed about once a second)."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log_text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout}s:\n{log}")
            time.sleep(0.05)
        return log

    def wait_healthy(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"/health did not answer in {timeout}s")

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        key: str | None = "",
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, Any]:
        """(status, decoded JSON or text). `key=""` sends the right key, `None` sends none."""
        data = (
            None
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key is not None:
            req.add_header("X-API-KEY", key or self.api_key)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait: the collector checkpoints and exits."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise

    def kill(self) -> None:
        """SIGKILL: no checkpoint, no goodbye — what a crash looks like."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


def resend_until_acknowledged(send: Callable[[], tuple[int, Any]], attempts: int) -> str | None:
    """Send one batch, unchanged, until the collector answers 200, as the extension does: None then,
    else why not (another status, or no 200 in `attempts` tries). A connection broken by a kill and
    a 503 are retried."""
    for _attempt in range(attempts):
        try:
            status, answer = send()
        except (OSError, http.client.HTTPException):  # killed mid-answer
            time.sleep(0.02)
            continue
        if status == 200:
            return None
        if status != 503:
            return f"{status} {answer}"
        time.sleep(0.02)
    return "never acknowledged"
