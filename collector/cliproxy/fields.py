"""Reading CLIProxy record fields defensively: timestamps, token counts, masking, local dates.

Records come from another program's JSON: every reader accepts anything and returns a safe value,
or raises `BadRecord` for a record that cannot be dated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from collector.pricing.pricer import TokenUsage

_TS = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?$")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ENDPOINT = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /")
_KEYLIKE = re.compile(r"^(sk-|AIza|key-|ak-)|^[A-Za-z0-9_\-]{24,}$")


class BadRecord(ValueError):
    """A record without a usable timestamp; skipped and logged, never fatal."""


_DAYS: dict[str, int] = {}


def _day_epoch(day: str, value: Any) -> int:
    """Epoch seconds of a date's UTC midnight, cached (a year of data has 365 of them)."""
    epoch = _DAYS.get(day)
    if epoch is None:
        try:
            epoch = (date.fromisoformat(day).toordinal() - _EPOCH_ORDINAL) * 86400
        except ValueError:
            raise BadRecord(f"bad timestamp {value!r}") from None
        if len(_DAYS) > 20_000:
            _DAYS.clear()
        _DAYS[day] = epoch
    return epoch


def parse_ts_ns(value: Any) -> int:
    """RFC 3339 with up to nine fraction digits (Go's RFC3339Nano) -> epoch nanoseconds.

    :raise BadRecord: not such a string. A missing offset is taken as UTC.
    """
    match = _TS.match(value) if isinstance(value, str) else None
    if match is None:
        raise BadRecord(f"bad timestamp {value!r}")
    base, fraction, offset = match.groups()
    hour, minute, second = int(base[11:13]), int(base[14:16]), int(base[17:19])
    if hour > 23 or minute > 59 or second > 60:
        raise BadRecord(f"bad timestamp {value!r}")
    shift = 0
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        shift = sign * (int(offset[1:3]) * 3600 + int(offset[-2:]) * 60)
    seconds = _day_epoch(base[:10], value) + hour * 3600 + minute * 60 + second - shift
    return seconds * 1_000_000_000 + int((fraction or "").ljust(9, "0"))


def mask_key(key: str) -> str:
    """`sk-local-client-1` -> `sk-l…nt-1`: enough to tell keys apart, never the key itself."""
    if key == "unknown" or _ENDPOINT.match(key):
        return key  # CLIProxy's stand-ins when a caller used no key: not secrets
    if len(key) >= 12:
        return f"{key[:4]}…{key[-4:]}"
    if len(key) >= 8:
        return f"{key[:2]}…{key[-2:]}"
    return f"{key[:1]}…"


def mask_source(source: str) -> str:
    """Account e-mails and project ids stay; a source that looks like an upstream API key is masked."""
    if "@" in source or not _KEYLIKE.search(source):
        return source
    return mask_key(source)


def obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: records are read defensively."""
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    return value if type(value) is str else None


def int_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def _int(value: Any) -> int:
    """A token count: a positive int, else 0 (booleans, floats, strings and negatives are 0)."""
    return value if type(value) is int and value > 0 else 0


TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "total_tokens",
)


def token_counts(tokens: Any) -> list[int]:
    """The seven counts of a `tokens` object, in TOKEN_FIELDS order."""
    if type(tokens) is not dict:
        return [0] * 7
    get = tokens.get
    return [v if type(v := get(name)) is int and v > 0 else 0 for name in TOKEN_FIELDS]


def price_usage(tokens: Mapping[str, Any], fam: str, breakdown: Any = None) -> TokenUsage:
    """CLIProxy's counts in genai-prices terms (all input including cache; reasoning inside output)."""
    return usage_from_counts(token_counts(tokens), fam, breakdown)


def usage_from_counts(counts: list[int], fam: str, breakdown: Any) -> TokenUsage:
    """Claude's `input_tokens` exclude cache reads and writes; OpenAI's and Gemini's include reads.
    Gemini reports reasoning beside the output, OpenAI inside it. The queue's `token_breakdown`,
    when its quality is `complete`, already says it plainly and wins."""
    if type(breakdown) is dict and breakdown.get("quality") == "complete":
        b_in, b_out = obj(breakdown.get("input")), obj(breakdown.get("output"))
        total_in = _int(b_in.get("total_tokens"))
        b_read = min(_int(b_in.get("cache_read_tokens")), total_in)
        b_write = min(_int(b_in.get("cache_write_tokens")), total_in - b_read)
        return TokenUsage(total_in, _int(b_out.get("total_tokens")), b_read, b_write)
    inp, out, reasoning, cached, read, write, _ = counts
    read = read or cached
    if fam == "anthropic":
        return TokenUsage(inp + read + write, out, read, write)
    read = min(read, inp)
    write = min(write, inp - read)
    return TokenUsage(inp, out + reasoning if fam == "gemini" else out, read, write)


class LocalDates:
    """Epoch ms -> `YYYY-MM-DD` in a zone, cached per quarter hour (offsets are whole quarters)."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.cache: dict[int, str] = {}

    def __call__(self, ts_ms: int) -> str:
        slot = ts_ms // 900_000
        day = self.cache.get(slot)
        if day is None:
            day = datetime.fromtimestamp(slot * 900, self.zone).date().isoformat()
            if len(self.cache) > 100_000:
                self.cache.clear()
            self.cache[slot] = day
        return day
