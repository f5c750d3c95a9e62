"""Recovery: the checkpoint, then every journal record it does not hold, applied in order.

Replaying is idempotent: records at or below the checkpoint's `lsn` are skipped, and an add whose
`seq` a client already used changes nothing. A reset record rewrites its snapshot file if the crash
came before that file was written, so a reset's day is neither lost nor counted twice.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
from pathlib import Path

from .checkpoint import read_checkpoint
from .fsio import previous_generation
from .journal import read_generations
from .journal_records import AddRecord, Record, ResetRecord, decode
from .snapshot_files import snapshot_exists, snapshot_payload, write_snapshot
from .state import UsageState

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Recovered:
    state: UsageState
    replayed: int = 0
    skipped: int = 0
    torn_tail_bytes: int = 0
    bad_lines: int = 0
    quarantined: Path | None = None
    rebuilt_from: str | None = None  # the previous checkpoint, when state.json was missing or bad
    snapshots_rewritten: list[str] = dataclasses.field(default_factory=list)


def apply_record(state: UsageState, record: Record, snap_dir: Path) -> str | None:
    """Apply one journal record; returns the name of a snapshot file it had to write, if any."""
    rewritten = None
    match record:
        case AddRecord():
            fresh = record.seq > state.last_seq(record.client)
            state.apply_add(record.client, record.seq, record.deltas, record.day, record.at)
            if fresh and (record.usage or record.unparsed):  # once, with its seq
                state.apply_detail(record.day, record.usage, record.unparsed)
        case ResetRecord():
            if not snapshot_exists(snap_dir, record.snapshot):
                payload = snapshot_payload(
                    record.totals, record.daily_totals, record.bucket_timezone, record.at,
                    record.usage_daily, record.unparsed_daily,
                )  # fmt: skip
                write_snapshot(snap_dir, record.snapshot, payload)
                rewritten = record.snapshot
            state.apply_reset(record.at)
    state.lsn = record.lsn
    return rewritten


def recover(state_path: Path, journal_path: Path, snap_dir: Path) -> Recovered:
    # Replay builds millions of small dicts and no cycles: the cyclic GC would only rescan them
    # again and again (a third of the time for a million records).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _recover(state_path, journal_path, snap_dir)
    finally:
        if gc_was_enabled:
            gc.enable()


def _recover(state_path: Path, journal_path: Path, snap_dir: Path) -> Recovered:
    state, quarantined = read_checkpoint(state_path)
    previous = previous_generation(state_path)
    used_previous = False
    if state is None:  # missing (a crash between the two renames) or damaged
        state, _ = read_checkpoint(previous)
        used_previous = state is not None
    contents = read_generations(journal_path)
    result = Recovered(
        state=state or UsageState(),
        torn_tail_bytes=contents.torn_tail_bytes,
        bad_lines=contents.bad_lines,
        quarantined=quarantined,
        rebuilt_from=previous.name if used_previous else None,
    )
    for record in contents.records:
        if record["lsn"] <= result.state.lsn:
            result.skipped += 1
            continue
        try:
            typed = decode(record)
        except ValueError as exc:
            result.bad_lines += 1
            log.error("journal record lsn=%s is malformed (%s); skipped", record.get("lsn"), exc)
            continue
        rewritten = apply_record(result.state, typed, snap_dir)
        result.replayed += 1
        if rewritten:
            result.snapshots_rewritten.append(rewritten)
    return result


def recovery_warnings(recovered: Recovered) -> list[str]:
    """What start-up had to repair, for the log and /health."""
    warnings = []
    if recovered.quarantined:
        source = recovered.rebuilt_from or "nothing (no previous checkpoint)"
        warnings.append(
            f"state.json was damaged: moved to {recovered.quarantined.name}; counters were "
            f"rebuilt from {source} and the journal records since it"
        )
    if recovered.bad_lines:
        warnings.append(f"{recovered.bad_lines} damaged journal line(s) skipped")
    if recovered.snapshots_rewritten:
        warnings.append(f"rewrote snapshot(s) a crash interrupted: {recovered.snapshots_rewritten}")
    return warnings
