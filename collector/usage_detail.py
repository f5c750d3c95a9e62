"""The optional usage detail of `/add`: `usage` (per host and model) and `unparsed` (per host).

Validated here, before anything changes: a bad detail refuses the whole batch, `seq` included.
The rules are in design.md ("POST /add: the optional usage detail") and docs/api.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from .hostnames import normalise_hostname
from .http_errors import ApiError

MODEL_RE = re.compile(r"[A-Za-z0-9._:/@-]{1,100}")
MAX_TOKENS = 1_000_000_000  # like a delta: more in one batch is a bug, not usage
MAX_TURNS = 100_000
MAX_UNPARSED = 1_000_000
# Entries per batch: a batch holds a few hosts and a few models each; more is a bug.
MAX_USAGE_ENTRIES = 200
_COUNTS = ("input", "output", "context", "turns")


class UsageRow(NamedTuple):
    """One host and model in one batch. `model` None: the page did not say."""

    host: str
    model: str | None
    input: int
    output: int
    context: int
    turns: int
    exact: bool


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
    """One entry, checked. Written flat: it runs for every entry of every batch (see the /add
    benchmark in docs/benchmarks.md); the error text is built only on an error."""
    if type(entry) is not dict:
        raise _fail("invalid_usage", f"usage[{index}] must be an object")
    raw_host = entry.get("host")
    host = normalise_hostname(raw_host) if type(raw_host) is str else None
    if host is None:
        raise _fail("invalid_usage", f"usage[{index}].host is not a hostname")
    model = entry.get("model")
    if model is not None and not (type(model) is str and _model_ok(model)):
        raise _fail(
            "invalid_model", f"usage[{index}].model must be null or 1-100 of [A-Za-z0-9._:/@-]"
        )
    exact = entry.get("exact", False)
    if type(exact) is not bool:
        raise _fail("invalid_usage", f"usage[{index}].exact must be true or false")
    get = entry.get
    i, o, c, t = get("input", 0), get("output", 0), get("context", 0), get("turns", 0)
    if not (
        type(i) is int
        and type(o) is int
        and type(c) is int
        and type(t) is int
        and 0 <= i <= MAX_TOKENS
        and 0 <= o <= MAX_TOKENS
        and 0 <= c <= MAX_TOKENS
        and 0 <= t <= MAX_TURNS
    ):
        for key in _COUNTS:  # name the first bad one
            _count(entry, key, f"usage[{index}]")
    return UsageRow(host, model, i, o, c, t, exact)


@lru_cache(maxsize=4096)
def _model_ok(model: str) -> bool:
    """Clients send the same few model ids: cache the pattern's verdict (bounded)."""
    return MODEL_RE.fullmatch(model) is not None


def parse_usage(raw: Any, deltas: dict[str, int]) -> tuple[UsageRow, ...]:
    """The `usage` list, checked against `deltas` (input + output per host equal its delta).

    :raise ApiError: 400, `invalid_usage`, `invalid_model`, `duplicate_usage` or
        `usage_mismatch`.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail("invalid_usage", "usage must be a list of {host, model, input, output, ...}")
    if len(raw) > MAX_USAGE_ENTRIES:
        raise _fail(
            "invalid_usage", f"usage has {len(raw)} entries, the limit is {MAX_USAGE_ENTRIES}"
        )
    rows = tuple([_row(entry, i) for i, entry in enumerate(raw)])
    seen: set[tuple[str, str | None]] = set()
    sums: dict[str, int] = {}
    for row in rows:
        if (row.host, row.model) in seen:
            raise _fail("duplicate_usage", f"usage has two entries for {row.host} / {row.model}")
        seen.add((row.host, row.model))
        sums[row.host] = sums.get(row.host, 0) + row.input + row.output
    for host, total in sums.items():
        if total != deltas.get(host, 0) or host not in deltas:
            raise _fail(
                "usage_mismatch",
                f"usage for {host}: input + output = {total}, deltas[{host!r}] = "
                f"{deltas.get(host, 'absent')}",
            )
    return rows


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
