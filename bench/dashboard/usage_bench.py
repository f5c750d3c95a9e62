"""How fast the dashboard's data comes back: `GET /usage` over 365 days and 30 hosts.

Starts a real collector (`python -m collector`, waitress, port 0) in a temp folder, seeds a year of
history in `snapshots.csv` plus live buckets for the last days through `POST /add`, then times
sequential requests from one client, as the page makes them. Target: under 200 ms.

    .venv/bin/python -m bench.dashboard.usage_bench [--requests 50] [--days 365] [--hosts 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

KEY = "bench-key"
TARGET_MS = 200.0
REPO = Path(__file__).resolve().parents[2]


def seed_history(snap_dir: Path, days: int, hosts: list[str], today: datetime) -> None:
    """A full year of history: every host has tokens on every day (the worst case for the CSV)."""
    snap_dir.mkdir(parents=True, exist_ok=True)
    lines = [",".join(["date", *hosts])]
    for back in range(days, 0, -1):
        day = (today - timedelta(back)).date().isoformat()
        lines.append(",".join([day, *(str(1000 + 7 * back + i) for i in range(len(hosts)))]))
    (snap_dir / "snapshots.csv").write_text("\n".join(lines) + "\n")


def start_collector(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "API_KEY": KEY,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "LOG_LEVEL": "INFO",  # the "listening on" line is logged at INFO
        "BUCKET_TIMEZONE": "UTC",
        "STATE_PATH": str(folder / "state.json"),
        "SNAP_DIR": str(folder / "snapshots"),
        "DB_PATH": str(folder / "collector.db"),
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector"], cwd=folder, env=env, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 15
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        match = re.search(r"collector listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            # keep draining stderr so the collector never blocks on a full pipe
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, match.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"the collector did not start:\n{seen}")


def call(url: str, method: str = "GET", body: object = None) -> tuple[float, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("X-API-KEY", KEY)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as answer:
        payload: bytes = answer.read()
    return (time.perf_counter() - started) * 1000, payload


def add_live(base: str, hosts: list[str], today: datetime) -> None:
    """Live buckets for the last three days, overlapping the history as after a mid-day reset."""
    for seq, back in enumerate(range(2, -1, -1), start=1):
        ts = int((today - timedelta(back)).timestamp() * 1000)
        deltas = {host: 50 + seq for host in hosts}
        call(f"{base}/add", "POST", {"client_id": "bench", "seq": seq, "deltas": deltas, "ts": ts})


def time_path(url: str, requests: int) -> dict[str, float]:
    call(url)  # warm-up
    times = []
    size = 0
    for _ in range(requests):
        elapsed, payload = call(url)
        times.append(elapsed)
        size = len(payload)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "max": times[-1],
        "bytes": size,
    }


GROUPS = [
    ("group=day (JSON)", "group=day"),
    ("group=day&format=csv", "group=day&format=csv"),
    ("group=week (JSON)", "group=week"),
    ("group=month (JSON)", "group=month"),
]


def time_rows(queries: list[tuple[str, str]], requests: int, width: int) -> float:
    """Time each (label, url) and print its row (median, p95, max ms, bytes); the worst p95."""
    worst = 0.0
    for label, url in queries:
        result = time_path(url, requests)
        worst = max(worst, result["p95"])
        print(
            f"{label:<{width}} {result['median']:>9.1f} {result['p95']:>7.1f} "
            f"{result['max']:>7.1f} {int(result['bytes']):>9}"
        )
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--hosts", type=int, default=30)
    args = parser.parse_args(argv)
    hosts = [f"site{i:02d}.example.com" for i in range(args.hosts)]
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    start = (today - timedelta(args.days - 1)).date().isoformat()
    end = today.date().isoformat()
    with tempfile.TemporaryDirectory(prefix="usage-bench-") as tmp:
        folder = Path(tmp)
        seed_history(folder / "snapshots", args.days, hosts, today)
        proc, base = start_collector(folder)
        try:
            add_live(base, hosts, today)
            print(
                f"GET /usage, {args.days} days x {args.hosts} hosts, {args.requests} requests each"
            )
            print(f"{'query':<28} {'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'bytes':>8}")
            floor = time_path(f"{base}/health", args.requests)
            print(f"{'/health (the floor)':<28} {floor['median']:>9.1f} {floor['p95']:>7.1f}")
            queries = [(label, f"{base}/usage?from={start}&to={end}&{q}") for label, q in GROUPS]
            worst = time_rows(queries, args.requests, 28)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print(f"target: p95 under {TARGET_MS:.0f} ms: {verdict} (worst p95 {worst:.1f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
