"""The fold: snapshot files into `snapshots.csv` (one row a date, one column a host), then `.bak`.

Shared by `POST /reset` and `snapshots/rollup_snapshots.py`. Crash-safe by a two-step commit: the new
CSV is written beside the old one, then an intent file names it and the snapshots it holds; only then
is the CSV renamed into place and each snapshot renamed to `.json.bak`. Whoever finds an intent
finishes it; a new CSV without an intent was never committed and is thrown away. So a snapshot is
counted exactly once however often, and wherever, the fold is interrupted.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import fcntl
import io
import json
import logging
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import CollectorError
from .fsio import atomic_write, fsync_dir, write_synced

log = logging.getLogger(__name__)

CSV_NAME = "snapshots.csv"
INTENT_NAME = ".rollup-intent.json"
LOCK_NAME = ".rollup.lock"
DEFAULT_CUTOFF_HOUR = 8
_SNAPSHOT_FILE = re.compile(r"^snapshot_(\d+)\.json$")

Days = dict[str, dict[str, int]]


@dataclasses.dataclass
class FoldResult:
    folded: list[str]
    dates: list[str]
    csv_path: Path
    skipped_corrupt: list[str] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def _locked(snap_dir: Path) -> Iterator[None]:
    """One fold at a time across processes (the collector and a hand-run script)."""
    with open(snap_dir / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def legacy_day(file_ms: int, cutoff_hour: int) -> str:
    """A snapshot with only totals counts for the UTC date it was taken, or the day before when it
    was taken before `cutoff_hour` (a reset run just after midnight closes the previous day)."""
    taken = datetime.fromtimestamp(file_ms / 1000, UTC)
    if taken.hour < cutoff_hour:
        taken -= timedelta(days=1)
    return taken.date().isoformat()


def _file_ms(name: str) -> int:
    match = _SNAPSHOT_FILE.match(name)
    if not match:
        raise CollectorError(f"{name}: not a snapshot_<ms>.json name")
    number = int(match.group(1))
    return number * 1000 if number < 100_000_000_000 else number  # seconds in old tools' names


def _counts(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not an object")
    counts = {}
    for host, n in value.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{where}[{host!r}] is not a non-negative integer")
        counts[str(host)] = n
    return counts


def snapshot_days(path: Path, cutoff_hour: int) -> Days:
    """The usage in one snapshot file, by date. :raise ValueError: the file is not a snapshot."""
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    daily = data.get("daily_totals") or {}
    if not isinstance(daily, dict):
        raise ValueError("daily_totals is not an object")
    days = {day: _counts(hosts, f"daily_totals[{day}]") for day, hosts in daily.items()}
    if not any(any(h.values()) for h in days.values()):
        totals = _counts(data.get("totals") or {}, "totals")
        days = {legacy_day(_file_ms(path.name), cutoff_hour): totals} if totals else {}
    for day in days:
        datetime.strptime(day, "%Y-%m-%d")  # raises ValueError for a malformed date
    return days


def add_days(into: Days, more: Days) -> None:
    for day, hosts in more.items():
        row = into.setdefault(day, {})
        for host, n in hosts.items():
            row[host] = row.get(host, 0) + n


def read_csv(path: Path) -> tuple[list[str], Days]:
    """Hosts in column order, and the rows. :raise CollectorError: the CSV is damaged."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return [], {}
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0] != "date":
        raise CollectorError(f"{path}: the first column must be 'date'")
    hosts, rows = header[1:], {}
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        try:
            rows[cells[0]] = {h: int(c or 0) for h, c in zip(hosts, cells[1:], strict=False)}
        except ValueError as exc:
            raise CollectorError(f"{path} line {number}: {exc}") from exc
    return hosts, rows


def render_csv(hosts: list[str], rows: Days) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", *hosts])
    for day in sorted(rows):
        writer.writerow([day, *(rows[day].get(h, 0) for h in hosts)])
    return out.getvalue().encode()


def _complete(snap_dir: Path, intent: dict[str, Any]) -> None:
    """Second step: put the new CSV in place, retire the snapshots it holds, drop the intent."""
    tmp = snap_dir / intent["csv_tmp"]
    if tmp.exists():
        os.replace(tmp, snap_dir / CSV_NAME)
    for name in intent["files"]:
        source = snap_dir / name
        if source.exists():
            os.replace(source, snap_dir / f"{name}.bak")
    fsync_dir(snap_dir)
    (snap_dir / INTENT_NAME).unlink()
    fsync_dir(snap_dir)


def finish_interrupted(snap_dir: Path) -> bool:
    """Finish a fold a crash interrupted; returns True if there was one. Call under the lock."""
    intent_path = snap_dir / INTENT_NAME
    if intent_path.exists():
        log.warning("finishing a snapshot fold that was interrupted")
        _complete(snap_dir, json.loads(intent_path.read_bytes()))
        return True
    (snap_dir / f"{CSV_NAME}.tmp").unlink(missing_ok=True)  # never committed
    return False


def pending_snapshots(snap_dir: Path) -> list[Path]:
    return sorted(
        (p for p in snap_dir.glob("snapshot_*.json") if _SNAPSHOT_FILE.match(p.name)),
        key=lambda p: _file_ms(p.name),
    )


def _quarantine(path: Path, reason: str) -> None:
    aside = path.with_name(path.name + ".corrupt")
    os.replace(path, aside)
    log.error("%s is not a snapshot (%s); moved to %s, not folded", path.name, reason, aside.name)


def fold(snap_dir: Path, cutoff_hour: int = DEFAULT_CUTOFF_HOUR) -> FoldResult:
    """Fold every waiting snapshot in `snap_dir` into its CSV. :raise CollectorError: bad CSV."""
    csv_path = snap_dir / CSV_NAME
    with _locked(snap_dir):
        finish_interrupted(snap_dir)
        hosts, rows = read_csv(csv_path)
        result = FoldResult(folded=[], dates=[], csv_path=csv_path)
        added: Days = {}
        for path in pending_snapshots(snap_dir):
            try:
                add_days(added, snapshot_days(path, cutoff_hour))
            except (ValueError, CollectorError) as exc:
                _quarantine(path, str(exc))
                result.skipped_corrupt.append(path.name)
                continue
            result.folded.append(path.name)
        if not result.folded:
            return result
        add_days(rows, added)
        hosts += sorted({h for day in added.values() for h in day} - set(hosts))
        tmp_name = f"{CSV_NAME}.tmp"
        write_synced(snap_dir / tmp_name, render_csv(hosts, rows))
        intent = {"csv_tmp": tmp_name, "files": result.folded}
        atomic_write(snap_dir / INTENT_NAME, json.dumps(intent).encode())  # the commit point
        _complete(snap_dir, intent)
        result.dates = sorted(added)
        return result


def read_history(snap_dir: Path, cutoff_hour: int = DEFAULT_CUTOFF_HOUR) -> Days:
    """Everything reset so far: the CSV's rows plus snapshots not folded yet (never both)."""
    with _locked(snap_dir):
        finish_interrupted(snap_dir)
        _, rows = read_csv(snap_dir / CSV_NAME)
        for path in pending_snapshots(snap_dir):
            try:
                add_days(rows, snapshot_days(path, cutoff_hour))
            except ValueError as exc:
                log.error("%s unreadable (%s); left out of the history", path.name, exc)
        return rows
