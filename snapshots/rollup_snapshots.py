#!/usr/bin/env python3
"""Fold snapshot files into snapshots.csv by hand: the same fold `POST /reset` runs.

    python snapshots/rollup_snapshots.py [--dir DIR] [--cutoff-hour 8] [--dry-run]

Reads every `snapshot_*.json` in DIR (default: $SNAP_DIR, else this script's folder), adds each one's
`daily_totals` (or, for an old snapshot with only `totals`, the UTC date of its file-name timestamp,
the day before when taken before the cutoff hour) into `snapshots.csv`, then renames it `.json.bak`.
Run it twice, or kill it anywhere: no snapshot is ever counted twice or dropped.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

# Runnable as a plain script from a checkout: make the collector package importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collector.config import Settings
from collector.errors import CollectorError
from collector.fold import fold
from collector.snapshot_files import DEFAULT_CUTOFF_HOUR, pending_snapshots, snapshot_days


def _hour(value: str) -> int:
    hour = int(value)
    if not 0 <= hour <= 23:
        raise argparse.ArgumentTypeError("the cutoff hour is 0 to 23")
    return hour


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_dir = os.environ.get("SNAP_DIR") or str(Path(__file__).resolve().parent)
    parser.add_argument("--dir", type=Path, default=Path(default_dir), help="snapshot folder")
    parser.add_argument(
        "--cutoff-hour",
        type=_hour,
        default=DEFAULT_CUTOFF_HOUR,
        help="for snapshots without daily_totals: taken before this UTC hour = the previous day",
    )
    parser.add_argument(
        "--max-hosts",
        type=int,
        default=int(os.environ.get("MAX_HOSTS") or Settings.max_hosts),
        help="most host columns snapshots.csv may hold (default: MAX_HOSTS, else %(default)s)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be folded")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not args.dir.is_dir():
        print(f"rollup: {args.dir} is not a folder", file=sys.stderr)
        return 1
    try:
        if args.dry_run:
            for path in pending_snapshots(args.dir):
                print(f"{path.name}: {snapshot_days(path, args.cutoff_hour)}")
            return 0
        result = fold(args.dir, args.cutoff_hour, max_hosts=args.max_hosts)
    except (CollectorError, OSError, ValueError) as exc:
        print(f"rollup: {exc}", file=sys.stderr)
        return 1
    if result.folded:
        print(
            f"folded {len(result.folded)} snapshot(s) into {result.csv_path} ({', '.join(result.dates)})"
        )
    else:
        print(f"nothing to fold in {args.dir}")
    for name in result.skipped_corrupt:
        print(f"skipped damaged {name} (moved to {name}.corrupt)", file=sys.stderr)
    for name in result.over_limit:
        print(f"left {name} unfolded: it would take the CSV past --max-hosts", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
