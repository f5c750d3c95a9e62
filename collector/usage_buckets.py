"""Per-day buckets of the usage detail: `{date: {host: {model: [input, output, context, turns]}}}`
and `{date: {host: unparsed replies}}`.

Plain data and pure functions, shared by the state, the journal replay, snapshots and the fold.
JSON object keys cannot be null, so a null model (the page did not say) is stored as "" and given
back as None by `rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .errors import CorruptStateError

UsageDays = dict[str, dict[str, dict[str, list[int]]]]
UnparsedDays = dict[str, dict[str, int]]
NULL_MODEL = ""
WIDTH = 4  # input, output, context, turns


def model_key(model: str | None) -> str:
    return NULL_MODEL if model is None else model


def add_entries(into: UsageDays, day: str, entries: Iterable[Iterable[Any]]) -> None:
    """Add `[host, model, input, output, context, turns, ...]` entries to `day`."""
    bucket = into.setdefault(day, {})
    for host, model, i, o, c, t, *_ in entries:
        models = bucket.setdefault(host, {})
        counts = models.setdefault(model_key(model), [0, 0, 0, 0])
        counts[0] += i
        counts[1] += o
        counts[2] += c
        counts[3] += t


def add_batch(
    days: UsageDays,
    lifetime: dict[str, dict[str, list[int]]],
    day: str,
    entries: Iterable[Sequence[Any]],
) -> None:
    """Add a batch's `(host, model, input, output, context, turns)` entries to `day` and their
    input and output to `lifetime`, `{host: {model: [input, output]}}` (never reset). One loop:
    it runs for every /add that carries a detail."""
    bucket = days.get(day)
    if bucket is None:
        bucket = days[day] = {}
    for host, model, i, o, c, t in entries:
        key = NULL_MODEL if model is None else model
        try:  # the usual case: this day already counts this host and model
            counts = bucket[host][key]
        except KeyError:
            counts = bucket.setdefault(host, {}).setdefault(key, [0, 0, 0, 0])
        counts[0] += i
        counts[1] += o
        counts[2] += c
        counts[3] += t
        try:
            total = lifetime[host][key]
        except KeyError:
            total = lifetime.setdefault(host, {}).setdefault(key, [0, 0])
        total[0] += i
        total[1] += o


def add_unparsed(into: UnparsedDays, day: str, unparsed: Mapping[str, int]) -> None:
    bucket = into.setdefault(day, {})
    for host, n in unparsed.items():
        bucket[host] = bucket.get(host, 0) + n


def merge_days(into: UsageDays, more: UsageDays) -> None:
    for day, hosts in more.items():
        for host, models in hosts.items():
            for model, counts in models.items():
                add_entries(into, day, [(host, model or None, *counts)])


def rows(days: UsageDays) -> Iterator[tuple[str, str, str | None, list[int]]]:
    """(day, host, model or None, [input, output, context, turns]) in stored order."""
    for day, hosts in days.items():
        for host, models in hosts.items():
            for model, counts in models.items():
                yield day, host, model or None, counts


def totals(days: UsageDays) -> list[dict[str, Any]]:
    """Summed per host and model over every day: the `usage` list of `GET /counters`."""
    summed: dict[tuple[str, str], list[int]] = {}
    for _day, host, model, counts in rows(days):
        into = summed.setdefault((host, model_key(model)), [0, 0, 0, 0])
        for k in range(WIDTH):
            into[k] += counts[k]
    return [
        {
            "host": h,
            "model": m or None,
            "input": c[0],
            "output": c[1],
            "context": c[2],
            "turns": c[3],
        }
        for (h, m), c in sorted(summed.items())
    ]


def unparsed_totals(days: UnparsedDays) -> dict[str, int]:
    out: dict[str, int] = {}
    for hosts in days.values():
        for host, n in hosts.items():
            out[host] = out.get(host, 0) + n
    return dict(sorted(out.items()))


def copy_usage(days: UsageDays) -> UsageDays:
    return {
        d: {h: {m: list(c) for m, c in ms.items()} for h, ms in hs.items()}
        for d, hs in days.items()
    }


def copy_unparsed(days: UnparsedDays) -> UnparsedDays:
    return {d: dict(hs) for d, hs in days.items()}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_usage(value: Any, where: str) -> UsageDays:
    """Check a stored `usage_daily`. :raise CorruptStateError: it is malformed."""
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(hosts, dict)
        and all(
            isinstance(models, dict)
            and all(
                isinstance(c, list) and len(c) == WIDTH and all(_is_count(n) for n in c)
                for c in models.values()
            )
            for models in hosts.values()
        )
        for hosts in value.values()
    )
    if not ok:
        raise CorruptStateError(f"{where} is not {{date: {{host: {{model: [4 counts]}}}}}}")
    return copy_usage(value)


def read_unparsed(value: Any, where: str) -> UnparsedDays:
    """Check a stored `unparsed_daily`. :raise CorruptStateError: it is malformed."""
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(hosts, dict) and all(_is_count(n) for n in hosts.values())
        for hosts in value.values()
    )
    if not ok:
        raise CorruptStateError(f"{where} is not {{date: {{host: count}}}}")
    return copy_unparsed(value)


def read_lifetime(value: Any, where: str) -> dict[str, dict[str, list[int]]]:
    """Check a stored `model_tokens`. :raise CorruptStateError: it is malformed."""
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(models, dict)
        and all(
            isinstance(c, list) and len(c) == 2 and all(_is_count(n) for n in c)
            for c in models.values()
        )
        for models in value.values()
    )
    if not ok:
        raise CorruptStateError(f"{where} is not {{host: {{model: [input, output]}}}}")
    return {h: {m: list(c) for m, c in ms.items()} for h, ms in value.items()}
