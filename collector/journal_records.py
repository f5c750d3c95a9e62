"""The journal's record types and their one encoding (a JSON object per line, `lsn` first).

Two kinds: an applied batch (`op: add`) and a reset (`op: reset`, carrying the snapshot it wrote, so
a crash can write that file again). Recovery decodes each line to one of these and dispatches on
the type; nothing else in the code reads or writes a record's keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import orjson

from .errors import CorruptStateError
from .usage_buckets import read_unparsed, read_usage


@dataclasses.dataclass(frozen=True, slots=True)
class AddRecord:
    lsn: int
    client: str
    seq: int
    deltas: dict[str, int]
    day: str  # the bucket date, decided once when the batch was applied
    at: int  # ms
    # The optional usage detail (POST /add's `usage` and `unparsed`), written only when present so
    # a batch without it keeps the original line: `usage` rows are [host, model, in, out, ctx, turns].
    # Rows are tuples when built by /add, lists when decoded: both encode to the same array.
    usage: Sequence[Sequence[Any]] = ()
    unparsed: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class ResetRecord:
    lsn: int
    snapshot: str  # the file name, snapshot_<at>.json
    at: int
    totals: dict[str, int]
    daily_totals: dict[str, dict[str, int]]
    bucket_timezone: str
    # The usage detail the reset took away (as in its snapshot), only when there was some.
    usage_daily: dict[str, Any] = dataclasses.field(default_factory=dict)
    unparsed_daily: dict[str, Any] = dataclasses.field(default_factory=dict)


Record = AddRecord | ResetRecord


def encode(record: Record) -> bytes:
    """One line. `lsn` comes first: the journal finds a record's start by it (RECORD_START)."""
    if isinstance(record, AddRecord):
        data: dict[str, Any] = {"lsn": record.lsn, "op": "add", "client": record.client}
        data.update(seq=record.seq, deltas=record.deltas, day=record.day, at=record.at)
        if record.usage:
            data["usage"] = record.usage
        if record.unparsed:
            data["unparsed"] = record.unparsed
    else:
        data = {"lsn": record.lsn, "op": "reset", "snapshot": record.snapshot, "at": record.at}
        data.update(
            totals=record.totals,
            daily_totals=record.daily_totals,
            bucket_timezone=record.bucket_timezone,
        )
        if record.usage_daily:
            data["usage_daily"] = record.usage_daily
        if record.unparsed_daily:
            data["unparsed_daily"] = record.unparsed_daily
    # orjson: compact, keys in insertion order (`lsn` first), UTF-8 as is; a tenth of the stdlib's
    # time, and every /add writes one record.
    return orjson.dumps(data) + b"\n"


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r:.40}")
    return value


def _usage_rows(value: Any) -> list[list[Any]]:
    """An add record's usage rows, [host, model|None, input, output, context, turns] each."""
    rows = list(value)
    for row in rows:
        if not (
            isinstance(row, list)
            and len(row) == 6
            and isinstance(row[0], str)
            and (row[1] is None or isinstance(row[1], str))
        ):
            raise ValueError(f"a usage row is malformed: {row!r:.60}")
        for n in row[2:]:
            _int(n)
    return rows


def _counts(value: Any) -> dict[str, int]:
    counts = dict(value)
    for key, n in counts.items():
        if not isinstance(key, str):
            raise ValueError(f"a count's key is not a string: {key!r:.40}")
        _int(n)
    return counts


def decode(data: dict[str, Any]) -> Record:
    """The record a decoded line holds. :raise ValueError: an unknown `op` or a malformed field."""
    try:
        op = data["op"]
        if op == "add":
            return AddRecord(
                _int(data["lsn"]), str(data["client"]), _int(data["seq"]), dict(data["deltas"]),
                str(data["day"]), _int(data["at"]),
                _usage_rows(data.get("usage", ())), _counts(data.get("unparsed", {})),
            )  # fmt: skip
        if op == "reset":
            return ResetRecord(
                _int(data["lsn"]), str(data["snapshot"]), _int(data["at"]), dict(data["totals"]),
                dict(data["daily_totals"]), str(data["bucket_timezone"]),
                read_usage(data.get("usage_daily"), "usage_daily"),
                read_unparsed(data.get("unparsed_daily"), "unparsed_daily"),
            )  # fmt: skip
    except (KeyError, TypeError, CorruptStateError) as exc:
        raise ValueError(f"missing or malformed field {exc}") from exc
    raise ValueError(f"unknown op {op!r:.40}")
