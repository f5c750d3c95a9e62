"""Benchmark of /add against the bare Flask-on-waitress stack, plus big-state, replay and memory.

    .venv/bin/python -m bench.collector.run [--seconds 10] [--rounds 2]

Prints a Markdown report (paste it into docs/benchmarks.md). Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collector.config import load_settings
from collector.journal import HEADER
from collector.journal_records import AddRecord, encode
from collector.metrics import Metrics
from collector.recovery import recover
from collector.store import Store
from tests.support.collector_proc import REPO_ROOT, CollectorProcess

LUA = Path(__file__).with_name("add.lua")
RESULT = re.compile(
    r"RESULT rps=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) requests=(\d+) non2xx=(\d+)"
)


def wrk(
    url: str,
    connections: int,
    seconds: int,
    prefix: str,
    lua: Path = LUA,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run with a Lua script that prints a RESULT line; every answer must be a 2xx."""
    env = os.environ | {"BENCH_API_KEY": "bench-key", "BENCH_CLIENT_PREFIX": prefix} | (env or {})
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua), url],
        capture_output=True, text=True, env=env, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    match = RESULT.search(out)
    if not match:
        raise RuntimeError(f"no RESULT line in wrk output:\n{out}")
    rps, p50, p99, requests, non2xx = (float(g) for g in match.groups())
    if non2xx:
        raise RuntimeError(f"{int(non2xx)} of {int(requests)} answers were not 2xx")
    return {"rps": rps, "p50": p50, "p99": p99, "requests": requests}


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process used so far (its threads and the kernel work it caused)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(
    url: str,
    pid: int,
    connections: int,
    seconds: int,
    prefix: str,
    lua: Path = LUA,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """wrk's figures plus the server's CPU per answered request, in µs: a server whose CPU per
    request times its requests/s nears 1 s per second is bound by the GIL, not by the disk."""
    before = cpu_seconds(pid)
    result = wrk(url, connections, seconds, prefix, lua=lua, env=env)
    result["cpu_us"] = (cpu_seconds(pid) - before) / result["requests"] * 1e6
    return result


class Bare:
    def __init__(self, durable: bool = False, threads: int = 8) -> None:
        self.args = ["--threads", str(threads)] + (["--durable"] if durable else [])

    def __enter__(self) -> Bare:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.collector.bare_app", *self.args],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.url = line.split("listening on ")[1].strip()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        if self.proc.stdout:
            self.proc.stdout.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seed_big_state(data_dir: Path, clients: int, days: int, hosts: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    host_names = [f"site{i}.example" for i in range(hosts)]
    state = {
        "format": 1,
        "lsn": 0,
        "since_ms": 1_700_000_000_000,
        "resets": 0,
        "counters": {h: 1000 for h in host_names},
        "daily_totals": {
            time.strftime("%Y-%m-%d", time.gmtime(1_764_000_000 + d * 86400)): {
                h: 10 for h in host_names
            }
            for d in range(days)
        },
        "clients": {f"known-{i}": {"last_seq": 5, "last_seen_ms": 0} for i in range(clients)},
    }
    (data_dir / "state.json").write_text(json.dumps(state))


def run_pair(seconds: int, rounds: int) -> list[str]:
    """The collector against the bare stack, and against the bare stack that also flushes each
    body to disk (`bare+fsync`), in alternation, on the same machine and in the same minutes."""
    rows = [
        "| stack | connections | round | requests/s | p50 ms | p99 ms | server CPU µs a request |",
        "|---|---|---|---|---|---|---|",
    ]
    summary: dict[tuple[str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        durable = CollectorProcess(Path(tmp), api_key="bench-key")
        durable.start()
        try:
            with Bare() as bare, Bare(durable=True) as bare_fsync:
                assert durable.proc is not None
                stacks = (
                    ("bare", bare.url, bare.proc.pid),
                    ("bare+fsync", bare_fsync.url, bare_fsync.proc.pid),
                    ("collector", durable.url, durable.proc.pid),
                )
                for rnd in range(1, rounds + 1):
                    for conns in (8, 64):
                        for name, url, pid in stacks:
                            result = measured(url, pid, conns, seconds, f"r{rnd}c{conns}")
                            summary.setdefault((name, conns), []).append(result)
                            rows.append(
                                f"| {name} | {conns} | {rnd} | {result['rps']:.0f} | "
                                f"{result['p50']:.2f} | {result['p99']:.2f} | "
                                f"{result['cpu_us']:.0f} |"
                            )
        finally:
            durable.stop()
    rows.append("")
    rows.append(
        "| connections | collector/bare requests/s | collector p99 / bare p99 "
        "| bare+fsync/bare requests/s | collector/bare+fsync requests/s "
        "| collector p99 / bare+fsync p99 |"
    )
    rows.append("|---|---|---|---|---|---|")

    def ratio(conns: int, top: str, bottom: str, key: str = "rps") -> float:
        """Median over rounds of the per-round ratio (rounds share the machine's mood)."""
        pairs = zip(summary[(top, conns)], summary[(bottom, conns)], strict=True)
        return statistics.median(t[key] / b[key] for t, b in pairs)

    for conns in (8, 64):
        rows.append(
            f"| {conns} | {ratio(conns, 'collector', 'bare'):.2f} "
            f"| {ratio(conns, 'collector', 'bare', 'p99'):.2f} "
            f"| {ratio(conns, 'bare+fsync', 'bare'):.2f} "
            f"| {ratio(conns, 'collector', 'bare+fsync'):.2f} "
            f"| {ratio(conns, 'collector', 'bare+fsync', 'p99'):.2f} |"
        )
    return rows


def run_big_state(seconds: int) -> list[str]:
    rows = [
        "| state | requests/s at 8 connections | p99 ms | RSS idle MB | RSS after MB |",
        "|---|---|---|---|---|",
    ]
    for label, clients, days in (
        ("empty", 0, 0),
        ("100,000 clients, 365 days x 30 hosts", 100_000, 365),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            if clients:
                seed_big_state(Path(tmp), clients, days, 30)
            proc = CollectorProcess(Path(tmp), api_key="bench-key").start()
            try:
                assert proc.proc is not None
                idle = rss_mb(proc.proc.pid)
                result = wrk(proc.url, 8, seconds, "big")
                after = rss_mb(proc.proc.pid)
            finally:
                proc.stop()
        rows.append(
            f"| {label} | {result['rps']:.0f} | {result['p99']:.2f} | {idle:.0f} | {after:.0f} |"
        )
    return rows


def run_replay(records: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "snapshots").mkdir()
        journal = base / "state.json.journal"
        with open(journal, "wb") as handle:
            handle.write(HEADER)
            for lsn in range(1, records + 1):
                client = f"c{lsn % 1000}"
                deltas = {"chatgpt.com": 5, "claude.ai": 2}
                record = AddRecord(lsn, client, lsn // 1000 + 1, deltas, "2026-11-25", 0)
                handle.write(encode(record))
        size_mb = journal.stat().st_size / 1e6
        started = time.perf_counter()
        result = recover(base / "state.json", journal, base / "snapshots")
        replay_seconds = time.perf_counter() - started
        assert result.replayed == records, result
        # The whole start: replay, then a checkpoint and a new journal, as the collector does.
        settings = load_settings(
            {
                "API_KEY": "k",
                "STATE_PATH": str(base / "state.json"),
                "SNAP_DIR": str(base / "snapshots"),
            }
        )
        started = time.perf_counter()
        Store(settings, Metrics()).close()
        start_seconds = time.perf_counter() - started
    return [
        "| journal records | file MB | replay seconds | records/s | whole start (replay + checkpoint) s |",
        "|---|---|---|---|---|",
        f"| {records:,} | {size_mb:.0f} | {replay_seconds:.2f} | {records / replay_seconds:,.0f} "
        f"| {start_seconds:.2f} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--replay-records", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    print(
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}\n"
    )
    print(f"### /add vs the bare stack ({args.seconds} s per run, wrk -t2, durable mode)\n")
    print("\n".join(run_pair(args.seconds, args.rounds)), "\n")
    print("### Big state and memory\n")
    print("\n".join(run_big_state(args.seconds)), "\n")
    print("### Journal replay on start\n")
    print("\n".join(run_replay(args.replay_records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
