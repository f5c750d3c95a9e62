"""Turn CLIProxy request records (legacy snapshot details or queue records) into `requests` rows.

Each row carries a dedup key built like CLIProxy's own import key (api key, model, UTC timestamp to
the nanosecond, source, auth index, failed, the five token counts; plus the request id when the
queue gives one), hashed so the raw client key is never stored. `store` adds exactly the rows that
were new to `daily_usage`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import names
from .pricing import Pricer, TokenUsage

log = logging.getLogger(__name__)

_TS = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?$")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ENDPOINT = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /")
_KEYLIKE = re.compile(r"^(sk-|AIza|key-|ak-)|^[A-Za-z0-9_\-]{24,}$")
COLUMNS = (
    "dedup_key, ts_ms, stat_date, era, api_key, model, alias, provider, endpoint, source, auth_index, "
    "request_id, failed, status_code, latency_ms, input_tokens, output_tokens, reasoning_tokens, "
    "cached_tokens, cache_write_tokens, total_tokens, cost_usd, cost_micro, pricing_status, "
    "pricing_source, priced_model"
)
INSERT = f"INSERT OR IGNORE INTO requests ({COLUMNS}) VALUES ({', '.join('?' * 26)})"


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


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def _num(value: Any) -> int | None:
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
    return _usage(token_counts(tokens), fam, breakdown)


def _usage(counts: list[int], fam: str, breakdown: Any) -> TokenUsage:
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
        self._cache: dict[int, str] = {}

    def __call__(self, ts_ms: int) -> str:
        slot = ts_ms // 900_000
        day = self._cache.get(slot)
        if day is None:
            day = datetime.fromtimestamp(slot * 900, self.zone).date().isoformat()
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[slot] = day
        return day


class Ingestor:
    """Builds rows in the configured zone and prices each one at its own timestamp."""

    def __init__(self, pricer: Pricer, zone: str) -> None:
        self.pricer = pricer
        self.local_date = LocalDates(zone)
        self._masked: dict[str, str] = {}
        self._families: dict[tuple[str, str | None], str] = {}
        # dedup keys known to be stored (filled by the poller after a commit): an in-memory
        # shortcut only, the database's unique key stays the guarantee
        self.seen: set[bytes] = set()

    def _mask(self, key: str, source: bool = False) -> str:
        cache_key = f"s:{key}" if source else key
        masked = self._masked.get(cache_key)
        if masked is None:
            masked = mask_source(key) if source else mask_key(key)
            if len(self._masked) > 10_000:
                self._masked.clear()
            self._masked[cache_key] = masked
        return masked

    def row(
        self, era: str, api_key: str, model: str, rec: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """One `requests` row, or None when its dedup key is in `self.seen` (stored already).

        :raise BadRecord: the record has no usable timestamp.
        """
        get = rec.get
        ts_ns = parse_ts_ns(get("timestamp"))
        every = token_counts(get("tokens"))
        counts, cached, write = every[:3], every[3], every[5]
        total = every[6] or sum(counts) or sum(counts) + cached
        failed = 1 if get("failed") is True else 0
        source, auth_index = str(get("source") or ""), str(get("auth_index") or "")
        request_id = _str(get("request_id"))
        provider = str(get("provider") or "") or None
        inp, out, reasoning = counts
        raw_key = (
            f"{api_key}|{model}|{ts_ns}|{source}|{auth_index}|{failed}|{inp}|{out}|{reasoning}"
            f"|{cached}|{total}|{request_id or ''}"
        )
        dedup = hashlib.blake2b(raw_key.encode("utf-8"), digest_size=16).digest()
        if dedup in self.seen:
            return None  # a legacy detail read again: skip pricing it only to drop it
        fam = self._families.get((model, provider))
        if fam is None:
            fam = self._families[(model, provider)] = names.family(model, provider or "")
        usage = _usage(every, fam, get("token_breakdown"))
        ts_ms = ts_ns // 1_000_000
        cost_usd, cost_micro, status, price_source, priced_model = self._price(model, usage, ts_ms)
        fail = get("fail")
        status_code = _num(fail.get("status_code")) if type(fail) is dict else None
        return (
            dedup, ts_ms, self.local_date(ts_ms), era, self._mask(api_key), model,
            _str(get("alias")), provider, _str(get("endpoint")),
            self._mask(source, source=True), auth_index or None, request_id, failed, status_code,
            _num(get("latency_ms")),
            *counts, cached, write, total, cost_usd, cost_micro, status, price_source, priced_model,
        )  # fmt: skip

    def _price(self, model: str, usage: TokenUsage, ts_ms: int) -> tuple[Any, ...]:
        if usage.input_tokens == 0 and usage.output_tokens == 0:
            return "0", 0, "no_tokens", None, None
        result = self.pricer.price_ms(model, usage, ts_ms)
        if result is None:
            return None, None, "unpriced", None, None
        return str(result.cost), result.micro_usd, "priced", result.source, result.model_id

    def legacy_rows(
        self, usage: Mapping[str, Any], era: str = "legacy"
    ) -> Iterator[tuple[Any, ...]]:
        """Rows for every detail of a legacy snapshot (or an `/usage/export` document's `usage`)."""
        apis = usage.get("apis")
        for api_key, api in apis.items() if isinstance(apis, dict) else ():
            models = api.get("models") if isinstance(api, dict) else None
            for model, entry in models.items() if isinstance(models, dict) else ():
                details = entry.get("details") if isinstance(entry, dict) else None
                for detail in details if isinstance(details, list) else ():
                    row = self._safe(era, str(api_key), str(model) or "unknown", detail)
                    if row is not None:
                        yield row

    def queue_rows(self, records: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows for usage-queue records; the model is the executed one, the alias kept beside it."""
        for rec in records:
            if isinstance(rec, dict):
                key = str(
                    rec.get("api_key") or rec.get("endpoint") or rec.get("provider") or "unknown"
                )
                row = self._safe("queue", key, str(rec.get("model") or "unknown"), rec)
                if row is not None:
                    yield row

    def _safe(self, era: str, key: str, model: str, rec: Any) -> tuple[Any, ...] | None:
        if not isinstance(rec, dict):
            log.warning("skipping a %s record that is not an object", era)
            return None
        try:
            return self.row(era, key, model, rec)
        except BadRecord as exc:
            log.warning("skipping a %s record: %s", era, exc)
            return None


DAILY_FROM_NEW = """
    INSERT INTO daily_usage
    SELECT stat_date, model, api_key, COUNT(*), SUM(1 - failed), SUM(failed), SUM(input_tokens),
           SUM(output_tokens), SUM(reasoning_tokens), SUM(cached_tokens), SUM(total_tokens),
           SUM(COALESCE(cost_micro, 0)), SUM(cost_micro IS NULL)
    FROM requests WHERE id > ? GROUP BY stat_date, model, api_key
    ON CONFLICT (stat_date, model, api_key) DO UPDATE SET
        requests = requests + excluded.requests,
        success = success + excluded.success,
        failure = failure + excluded.failure,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        total_tokens = total_tokens + excluded.total_tokens,
        cost_micro = cost_micro + excluded.cost_micro,
        unpriced_requests = unpriced_requests + excluded.unpriced_requests
"""


def store(db: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert the rows that are new and add exactly those to `daily_usage`, in one transaction.

    Duplicates (inside the batch or stored before) are ignored by the unique dedup key. New rows
    get ids above the largest id before the batch (ids only grow: requests are never deleted, and
    the write lock is held from the start), so the daily aggregate is updated from exactly those,
    once per (date, model, key) instead of once per row. Returns how many rows were new.
    """
    if db.in_transaction:
        db.commit()
    db.execute("BEGIN IMMEDIATE")
    try:
        last_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM requests").fetchone()[0]
        before = db.total_changes
        db.executemany(INSERT, rows)
        added = db.total_changes - before
        if added:
            db.execute(DAILY_FROM_NEW, (last_id,))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return added


def rebuild_daily(db: sqlite3.Connection, zone: str) -> None:
    """Recompute every row's local date and `daily_usage` after the configured zone changed."""
    db.create_function("cliproxy_local_date", 1, LocalDates(zone), deterministic=True)
    with db:
        db.execute("UPDATE requests SET stat_date = cliproxy_local_date(ts_ms)")
        db.execute("DELETE FROM daily_usage")
        db.execute(
            """INSERT INTO daily_usage SELECT stat_date, model, api_key, COUNT(*), SUM(1 - failed),
               SUM(failed), SUM(input_tokens), SUM(output_tokens), SUM(reasoning_tokens),
               SUM(cached_tokens), SUM(total_tokens), SUM(COALESCE(cost_micro, 0)),
               SUM(cost_micro IS NULL) FROM requests GROUP BY stat_date, model, api_key"""
        )
