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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import usage_buckets
from .config import Settings
from .errors import CollectorError, UnknownFormatError
from .fsio import atomic_write, fsync_dir, write_synced
from .models_csv import MODELS_CSV_NAME, read_models_csv, render_models_csv
from .snapshot_files import (
    DEFAULT_CUTOFF_HOUR,
    Days,
    pending_snapshots,
    snapshot_days,
    snapshot_usage,
)
from .usage_buckets import UsageDays

log = logging.getLogger(__name__)

CSV_NAME = "snapshots.csv"
INTENT_NAME = ".rollup-intent.json"
LOCK_NAME = ".rollup.lock"


@dataclasses.dataclass
class FoldResult:
    folded: list[str]
    dates: list[str]
    csv_path: Path
    skipped_corrupt: list[str] = dataclasses.field(default_factory=list)  # moved to .corrupt
    over_limit: list[str] = dataclasses.field(default_factory=list)  # left waiting: MAX_HOSTS


@contextlib.contextmanager
def _locked(snap_dir: Path) -> Iterator[None]:
    """One fold at a time across processes (the collector and a hand-run script)."""
    with open(snap_dir / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def csv_hosts(snap_dir: Path) -> set[str]:
    """The hosts of snapshots.csv's columns (empty, with a log line, if it cannot be read)."""
    try:
        return set(read_csv(snap_dir / CSV_NAME)[0])
    except (OSError, CollectorError) as exc:
        log.warning("could not read the hosts of %s: %s", CSV_NAME, exc)
        return set()


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
    models_tmp = snap_dir / intent.get("models_tmp", f"{MODELS_CSV_NAME}.tmp")
    if "models_tmp" in intent and models_tmp.exists():
        os.replace(models_tmp, snap_dir / MODELS_CSV_NAME)
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
    (snap_dir / f"{MODELS_CSV_NAME}.tmp").unlink(missing_ok=True)
    return False


def _quarantine(path: Path, reason: str) -> None:
    aside = path.with_name(path.name + ".corrupt")
    os.replace(path, aside)
    log.error("%s is not a snapshot (%s); moved to %s, not folded", path.name, reason, aside.name)


def fold(
    snap_dir: Path, cutoff_hour: int = DEFAULT_CUTOFF_HOUR, max_hosts: int = Settings.max_hosts
) -> FoldResult:
    """Fold every waiting snapshot in `snap_dir` into its CSV.

    A snapshot that is not valid is moved aside (`.corrupt`); one that would take the CSV past
    `max_hosts` columns, or of a newer format, is left in place and not folded, with a log line.
    :raise CollectorError: the CSV is damaged.
    """
    csv_path = snap_dir / CSV_NAME
    with _locked(snap_dir):
        finish_interrupted(snap_dir)
        hosts, rows = read_csv(csv_path)
        result = FoldResult(folded=[], dates=[], csv_path=csv_path)
        added: Days = {}
        added_models: UsageDays = {}
        known = set(hosts)
        for path in pending_snapshots(snap_dir):
            try:
                days, models = snapshot_days(path, cutoff_hour), snapshot_usage(path)
            except UnknownFormatError as exc:
                log.error("%s; left as it is, not folded", exc)
                continue
            except ValueError as exc:
                _quarantine(path, str(exc))
                result.skipped_corrupt.append(path.name)
                continue
            new_hosts = {h for day in days.values() for h in day} - known
            if len(known) + len(new_hosts) > max_hosts:
                log.error(
                    "%s would make snapshots.csv hold more than MAX_HOSTS=%d hosts; not folded",
                    path.name, max_hosts,
                )  # fmt: skip
                result.over_limit.append(path.name)
                continue
            known |= new_hosts
            add_days(added, days)
            usage_buckets.merge_days(added_models, models)
            result.folded.append(path.name)
        if not result.folded:
            return result
        add_days(rows, added)
        hosts += sorted({h for day in added.values() for h in day} - set(hosts))
        tmp_name = f"{CSV_NAME}.tmp"
        write_synced(snap_dir / tmp_name, render_csv(hosts, rows), mode=0o600)
        intent = {"csv_tmp": tmp_name, "files": result.folded}
        if added_models:  # the long CSV by model, committed with the wide one
            model_rows = read_models_csv(snap_dir / MODELS_CSV_NAME)
            usage_buckets.merge_days(model_rows, added_models)
            models_tmp = f"{MODELS_CSV_NAME}.tmp"
            write_synced(snap_dir / models_tmp, render_models_csv(model_rows), mode=0o600)
            intent["models_tmp"] = models_tmp
        atomic_write(snap_dir / INTENT_NAME, json.dumps(intent).encode(), mode=0o600)  # commit
        _complete(snap_dir, intent)
        result.dates = sorted(added)
        return result


@contextlib.contextmanager
def _shared_lock(snap_dir: Path) -> Iterator[None]:
    """Readers share the fold's lock; opened read-only, so a read-only SNAP_DIR still reads."""
    try:
        handle = open(snap_dir / LOCK_NAME, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:  # no fold ever ran in this folder
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _as_committed(snap_dir: Path, csv_name: str, tmp_key: str) -> tuple[Path, list[Path]]:
    """The CSV to read and the snapshots still waiting, as if an interrupted fold had finished:
    its new CSV (when the intent names one under `tmp_key`) without the snapshots it holds. Call
    under the shared lock; writes nothing."""
    csv_path, folded = snap_dir / csv_name, set()
    intent_path = snap_dir / INTENT_NAME
    if intent_path.exists():
        intent = json.loads(intent_path.read_bytes())
        folded = set(intent["files"])
        if tmp_key in intent and (snap_dir / intent[tmp_key]).exists():
            csv_path = snap_dir / intent[tmp_key]
    return csv_path, [p for p in pending_snapshots(snap_dir) if p.name not in folded]


def read_history(snap_dir: Path, cutoff_hour: int = DEFAULT_CUTOFF_HOUR) -> Days:
    """Everything reset so far: the CSV's rows plus snapshots not folded yet (never both).

    Writes nothing: an interrupted fold is read as if finished (its new CSV, without the snapshots
    it holds), so this works on a read-only folder.
    """
    with _shared_lock(snap_dir):
        csv_path, waiting = _as_committed(snap_dir, CSV_NAME, "csv_tmp")
        _, rows = read_csv(csv_path)
        for path in waiting:
            try:
                add_days(rows, snapshot_days(path, cutoff_hour))
            except (ValueError, UnknownFormatError) as exc:
                log.error("%s unreadable (%s); left out of the history", path.name, exc)
        return rows


def read_model_history(snap_dir: Path) -> UsageDays:
    """Every usage detail reset so far: the long CSV plus snapshots not folded yet (never both).

    Writes nothing, like `read_history`.
    """
    with _shared_lock(snap_dir):
        csv_path, waiting = _as_committed(snap_dir, MODELS_CSV_NAME, "models_tmp")
        days = read_models_csv(csv_path)
        for path in waiting:
            try:
                usage_buckets.merge_days(days, snapshot_usage(path))
            except (ValueError, UnknownFormatError) as exc:
                log.error("%s unreadable (%s); left out of the history", path.name, exc)
        return days
