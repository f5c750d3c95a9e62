"""Snapshot files: `snapshot_<ms>.json` = the usage a reset took away, waiting to be folded.

This module owns the format: the file-name pattern, writing (through a `.pending` name, so a file
only appears under its real name once the reset is in the journal), and reading with a format and
content check. A file placed in the folder by hand is read the same way, so a value that is not a
hostname or a count never reaches the CSV.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import CollectorError, UnknownFormatError
from .fsio import atomic_write, fsync_dir, write_synced
from .hostnames import normalise_hostname
from .usage_buckets import UsageDays, read_usage
from .usage_detail import MODEL_RE

SNAPSHOT_FORMAT = 1
PENDING_SUFFIX = ".pending"
# Hours after midnight UTC at which a legacy snapshot (totals only) still counts for the day before.
DEFAULT_CUTOFF_HOUR = 8
_NAME = re.compile(r"^snapshot_(\d+)\.json$")

Days = dict[str, dict[str, int]]


def snapshot_name(at_ms: int) -> str:
    return f"snapshot_{at_ms}.json"


def file_ms(name: str) -> int:
    """The time in a snapshot's name, in ms. :raise ValueError: not a snapshot_<ms>.json name."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"{name}: not a snapshot_<ms>.json name")
    number = int(match.group(1))
    return number * 1000 if number < 100_000_000_000 else number  # seconds in old tools' names


def snapshot_payload(
    totals: dict[str, int],
    daily_totals: dict[str, dict[str, int]],
    zone: str,
    at_ms: int,
    usage_daily: dict[str, Any] | None = None,
    unparsed_daily: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The snapshot file's content; the usage detail only when there is some, so snapshots of
    the original extension's batches stay exactly as they were."""
    payload: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "totals": totals,
        "daily_totals": daily_totals,
        "bucket_timezone": zone,
        "created_at": at_ms,
    }
    if usage_daily:
        payload["usage_daily"] = usage_daily
    if unparsed_daily:
        payload["unparsed_daily"] = unparsed_daily
    return payload


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=1, sort_keys=True).encode() + b"\n"


def write_snapshot(snap_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    """Write a snapshot under its real name at once (recovery, re-creating one a crash lost)."""
    path = snap_dir / name
    atomic_write(path, _encode(payload), mode=0o600)
    return path


def write_pending(snap_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    """First step of a reset: the file on disk under a name nothing folds. :raise OSError."""
    path = snap_dir / (name + PENDING_SUFFIX)
    try:
        write_synced(path, _encode(payload), mode=0o600)
        fsync_dir(snap_dir)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


def publish(pending: Path) -> None:
    """Last step of a reset (once it is in the journal): give the file its real name."""
    os.replace(pending, pending.with_name(pending.name.removesuffix(PENDING_SUFFIX)))
    fsync_dir(pending.parent)


def discard_pending(snap_dir: Path) -> None:
    """Drop `.pending` files a crash left: their reset either is in the journal (and recovery wrote
    the snapshot from it) or never was (and must not count)."""
    for path in snap_dir.glob(f"snapshot_*.json{PENDING_SUFFIX}"):
        with contextlib.suppress(OSError):
            path.unlink()


def snapshot_exists(snap_dir: Path, name: str) -> bool:
    """Written already: still waiting (`.json`) or folded (`.json.bak`)."""
    return (snap_dir / name).exists() or (snap_dir / f"{name}.bak").exists()


def pending_snapshots(snap_dir: Path) -> list[Path]:
    """Snapshot files waiting to be folded, oldest first."""
    return sorted(
        (p for p in snap_dir.glob("snapshot_*.json") if _NAME.match(p.name)),
        key=lambda p: file_ms(p.name),
    )


def legacy_day(ms: int, cutoff_hour: int) -> str:
    """A snapshot with only totals counts for the UTC date it was taken, or the day before when it
    was taken before `cutoff_hour` (a reset run just after midnight closes the previous day)."""
    taken = datetime.fromtimestamp(ms / 1000, UTC)
    if taken.hour < cutoff_hour:
        taken -= timedelta(days=1)
    return taken.date().isoformat()


def _counts(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not an object")
    counts: dict[str, int] = {}
    for raw_host, n in value.items():
        host = normalise_hostname(raw_host) if isinstance(raw_host, str) else None
        if host is None:
            raise ValueError(f"{where} has a key that is not a hostname: {str(raw_host)[:60]!r}")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{where}[{host!r}] is not a non-negative integer")
        counts[host] = counts.get(host, 0) + n
    return counts


def _check_date(day: str) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise ValueError(f"{day[:20]!r} is not a YYYY-MM-DD date")
    datetime.strptime(day, "%Y-%m-%d")  # raises ValueError for an impossible date


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format") not in (None, SNAPSHOT_FORMAT):
        raise UnknownFormatError(f"{path.name}: snapshot format {data.get('format')!r} is newer")
    return data


def snapshot_usage(path: Path) -> UsageDays:
    """The usage detail (`usage_daily`) of one snapshot file, {} when it has none.

    Checked like the counts: dates, hostnames and model ids (empty: the page did not say).
    :raise ValueError: the detail is malformed. :raise UnknownFormatError: a newer format.
    """
    data = _read(path)
    try:
        days = read_usage(data.get("usage_daily"), "usage_daily")
    except CollectorError as exc:  # CorruptStateError: malformed
        raise ValueError(str(exc)) from exc
    for day, hosts in days.items():
        _check_date(day)
        for host, models in hosts.items():
            if normalise_hostname(host) != host:
                raise ValueError(f"usage_daily has a key that is not a hostname: {host[:60]!r}")
            bad = [m for m in models if m and not MODEL_RE.fullmatch(m)]
            if bad:
                raise ValueError(f"usage_daily[{host!r}] has a bad model id: {bad[0][:60]!r}")
    return days


def snapshot_days(path: Path, cutoff_hour: int) -> Days:
    """The usage in one snapshot file, by date.

    :raise ValueError: the file is not a valid snapshot (damaged, or hand-made with bad values).
    :raise UnknownFormatError: a format this version does not read (left as it is).
    """
    data = _read(path)
    daily = data.get("daily_totals") or {}
    if not isinstance(daily, dict):
        raise ValueError("daily_totals is not an object")
    days = {day: _counts(hosts, f"daily_totals[{day[:20]!r}]") for day, hosts in daily.items()}
    if not any(any(h.values()) for h in days.values()):
        totals = _counts(data.get("totals") or {}, "totals")
        days = {legacy_day(file_ms(path.name), cutoff_hour): totals} if totals else {}
    for day in days:
        _check_date(day)
    return days
