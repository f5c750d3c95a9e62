"""What the store answers, as types: the views map them to HTTP, the store builds no HTTP shapes."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Applied:
    """A new batch: its tokens are counted and on disk."""

    tokens: int
    last_seq: int


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """A resend of a batch already counted: nothing changed."""

    last_seq: int


@dataclasses.dataclass(frozen=True)
class OutOfOrder:
    """A gap in the client's sequence: nothing changed; the client renumbers from `expected_next`."""

    expected_next: int


@dataclasses.dataclass(frozen=True)
class HostLimitReached:
    """The batch names hosts this data folder has never seen, and it keeps `limit` already."""

    limit: int
    new_hosts: int


AddOutcome = Applied | Duplicate | OutOfOrder | HostLimitReached


@dataclasses.dataclass(frozen=True)
class ResetDone:
    """`snapshot` is None when nothing was recorded (then nothing was written)."""

    snapshot: str | None
    totals: dict[str, int] = dataclasses.field(default_factory=dict)
    created_at: int | None = None


@dataclasses.dataclass(frozen=True)
class Checkpointed:
    path: str
    lsn: int


class StoreError(Exception):
    """The store cannot do what was asked now; nothing was changed."""


class Closed(StoreError):
    """The store was closed (the collector is stopping); nothing more is written."""


class JournalFailed(StoreError):
    """The journal cannot be trusted now: nothing is acknowledged until a checkpoint succeeds."""


class ResetFailed(StoreError):
    """The snapshot or the journal record could not be written: the counters are unchanged."""


class CheckpointFailed(StoreError):
    """state.json could not be written; the journal still holds every record."""
