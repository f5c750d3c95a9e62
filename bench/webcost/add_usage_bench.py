"""/add with a typical usage detail (2 hosts, 3 models) against /add without it, same collector.

    .venv/bin/python -m bench.webcost.add_usage_bench [--seconds 5] [--rounds 4]

Both bodies carry the same `deltas`; the detail is the only difference. The two kinds run in
alternation against one collector process, so they share the machine's mood; the ratio is the
median of the per-round ratios. Target: with the detail, requests/s within 5% of without
(ratio >= 0.95). Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.collector import run
from tests.support.collector_proc import CollectorProcess

LUA = Path(__file__).with_name("add_usage.lua")
TARGET = 0.95


def wrk(url: str, connections: int, seconds: int, prefix: str, usage: bool) -> dict[str, float]:
    env = {"BENCH_USAGE": "1" if usage else "0"}
    return run.wrk(url, connections, seconds, prefix, lua=LUA, env=env)


PLAIN = {"deltas": {"chatgpt.com": 150, "claude.ai": 3}}
USAGE = PLAIN | {
    "usage": [
        {"host": "chatgpt.com", "model": "gpt-5", "input": 20, "output": 100, "context": 2400,
         "turns": 1, "exact": True},
        {"host": "chatgpt.com", "model": "gpt-5-t-mini", "input": 10, "output": 20, "context": 0,
         "turns": 1, "exact": True},
        {"host": "claude.ai", "model": "claude-sonnet-4-5", "input": 1, "output": 2, "context": 300,
         "turns": 1},
    ]
}  # fmt: skip


def cpu_per_request(requests: int, rounds: int) -> list[str]:
    """CPU seconds (process time: what the GIL-bound server spends, not the wait for the disk)
    per /add through Flask's test client, the whole request path with a real journal. On a busy
    machine wall-clock throughput swings by 2x between rounds; CPU per request barely does."""
    from collector import create_app

    lines, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "API_KEY": "k", "STATE_PATH": f"{tmp}/state.json", "SNAP_DIR": f"{tmp}/snapshots",
            "DB_PATH": f"{tmp}/c.db", "BUCKET_TIMEZONE": "UTC",
        })  # fmt: skip
        client = app.test_client()
        try:
            for rnd in range(rounds):
                us = {}
                for name, extra in (("plain", PLAIN), ("usage", USAGE)):
                    bodies = [  # encoded before the clock starts: only the server side counts
                        json.dumps({"client_id": f"{name}{rnd}-{n}", "seq": 1, **extra})
                        for n in range(requests)
                    ]
                    headers = {"X-API-KEY": "k", "Content-Type": "application/json"}
                    started = time.process_time()
                    for data in bodies:
                        client.post("/add", data=data, headers=headers)
                    us[name] = (time.process_time() - started) / requests * 1e6
                ratios.append(us["plain"] / us["usage"])
                lines.append(
                    f"round {rnd + 1}: plain {us['plain']:.0f} us, with usage "
                    f"{us['usage']:.0f} us of CPU per request"
                )
        finally:
            app.extensions["collector"].close()
    lines.append(f"plain / with usage CPU per request: median {statistics.median(ratios):.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--cpu-requests", type=int, default=3000)
    args = parser.parse_args(argv)
    print("| round | body | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        proc = CollectorProcess(Path(tmp), api_key="bench-key").start()
        try:
            for rnd in range(1, args.rounds + 1):
                # alternate which kind goes first, so a drifting machine favours neither
                order = (False, True) if rnd % 2 else (True, False)
                results = {}
                for usage in order:
                    prefix = f"r{rnd}{'u' if usage else 'p'}"
                    results[usage] = wrk(proc.url, args.connections, args.seconds, prefix, usage)
                for usage in (False, True):
                    r = results[usage]
                    body = "with usage" if usage else "plain"
                    print(f"| {rnd} | {body} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} |")
                ratios.append(results[True]["rps"] / results[False]["rps"])
        finally:
            proc.stop()
    print("\nin process, CPU per request (Flask test client, real journal):")
    for line in cpu_per_request(args.cpu_requests, args.rounds):
        print(line)
    ratio = statistics.median(ratios)
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(
        f"\nwith usage / plain requests/s at {args.connections} connections: median {ratio:.3f} "
        f"(rounds: {', '.join(f'{r:.3f}' for r in ratios)}); target >= {TARGET}: {verdict}"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
