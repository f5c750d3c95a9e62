"""A real Prometheus server (Debian's `prometheus` package) in a child process, on loopback.

It scrapes the given targets every second with the collector's key as a bearer token (a 0600 key
file, as the guide says), keeps its data in a temp folder, and answers PromQL through its HTTP
API. Every wait is bounded; `stop()` always reaps the child.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

INSTALL_HINT = "Prometheus is not installed: `sudo apt-get install prometheus` (Debian/Ubuntu)"
START_TIMEOUT = 20.0


def find_prometheus() -> str | None:
    """$PROMETHEUS_PATH when set (and runnable), else `prometheus` on PATH or Debian's."""
    chosen = os.environ.get("PROMETHEUS_PATH")
    if chosen is not None:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("prometheus") or (
        "/usr/bin/prometheus" if os.access("/usr/bin/prometheus", os.X_OK) else None
    )


def free_port() -> int:
    """A port free now (the OS picks it); the child binds it a moment later."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PrometheusProcess:
    def __init__(
        self,
        binary: str,
        work_dir: Path,
        targets: list[str],
        api_key: str,
        rule_files: list[Path] | None = None,
    ) -> None:
        self.binary = binary
        self.work_dir = work_dir
        self.targets = targets
        self.api_key = api_key
        self.rule_files = rule_files or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log_path = work_dir / "prometheus.log"

    def write_config(self) -> Path:
        """prometheus.yml (JSON is YAML) with bearer auth from a 0600 key file."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.work_dir / "collector.key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.api_key + "\n")  # Prometheus trims the trailing newline
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(p) for p in self.rule_files],
            "scrape_configs": [
                {
                    "job_name": "llm-usage-collector",
                    "authorization": {"type": "Bearer", "credentials_file": str(key_file)},
                    "static_configs": [{"targets": self.targets}],
                }
            ],
        }
        path = self.work_dir / "prometheus.yml"
        path.write_text(json.dumps(config, indent=2))
        return path

    def start(self) -> PrometheusProcess:
        config = self.write_config()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.work_dir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                cwd=self.work_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus not ready in {START_TIMEOUT}s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """The result of an instant query (`/api/v1/query`), at `at` (epoch seconds) if given."""
        params = {"query": expr} | ({} if at is None else {"time": f"{at:.3f}"})
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as err:  # a bad query: Prometheus says why in the body
            body = json.load(err)
        if body.get("status") != "success":
            raise AssertionError(f"query {expr!r} failed: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def by_label(self, expr: str, label: str, at: float | None = None) -> dict[str, float]:
        """An instant vector as {label value: number}."""
        return {r["metric"].get(label, ""): float(r["value"][1]) for r in self.query(expr, at)}

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
