"""Import CLIProxy `/usage/export` files (or saved `/usage` answers) into the collector's database.

    python -m collector.cliproxy.importer export-2026-05-01.json [more.json ...]

Reads DB_PATH, CLIPROXY_TIMEZONE (or TIMEZONE_OFFSET_HOURS) and PRICING_OVERRIDE_PATH like the
collector (environment, then `.env`). Every request row has a dedup key, so importing the same
export twice, or an export overlapping what the poller already stored, never counts twice.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from collector.config import load_settings
from collector.errors import CollectorError

from . import ingest
from .db import connect

BATCH = 5000


def usage_of(document: Any, path: Path) -> dict[str, Any]:
    """The StatisticsSnapshot inside an export (`{"version", "usage"}`) or a `/usage` answer.

    :raise CollectorError: neither shape.
    """
    usage = document.get("usage") if isinstance(document, dict) else None
    if not isinstance(usage, dict) or not isinstance(usage.get("apis", {}), dict):
        raise CollectorError(f"{path}: not a CLIProxy usage export (no 'usage' object with 'apis')")
    return usage


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    try:
        from dotenv import load_dotenv

        load_dotenv()
        # the importer does not need the collector's API key; any value satisfies the loader
        settings = load_settings({"API_KEY": "-", **os.environ})
        from collector.pricing import make_pricer

        ingestor = ingest.Ingestor(make_pricer(settings), settings.cliproxy_timezone)
        db = connect(settings.db_path)
        try:
            for name in args:
                path = Path(name)
                try:
                    document = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise CollectorError(f"{path}: cannot read JSON: {exc}") from exc
                rows = ingestor.legacy_rows(usage_of(document, path), era="import")
                added = sum(ingest.store(db, batch) for batch in _batches(rows))
                print(f"{path}: {added} new request(s) stored in {settings.db_path}")
        finally:
            db.close()
    except CollectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
