"""`make bench`: every benchmark in turn, each printing its own report for docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys

from tests.support.collector_proc import REPO_ROOT

BENCHMARKS = [
    [sys.executable, "-m", "bench.collector.run"],
    [sys.executable, "-m", "bench.collector.cpu_per_request"],
    [sys.executable, "-m", "bench.cliproxy.ingest_bench"],
    [sys.executable, "-m", "bench.agents.scan_bench"],
    [sys.executable, "-m", "bench.dashboard.usage_bench"],
    ["node", "bench/dashboard/page_bench.mjs"],
    [sys.executable, "-m", "bench.webcost.add_usage_bench"],
    [sys.executable, "-m", "bench.webcost.by_model_bench"],
    ["node", "bench/extension/run.mjs"],
    ["node", "bench/extension/tabclose.mjs"],
]


def main(argv: list[str] | None = None) -> int:
    """Run them one after another (never in parallel: they would measure each other)."""
    names = set(argv if argv is not None else sys.argv[1:])
    failed = 0
    for command in BENCHMARKS:
        if names and not any(name in " ".join(command) for name in names):
            continue
        print(f"\n$ {' '.join(command)}", flush=True)
        failed += subprocess.run(command, cwd=REPO_ROOT, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
