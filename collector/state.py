"""The in-memory usage state and its JSON form (`state.json`, format 1, and the older unversioned format).

Plain data and pure functions: no locks, no files. The store owns locking and durability.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import CorruptStateError, UnknownFormatError

STATE_FORMAT = 1


@dataclasses.dataclass
class ClientInfo:
    last_seq: int = 0
    last_seen_ms: int = 0
    # Journal position of the client's latest record, so an answer that reveals `last_seq` can
    # wait until that record is on disk. Runtime only: everything replayed is on disk already.
    lsn: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass
class UsageState:
    counters: dict[str, int] = dataclasses.field(default_factory=dict)
    daily_totals: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    clients: dict[str, ClientInfo] = dataclasses.field(default_factory=dict)
    since_ms: int = 0
    # Journal position this state includes: replay skips records at or below it.
    lsn: int = 0
    resets: int = 0
    # Every host this data folder has counted (a reset keeps them): bounded by MAX_HOSTS.
    hosts: set[str] = dataclasses.field(default_factory=set)

    def last_seq(self, client_id: str) -> int:
        return self.position(client_id)[0]

    def position(self, client_id: str) -> tuple[int, int]:
        """The client's `last_seq` and the lsn of the record that set it ((0, 0) if unknown)."""
        info = self.clients.get(client_id)
        return (info.last_seq, info.lsn) if info else (0, 0)

    def apply_add(
        self, client_id: str, seq: int, deltas: dict[str, int], day: str, at_ms: int, lsn: int = 0
    ) -> int:
        """Add one accepted batch; returns the tokens applied (0 if `seq` was seen already)."""
        info = self.clients.get(client_id)
        if info is None:  # not setdefault: that would build a ClientInfo on every call
            info = self.clients[client_id] = ClientInfo()
        if seq <= info.last_seq:
            return 0
        info.last_seq = seq
        info.last_seen_ms = at_ms
        info.lsn = lsn
        bucket = self.daily_totals.setdefault(day, {})
        self.hosts.update(deltas)
        for host, tokens in deltas.items():
            self.counters[host] = self.counters.get(host, 0) + tokens
            bucket[host] = bucket.get(host, 0) + tokens
        return sum(deltas.values())

    def has_usage(self) -> bool:
        return any(self.counters.values())

    def apply_reset(self, at_ms: int) -> None:
        """Zero the counters and buckets; `clients` (and so every last_seq) survive a reset."""
        self.counters = {}
        self.daily_totals = {}
        self.since_ms = at_ms
        self.resets += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "lsn": self.lsn,
            "since_ms": self.since_ms,
            "resets": self.resets,
            "counters": self.counters,
            "daily_totals": self.daily_totals,
            "hosts": sorted(self.hosts),
            "clients": {
                cid: {"last_seq": c.last_seq, "last_seen_ms": c.last_seen_ms}
                for cid, c in self.clients.items()
            },
        }


def _int_map(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise CorruptStateError(f"{where} is not an object of integers")
    return dict(value)


def _clients(value: Any) -> dict[str, ClientInfo]:
    if not isinstance(value, dict):
        raise CorruptStateError("clients is not an object")
    clients = {}
    for cid, raw in value.items():
        if isinstance(raw, int) and not isinstance(raw, bool):  # a bare last_seq
            clients[cid] = ClientInfo(last_seq=raw)
        elif isinstance(raw, dict) and isinstance(raw.get("last_seq", 0), int):
            seen = raw.get("last_seen_ms", raw.get("last_seen", 0))
            clients[cid] = ClientInfo(
                last_seq=int(raw.get("last_seq", 0)),
                last_seen_ms=int(seen) if isinstance(seen, int | float) else 0,
            )
        else:
            raise CorruptStateError(f"clients[{cid!r}] has no integer last_seq")
    return clients


def from_json(data: Any) -> UsageState:
    """Read format 1, or the older unversioned format (`totals`, `daily_totals`, `clients`).

    :raise CorruptStateError: the object is neither.
    :raise UnknownFormatError: a `format` this version does not know (a newer one).
    """
    if not isinstance(data, dict):
        raise CorruptStateError("state is not a JSON object")
    if data.get("format") not in (None, STATE_FORMAT):
        raise UnknownFormatError(
            f"state format {data.get('format')!r} is not one this version reads ({STATE_FORMAT}); "
            "it was probably written by a newer collector: run that version, the file is untouched"
        )
    counters = data.get("counters", data.get("totals", {}))
    daily = data.get("daily_totals", {})
    if not isinstance(daily, dict):
        raise CorruptStateError("daily_totals is not an object")
    lsn, since, resets = data.get("lsn", 0), data.get("since_ms", 0), data.get("resets", 0)
    if not all(isinstance(n, int) for n in (lsn, since, resets)):
        raise CorruptStateError("lsn, since_ms and resets must be integers")
    state = UsageState(
        counters=_int_map(counters, "counters"),
        daily_totals={day: _int_map(hosts, f"daily_totals[{day}]") for day, hosts in daily.items()},
        clients=_clients(data.get("clients", {})),
        since_ms=since,
        lsn=lsn,
        resets=resets,
    )
    hosts = data.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise CorruptStateError("hosts is not a list of strings")
    # Files written before `hosts` existed: the hosts they count.
    state.hosts = set(hosts) | set(state.counters)
    state.hosts.update(h for bucket in state.daily_totals.values() for h in bucket)
    return state
