"""The optional usage detail of `/add`: `usage` (per host and model) and `unparsed` (per host).

Validated here, before anything changes: a bad detail refuses the whole batch, `seq` included.
The rules are in design.md ("POST /add: the optional usage detail") and docs/api.md.
"""

from __future__ import annotations

import re
from typing import Any

from .hostnames import normalise_hostname
from .http_errors import ApiError

MODEL_RE = re.compile(r"[A-Za-z0-9._:/@-]{1,100}")
MAX_TOKENS = 1_000_000_000  # like a delta: more in one batch is a bug, not usage
MAX_TURNS = 100_000
MAX_UNPARSED = 1_000_000
# Entries per batch: a batch holds a few hosts and a few models each; more is a bug.
MAX_USAGE_ENTRIES = 200
_COUNTS = ("input", "output", "context", "turns")


# One host and model in one batch: (host, model, input, output, context, turns); model None: the
# page did not say. A plain tuple, not a NamedTuple: built for every entry of every /add, and the
# journal record holds it as it is (orjson writes a tuple as an array; not a NamedTuple).
# `exact` is checked and not kept: nothing downstream tells an estimate from an exact count.
UsageRow = tuple[str, str | None, int, int, int, int]


def _fail(code: str, detail: str) -> ApiError:
    return ApiError(400, code, detail)


def _count(entry: dict[str, Any], key: str, where: str) -> int:
    value = entry.get(key, 0)
    limit = MAX_TURNS if key == "turns" else MAX_TOKENS
    # type() is int: bool is a subclass of int, and JSON true is not a number
    if type(value) is not int or not 0 <= value <= limit:
        raise _fail("invalid_usage", f"{where}.{key} must be an integer from 0 to {limit}")
    return value


def _row(entry: Any, index: int) -> UsageRow:
    """One entry, checked rule by rule. :raise ApiError: naming the first rule it breaks.

    The rules' readable form; `parse_usage` checks the same in one expression and calls this only
    for an entry that fails there, to say why."""
    where = f"usage[{index}]"
    if type(entry) is not dict:
        raise _fail("invalid_usage", f"{where} must be an object")
    raw_host = entry.get("host")
    host = normalise_hostname(raw_host) if type(raw_host) is str else None
    if host is None:
        raise _fail("invalid_usage", f"{where}.host is not a hostname")
    model = entry.get("model")
    if model is not None and not (type(model) is str and _model_ok(model)):
        raise _fail("invalid_model", f"{where}.model must be null or 1-100 of [A-Za-z0-9._:/@-]")
    if type(entry.get("exact", False)) is not bool:
        raise _fail("invalid_usage", f"{where}.exact must be true or false")
    i, o, c, t = (_count(entry, key, where) for key in _COUNTS)
    return (host, model, i, o, c, t)


_model_verdicts: dict[str, bool] = {}


def _model_ok(model: str) -> bool:
    """Clients send the same few model ids: the pattern's verdict is cached, for at most 4,096 ids
    (a dict lookup is a third of an lru_cache call, and this runs for every entry)."""
    verdict = _model_verdicts.get(model)
    if verdict is None:
        verdict = MODEL_RE.fullmatch(model) is not None
        if len(_model_verdicts) < 4096:
            _model_verdicts[model] = verdict
    return verdict


def parse_usage(raw: Any, deltas: dict[str, int]) -> tuple[UsageRow, ...]:
    """The `usage` list, checked against `deltas` (input + output per host equal its delta).

    :raise ApiError: 400, `invalid_usage`, `invalid_model`, `duplicate_usage` or
        `usage_mismatch`.
    """
    if raw is None:
        return ()
    if type(raw) is not list:
        raise _fail("invalid_usage", "usage must be a list of {host, model, input, output, ...}")
    if len(raw) > MAX_USAGE_ENTRIES:
        raise _fail(
            "invalid_usage", f"usage has {len(raw)} entries, the limit is {MAX_USAGE_ENTRIES}"
        )
    rows: list[UsageRow] = []
    sums: dict[str, int] = {}
    pairs: set[tuple[str, str | None]] = set()
    for entry in raw:
        # `_row`'s rules inlined, in one expression: this runs for every entry of every /add (see
        # the /add benchmarks in docs/benchmarks.md). An entry that fails goes to `_row`, which
        # names the rule; a test holds the two to the same verdicts.
        if type(entry) is dict:
            get = entry.get
            raw_host, model = get("host"), get("model")
            i, o, c, t = get("input", 0), get("output", 0), get("context", 0), get("turns", 0)
            if (
                type(raw_host) is str
                # a deltas key is a normalised hostname: the usual entry names one as it is
                and (host := raw_host if raw_host in deltas else normalise_hostname(raw_host))
                is not None
                and (model is None or (type(model) is str and _model_ok(model)))
                and type(get("exact", False)) is bool
                and type(i) is type(o) is type(c) is type(t) is int
                and 0 <= i <= MAX_TOKENS
                and 0 <= o <= MAX_TOKENS
                and 0 <= c <= MAX_TOKENS
                and 0 <= t <= MAX_TURNS
            ):
                rows.append((host, model, i, o, c, t))
                sums[host] = sums.get(host, 0) + i + o
                pairs.add((host, model))
                continue
        _row(entry, len(rows))  # raises, naming the rule
        raise AssertionError(f"usage[{len(rows)}] failed the fast check but not _row")
    if len(pairs) != len(rows):
        seen: set[tuple[str, str | None]] = set()
        for row in rows:  # name the first repeated pair
            if (row[0], row[1]) in seen:
                raise _fail("duplicate_usage", f"usage has two entries for {row[0]} / {row[1]}")
            seen.add((row[0], row[1]))
    for host, total in sums.items():
        if deltas.get(host) != total:  # None when the host has no delta
            raise _fail(
                "usage_mismatch",
                f"usage for {host}: input + output = {total}, deltas[{host!r}] = "
                f"{deltas.get(host, 'absent')}",
            )
    return tuple(rows)


def parse_unparsed(raw: Any, max_hosts: int) -> dict[str, int]:
    """`{host: replies the extension could not read}`. :raise ApiError: 400, `invalid_unparsed`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail("invalid_unparsed", "unparsed must be an object of hostname to count")
    if len(raw) > max_hosts:
        raise _fail("too_many_hosts", f"unparsed has {len(raw)} hosts, the limit is {max_hosts}")
    out: dict[str, int] = {}
    for key, value in raw.items():
        host = normalise_hostname(key)
        if host is None:
            raise _fail("invalid_unparsed", f"unparsed key {key[:80]!r} is not a hostname")
        if type(value) is not int or not 0 <= value <= MAX_UNPARSED:
            raise _fail(
                "invalid_unparsed",
                f"unparsed[{key[:80]!r}] must be an integer from 0 to {MAX_UNPARSED}",
            )
        if value:
            out[host] = out.get(host, 0) + value
    return out
