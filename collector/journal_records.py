"""The journal's record types and their one encoding (a JSON object per line, `lsn` first).

Two kinds: an applied batch (`op: add`) and a reset (`op: reset`, carrying the snapshot it wrote, so
a crash can write that file again). Recovery decodes each line to one of these and dispatches on
the type; nothing else in the code reads or writes a record's keys.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class AddRecord:
    lsn: int
    client: str
    seq: int
    deltas: dict[str, int]
    day: str  # the bucket date, decided once when the batch was applied
    at: int  # ms


@dataclasses.dataclass(frozen=True, slots=True)
class ResetRecord:
    lsn: int
    snapshot: str  # the file name, snapshot_<at>.json
    at: int
    totals: dict[str, int]
    daily_totals: dict[str, dict[str, int]]
    bucket_timezone: str


Record = AddRecord | ResetRecord
# One encoder for every record: `json.dumps` with options builds a new encoder on each call.
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


def encode(record: Record) -> bytes:
    """One line. `lsn` comes first: the journal finds a record's start by it (RECORD_START)."""
    if isinstance(record, AddRecord):
        data: dict[str, Any] = {"lsn": record.lsn, "op": "add", "client": record.client}
        data.update(seq=record.seq, deltas=record.deltas, day=record.day, at=record.at)
    else:
        data = {"lsn": record.lsn, "op": "reset", "snapshot": record.snapshot, "at": record.at}
        data.update(
            totals=record.totals,
            daily_totals=record.daily_totals,
            bucket_timezone=record.bucket_timezone,
        )
    return _encode_json(data).encode() + b"\n"


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r:.40}")
    return value


def decode(data: dict[str, Any]) -> Record:
    """The record a decoded line holds. :raise ValueError: an unknown `op` or a malformed field."""
    try:
        op = data["op"]
        if op == "add":
            return AddRecord(
                _int(data["lsn"]), str(data["client"]), _int(data["seq"]), dict(data["deltas"]),
                str(data["day"]), _int(data["at"]),
            )  # fmt: skip
        if op == "reset":
            return ResetRecord(
                _int(data["lsn"]), str(data["snapshot"]), _int(data["at"]), dict(data["totals"]),
                dict(data["daily_totals"]), str(data["bucket_timezone"]),
            )  # fmt: skip
    except (KeyError, TypeError) as exc:
        raise ValueError(f"missing or malformed field {exc}") from exc
    raise ValueError(f"unknown op {op!r:.40}")
