"""Snapshot files: `snapshot_<ms>.json` = the usage a reset took away, waiting to be folded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .fsio import atomic_write

SNAPSHOT_FORMAT = 1


def snapshot_name(at_ms: int) -> str:
    return f"snapshot_{at_ms}.json"


def snapshot_payload(
    totals: dict[str, int], daily_totals: dict[str, dict[str, int]], zone: str, at_ms: int
) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "totals": totals,
        "daily_totals": daily_totals,
        "bucket_timezone": zone,
        "created_at": at_ms,
    }


def write_snapshot(snap_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    path = snap_dir / name
    atomic_write(path, json.dumps(payload, indent=1, sort_keys=True).encode() + b"\n")
    return path


def snapshot_exists(snap_dir: Path, name: str) -> bool:
    """Written already: still waiting (`.json`) or folded (`.json.bak`)."""
    return (snap_dir / name).exists() or (snap_dir / f"{name}.bak").exists()
