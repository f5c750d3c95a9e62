"""CLIProxy source speed: ingest a year of usage-queue records into SQLite, then time the daily-stats
query over that year and a rate-limit sync, with a million rows in `requests`.

Targets: ingest > 20,000 records/s, daily stats and limit sync < 100 ms. Ingest is timed batch by
batch as the poller stores them (`Ingestor.queue_rows` + `ingest.store`: timestamp parsing, masking,
per-request pricing, dedup, the daily aggregate); making each batch of records is not timed.

    .venv/bin/python -m bench.cliproxy.ingest_bench [--records 1000000] [--batch 5000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from collector.cliproxy import configs, ingest, limits, reports
from collector.cliproxy.db import connect
from collector.pricing import Pricer

ZONE = "Asia/Bangkok"
MODELS = [  # (model, provider, executor type) as CLIProxyAPI v7.2 names them
    ("gpt-5-codex", "codex", "CodexExecutor"),
    ("gpt-5-codex-high", "codex", "CodexExecutor"),
    ("claude-sonnet-4-5-20250929", "claude", "ClaudeExecutor"),
    ("claude-opus-4-5-20251101", "antigravity", "AntigravityExecutor"),
    ("gemini-2.5-pro", "gemini-cli", "GeminiCLIExecutor"),
    ("qwen3-coder-plus", "qwen", "OpenAICompatExecutor"),  # unknown to genai-prices: unpriced
]
KEYS = [f"sk-bench-client-{i:04d}-secret" for i in range(5)]
START = datetime(2025, 11, 1, tzinfo=UTC)
LIMITS = [
    {
        "model_pattern": "gpt",
        "reset_strategy": "rolling",
        "window_minutes": 300,
        "token_limit": 800_000,
    },
    {"model_pattern": "gpt", "reset_strategy": "weekly", "token_limit": 5_000_000},
    {
        "model_pattern": "claude",
        "reset_strategy": "rolling",
        "window_minutes": 300,
        "token_limit": 1_500_000,
    },
    {"model_pattern": "claude", "reset_strategy": "weekly", "token_limit": 20_000_000},
    {"model_pattern": "gemini", "reset_strategy": "daily", "request_limit": 1000},
    {"model_pattern": "gemini", "reset_strategy": "weekly", "token_limit": 25_000_000},
]


def records(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Queue records spread evenly over 365 days, like `GET /usage-queue` returns them."""
    rng = random.Random(seed)
    step = 365 * 86400 / n
    for i in range(n):
        model, provider, executor = MODELS[rng.randrange(len(MODELS))]
        stamp = START + timedelta(seconds=i * step, microseconds=rng.randrange(1_000_000))
        fresh, cached = rng.randrange(200, 150_000), rng.randrange(0, 60_000)
        out, reasoning = rng.randrange(10, 8000), rng.randrange(0, 2000)
        # Claude reports fresh input only; the others include the cache reads (accounting.go)
        inp = fresh if provider == "claude" else fresh + cached
        yield {
            "timestamp": stamp.isoformat().replace("+00:00", "Z"),
            "latency_ms": rng.randrange(200, 60_000),
            "source": "alice@example.com",
            "auth_index": "3f2a9c1d0b7e4a55",
            "tokens": {
                "input_tokens": inp,
                "output_tokens": out,
                "reasoning_tokens": reasoning,
                "cached_tokens": cached,
                "cache_read_tokens": cached,
                "total_tokens": fresh + cached + out,
            },
            "failed": rng.random() < 0.02,
            "fail": {"status_code": 200},
            "provider": provider,
            "executor_type": executor,
            "model": model,
            "alias": model,
            "endpoint": "POST /v1/chat/completions",
            "api_key": KEYS[rng.randrange(len(KEYS))],
            "request_id": f"{i:08x}",
        }


def timed(fn: Callable[[], Any], runs: int = 7) -> float:
    """Median milliseconds over `runs` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        db = connect(db_path)
        ingestor = ingest.Ingestor(Pricer(), ZONE)
        source = records(args.records)
        stored, wall, cpu, first = 0, 0.0, 0.0, None
        while batch := [rec for _, rec in zip(range(args.batch), source, strict=False)]:
            first = first or batch
            start, start_cpu = time.perf_counter(), time.process_time()
            stored += ingest.store(db, ingestor.queue_rows(batch))
            wall += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
        again = ingest.store(db, ingestor.queue_rows(first or []))  # a replayed batch: duplicates

        with db:
            for cfg in LIMITS:
                configs.create(db, configs.validate(cfg), 0)
        now_ms = int((START + timedelta(days=364, hours=12)).timestamp() * 1000)
        daily_ms = timed(lambda: reports.daily_stats(db, "2025-11-01", "2026-10-31"))
        models_ms = timed(lambda: reports.model_costs(db, "2025-11-01", "2026-10-31"))
        sync_ms = timed(lambda: limits.sync(db, ZONE, now_ms))
        days = len(reports.daily_stats(db, "2025-11-01", "2026-10-31"))
        rows = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        unpriced = db.execute(
            "SELECT COUNT(*) FROM requests WHERE pricing_status = 'unpriced'"
        ).fetchone()[0]
        db.close()
        size_mb = db_path.stat().st_size / 1e6

    print(f"ingest: {stored:,} records in {wall:.1f} s = {stored / wall:,.0f} records/s wall "
          f"({stored / cpu:,.0f}/s of CPU time); target > 20,000")  # fmt: skip
    print(f"a replayed batch of {args.batch:,} records stored {again} rows")
    print(f"rows in requests: {rows:,} ({unpriced:,} unpriced); database {size_mb:,.0f} MB")
    print(f"daily stats over a year ({days} days): median {daily_ms:.1f} ms (target < 100)")
    print(f"model costs over a year: median {models_ms:.1f} ms")
    print(f"limit sync, {len(LIMITS)} configs: median {sync_ms:.1f} ms (target < 100)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
