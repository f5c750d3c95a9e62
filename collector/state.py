"""The in-memory usage state and its JSON form (`state.json`, format 1, and the older unversioned format).

Plain data and pure functions: no locks, no files. The store owns locking and durability.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from . import usage_buckets
from .errors import CorruptStateError, UnknownFormatError
from .usage_buckets import UnparsedDays, UsageDays

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
    # Every token ever accepted, per host: kept by resets and restarts, so the Prometheus counter
    # `collector_tokens_total` built from it never goes down.
    tokens_total: dict[str, int] = dataclasses.field(default_factory=dict)
    # The optional usage detail, bucketed by day like daily_totals (see usage_buckets.py).
    usage_daily: UsageDays = dataclasses.field(default_factory=dict)
    unparsed_daily: UnparsedDays = dataclasses.field(default_factory=dict)
    # Tokens of the usage detail since the data folder was created, {host: {model|"": [in, out]}}:
    # never lowered (not by a reset, not by a restart), like the metrics rules in design.md ask.
    model_tokens: dict[str, dict[str, list[int]]] = dataclasses.field(default_factory=dict)
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
            self.tokens_total[host] = self.tokens_total.get(host, 0) + tokens
        return sum(deltas.values())

    def apply_detail(
        self, day: str, usage: Sequence[Sequence[Any]], unparsed: dict[str, int]
    ) -> None:
        """Add a batch's usage detail: once per applied batch, never for a seq seen before."""
        # `usage` hosts are among the batch's deltas, which apply_add has counted already.
        self.hosts.update(unparsed)
        if usage:
            usage_buckets.add_batch(self.usage_daily, self.model_tokens, day, usage)
        if unparsed:
            usage_buckets.add_unparsed(self.unparsed_daily, day, unparsed)

    def has_usage(self) -> bool:
        return any(self.counters.values()) or any(
            any(hosts.values()) for hosts in self.unparsed_daily.values()
        )

    def apply_reset(self, at_ms: int) -> None:
        """Zero the counters and buckets; `clients` (every last_seq) and `tokens_total` survive."""
        self.counters = {}
        self.daily_totals = {}
        self.usage_daily = {}
        self.unparsed_daily = {}
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
            "tokens_total": self.tokens_total,
            "usage_daily": self.usage_daily,
            "unparsed_daily": self.unparsed_daily,
            "model_tokens": self.model_tokens,
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

    A file without `tokens_total` (the original format, or format 1 written before it existed)
    starts it from the counters: what came before the last reset is in the snapshots only.

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
    counters = _int_map(counters, "counters")
    tokens_total = _int_map(data.get("tokens_total", counters), "tokens_total")
    state = UsageState(
        counters=counters,
        daily_totals={day: _int_map(hosts, f"daily_totals[{day}]") for day, hosts in daily.items()},
        clients=_clients(data.get("clients", {})),
        since_ms=since,
        lsn=lsn,
        resets=resets,
        tokens_total=tokens_total,
        usage_daily=usage_buckets.read_usage(data.get("usage_daily"), "usage_daily"),
        unparsed_daily=usage_buckets.read_unparsed(data.get("unparsed_daily"), "unparsed_daily"),
        model_tokens=usage_buckets.read_lifetime(data.get("model_tokens"), "model_tokens"),
    )
    hosts = data.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise CorruptStateError("hosts is not a list of strings")
    # Files written before `hosts` existed: the hosts they count.
    state.hosts = set(hosts) | set(state.counters) | set(state.tokens_total)
    state.hosts.update(h for bucket in state.daily_totals.values() for h in bucket)
    state.hosts.update(state.model_tokens)
    return state
