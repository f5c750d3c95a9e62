"""Agent-log scanner speed and memory, in a real collector process (`python -m collector`).

1. First scan of ~1 GB of generated logs (Claude Code 60 %, Codex 30 %, Gemini CLI 10 % of the
   bytes; most bytes are prompt/tool-output lines, as in real transcripts), triggered by
   `POST /api/agents/scan`; the figure is the scanner's own `seconds`.
2. Idle rescan of an unchanged tree of 10,000 files (target < 200 ms): median of 10 scans.
3. The collector's peak RSS (VmHWM) over both (target < 200 MB).

    .venv/bin/python -m bench.agents.scan_bench [--gigabytes 1.0] [--idle-files 10000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from tests.support.collector_proc import CollectorProcess

PAD = "x" * 4000  # stands for a prompt or a tool output: read, never parsed
T0 = 1_777_600_000  # 2026-05-01


def _ts(n: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(T0 + n * 7))


def claude_file(path: Path, start: int, requests: int) -> int:
    lines = []
    for n in range(start, start + requests):
        lines.append(
            f'{{"type":"user","timestamp":"{_ts(n)}","sessionId":"s{start}","cwd":"/home/u/p",'
            f'"message":{{"role":"user","content":[{{"type":"tool_result","content":"{PAD}"}}]}}}}'
        )
        for out in (1, 40, 120 + n % 50):  # three streamed copies of one response
            lines.append(
                f'{{"type":"assistant","timestamp":"{_ts(n)}","sessionId":"s{start}",'
                f'"version":"2.1.150","isSidechain":false,"requestId":"req_{n}","cwd":"/home/u/p",'
                f'"message":{{"id":"msg_{n}","model":"claude-opus-4-7","usage":{{"input_tokens":3,'
                f'"output_tokens":{out},"cache_creation_input_tokens":200,'
                f'"cache_read_input_tokens":{5000 + n % 1000},"cache_creation":'
                f'{{"ephemeral_5m_input_tokens":150,"ephemeral_1h_input_tokens":50}}}}}}}}'
            )
    data = "\n".join(lines) + "\n"
    path.write_text(data)
    return len(data)


def codex_file(path: Path, start: int, requests: int) -> int:
    sid = f"0199a000-0000-7000-8000-{start:012d}"
    lines = [
        f'{{"timestamp":"{_ts(start)}","type":"session_meta","payload":{{"id":"{sid}","cli_version":"0.140.0"}}}}',
        f'{{"timestamp":"{_ts(start)}","type":"turn_context","payload":{{"cwd":"/home/u/p","model":"gpt-5"}}}}',
    ]
    total = [0, 0, 0, 0]
    for n in range(start, start + requests):
        last = [2000 + n % 500, 1500, 200 + n % 30, 50]
        total = [a + b for a, b in zip(total, last, strict=True)]
        lines.append(
            f'{{"timestamp":"{_ts(n)}","type":"response_item","payload":{{"type":"message","role":"user",'
            f'"content":[{{"type":"input_text","text":"{PAD}"}}]}}}}'
        )
        usage = '"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":{}'
        for _ in range(2):  # every total is re-emitted once
            lines.append(
                f'{{"timestamp":"{_ts(n)}","type":"event_msg","payload":{{"type":"token_count","info":'
                f'{{"total_token_usage":{{{usage.format(*total)}}},"last_token_usage":'
                f'{{{usage.format(*last)}}},"model_context_window":272000}},"rate_limits":null}}}}'
            )
    data = "\n".join(lines) + "\n"
    path.write_text(data)
    return len(data)


def gemini_file(path: Path, start: int, requests: int) -> int:
    lines = [f'{{"sessionId":"g{start}","projectHash":"p","kind":"main"}}']
    for n in range(start, start + requests):
        lines.append(f'{{"id":"u{n}","timestamp":"{_ts(n)}","type":"user","content":"{PAD}"}}')
        lines.append(
            f'{{"id":"m{n}","timestamp":"{_ts(n)}","type":"gemini","model":"gemini-3-flash-preview",'
            f'"tokens":{{"input":{9000 + n % 100},"output":80,"cached":4000,"thoughts":300,"tool":0}}}}'
        )
    data = "\n".join(lines) + "\n"
    path.write_text(data)
    return len(data)


def build_big(base: Path, gigabytes: float) -> dict[str, int]:
    """Files of ~0.5 MB each until the byte budget of each agent is spent."""
    budget = int(gigabytes * 1e9)
    written = {"claude": 0, "codex": 0, "gemini": 0}
    shares = {"claude": 0.6, "codex": 0.3, "gemini": 0.1}
    n = 0
    for agent, share in shares.items():
        while written[agent] < budget * share:
            n += 1
            if agent == "claude":
                folder = base / "home" / ".claude" / "projects" / f"-home-u-p{n % 20}"
                folder.mkdir(parents=True, exist_ok=True)
                written[agent] += claude_file(folder / f"s{n}.jsonl", n * 1000, 100)
            elif agent == "codex":
                folder = base / "codex" / "sessions" / "2026" / "05" / f"{n % 28 + 1:02d}"
                folder.mkdir(parents=True, exist_ok=True)
                written[agent] += codex_file(folder / f"rollout-{n}.jsonl", n * 1000, 120)
            else:
                folder = base / "home" / ".gemini" / "tmp" / f"p{n % 10}" / "chats"
                folder.mkdir(parents=True, exist_ok=True)
                written[agent] += gemini_file(folder / f"session-{n}.jsonl", n * 1000, 120)
    return written


def build_idle(base: Path, files: int) -> None:
    for n in range(files):
        folder = base / "home" / ".claude" / "projects" / f"-home-u-p{n % 100}"
        folder.mkdir(parents=True, exist_ok=True)
        claude_file(folder / f"s{n}.jsonl", n * 10, 1)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_collector(tree: Path, data: Path) -> CollectorProcess:
    return CollectorProcess(
        data,
        env={"AGENT_LOGS": "claude-code,codex,gemini-cli", "HOME": str(tree / "home"),
             "XDG_CONFIG_HOME": str(tree / "xdg"), "CODEX_HOME": str(tree / "codex"),
             "AGENT_SCAN_INTERVAL_SECONDS": "86400", "LOG_LEVEL": "INFO"},
    ).start()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--idle-files", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agents-bench-") as tmp:
        base = Path(tmp)
        started = time.monotonic()
        written = build_big(base / "big", args.gigabytes)
        files = sum(1 for _ in (base / "big").rglob("*.jsonl"))
        print(f"generated {sum(written.values()) / 1e9:.2f} GB in {files} files "
              f"({time.monotonic() - started:.0f} s): {written}")  # fmt: skip
        proc = run_collector(base / "big", base / "data-big")
        try:
            status, first = proc.request("POST", "/api/agents/scan", timeout=3600)
            assert status == 200, first
            status, again = proc.request("POST", "/api/agents/scan", timeout=600)
            rss = peak_rss_mb(proc.proc.pid) if proc.proc else float("nan")
        finally:
            proc.stop()
        db_mb = os.path.getsize(base / "data-big" / "collector.db") / 1e6
        with sqlite3.connect(base / "data-big" / "collector.db") as db:
            rows = db.execute("SELECT COUNT(*) FROM agent_requests").fetchone()[0]
        gb = sum(written.values()) / 1e9
        print("\n| measure | value |\n|---|---|")
        print(f"| first scan of {gb:.2f} GB, {files} files | {first['seconds']:.1f} s "
              f"({gb * 1000 / first['seconds']:.0f} MB/s), {rows} requests stored |")  # fmt: skip
        print(f"| rescan of that tree, unchanged | {again['seconds'] * 1000:.0f} ms |")
        print(f"| collector peak RSS (VmHWM) during the first scan | {rss:.0f} MB |")
        print(f"| database size after the scan | {db_mb:.0f} MB |")
        build_idle(base / "idle", args.idle_files)
        proc = run_collector(base / "idle", base / "data-idle")
        try:
            status, first = proc.request("POST", "/api/agents/scan", timeout=600)
            times = []
            for _ in range(10):
                status, body = proc.request("POST", "/api/agents/scan", timeout=60)
                times.append(body["seconds"] * 1000)
            rss = peak_rss_mb(proc.proc.pid) if proc.proc else float("nan")
        finally:
            proc.stop()
        print(f"| first scan of {args.idle_files} small files | {first['seconds']:.1f} s |")
        print(f"| idle rescan of {args.idle_files} unchanged files (median of 10; min, max) | "
              f"{statistics.median(times):.0f} ms ({min(times):.0f}, {max(times):.0f}) |")  # fmt: skip
        print(f"| collector peak RSS (VmHWM), idle tree | {rss:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
