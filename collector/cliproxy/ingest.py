"""Turn CLIProxy request records (legacy snapshot details or queue records) into `requests` rows.

Each row carries a dedup key built like CLIProxy's own import key (api key, model, UTC timestamp to
the nanosecond, source, auth index, failed, the five token counts; plus the request id when the
queue gives one), hashed so the raw client key is never stored. The `requests_daily` trigger keeps
`daily_usage` in step with exactly the rows that were new.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import names
from .pricing import Pricer, TokenUsage

log = logging.getLogger(__name__)

_TS = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?$")
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


def parse_ts_ns(value: Any) -> int:
    """RFC 3339 with up to nine fraction digits (Go's RFC3339Nano) -> epoch nanoseconds.

    :raise BadRecord: not such a string. A missing offset is taken as UTC.
    """
    match = _TS.match(value) if isinstance(value, str) else None
    if match is None:
        raise BadRecord(f"bad timestamp {value!r}")
    base, fraction, offset = match.groups()
    zone = "+00:00" if offset in (None, "Z", "z") else offset
    stamp = datetime.fromisoformat(f"{base.replace(' ', 'T')}{zone}")
    return int(stamp.timestamp()) * 1_000_000_000 + int((fraction or "").ljust(9, "0"))


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


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def price_usage(tokens: Mapping[str, Any], fam: str, breakdown: Any = None) -> TokenUsage:
    """CLIProxy's counts in genai-prices terms (all input including cache; reasoning inside output).

    Claude's `input_tokens` exclude cache reads and writes; OpenAI's and Gemini's include reads.
    Gemini reports reasoning beside the output, OpenAI inside it. The queue's `token_breakdown`,
    when its quality is `complete`, already says it plainly and wins.
    """
    if isinstance(breakdown, dict) and breakdown.get("quality") == "complete":
        inp, out = breakdown.get("input") or {}, breakdown.get("output") or {}
        total_in = _int(inp.get("total_tokens"))
        read = min(_int(inp.get("cache_read_tokens")), total_in)
        write = min(_int(inp.get("cache_write_tokens")), total_in - read)
        return TokenUsage(total_in, _int(out.get("total_tokens")), read, write)
    inp, out = _int(tokens.get("input_tokens")), _int(tokens.get("output_tokens"))
    reasoning = _int(tokens.get("reasoning_tokens"))
    read = _int(tokens.get("cache_read_tokens")) or _int(tokens.get("cached_tokens"))
    write = _int(tokens.get("cache_creation_tokens"))
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

    def row(self, era: str, api_key: str, model: str, rec: Mapping[str, Any]) -> tuple[Any, ...]:
        """One `requests` row; raises BadRecord for a record without a timestamp."""
        ts_ns = parse_ts_ns(rec.get("timestamp"))
        tokens = obj(rec.get("tokens"))
        counts = [
            _int(tokens.get(k)) for k in ("input_tokens", "output_tokens", "reasoning_tokens")
        ]
        cached = _int(tokens.get("cached_tokens"))
        write = _int(tokens.get("cache_creation_tokens"))
        total = _int(tokens.get("total_tokens")) or sum(counts) or sum(counts) + cached
        failed = 1 if rec.get("failed") is True else 0
        source, auth_index = str(rec.get("source") or ""), str(rec.get("auth_index") or "")
        request_id = rec.get("request_id") if isinstance(rec.get("request_id"), str) else None
        provider = str(rec.get("provider") or "") or None
        parts = (api_key, model, str(ts_ns), source, auth_index, str(failed), *map(str, counts))
        raw_key = "|".join((*parts, str(cached), str(total), request_id or ""))
        dedup = hashlib.blake2b(raw_key.encode("utf-8"), digest_size=16).hexdigest()
        fam = names.family(model, provider or "")
        usage = price_usage(tokens, fam, rec.get("token_breakdown"))
        ts_ms = ts_ns // 1_000_000
        cost_usd, cost_micro, status, price_source, priced_model = self._price(model, usage, ts_ms)
        fail = obj(rec.get("fail"))
        status_code = fail.get("status_code") if isinstance(fail.get("status_code"), int) else None
        latency = rec.get("latency_ms") if isinstance(rec.get("latency_ms"), int) else None
        return (
            dedup, ts_ms, self.local_date(ts_ms), era, mask_key(api_key), model,
            rec.get("alias") if isinstance(rec.get("alias"), str) else None, provider,
            rec.get("endpoint") if isinstance(rec.get("endpoint"), str) else None,
            mask_source(source), auth_index or None, request_id, failed, status_code, latency,
            *counts, cached, write, total, cost_usd, cost_micro, status, price_source, priced_model,
        )  # fmt: skip

    def _price(self, model: str, usage: TokenUsage, ts_ms: int) -> tuple[Any, ...]:
        if usage.input_tokens == 0 and usage.output_tokens == 0:
            return "0", 0, "no_tokens", None, None
        ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ts_ms)
        result = self.pricer.price(model, usage, ts)
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
                    yield from self._safe(era, str(api_key), str(model) or "unknown", detail)

    def queue_rows(self, records: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows for usage-queue records; the model is the executed one, the alias kept beside it."""
        for rec in records:
            if isinstance(rec, dict):
                key = str(
                    rec.get("api_key") or rec.get("endpoint") or rec.get("provider") or "unknown"
                )
                yield from self._safe("queue", key, str(rec.get("model") or "unknown"), rec)

    def _safe(self, era: str, key: str, model: str, rec: Any) -> Iterator[tuple[Any, ...]]:
        if not isinstance(rec, dict):
            log.warning("skipping a %s record that is not an object", era)
            return
        try:
            yield self.row(era, key, model, rec)
        except BadRecord as exc:
            log.warning("skipping a %s record: %s", era, exc)


def store(db: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert in one transaction; returns how many rows were new (duplicates are ignored)."""
    with db:
        before = db.total_changes
        db.executemany(INSERT, rows)
        # each new row also changes one daily_usage row through the trigger
        return (db.total_changes - before) // 2


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
