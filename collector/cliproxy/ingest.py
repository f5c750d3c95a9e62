"""Turn CLIProxy request records (legacy snapshot details or queue records) into `requests` rows.

Each row carries a dedup key built like CLIProxy's own import key (api key, model, UTC timestamp to
the nanosecond, source, auth index, failed, the five token counts; plus the request id when the
queue gives one): the millisecond timestamp (6 bytes) and a 10-byte BLAKE2b hash of all that, so
the raw client key is never stored. `store` adds exactly the rows that
were new to `daily_usage`.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from collector.pricing.pricer import GENAI_SOURCE, MILLION, Pricer, TokenUsage, linear_cost

from . import names
from .fields import (
    BadRecord,
    LocalDates,
    int_or_none,
    mask_key,
    mask_source,
    parse_ts_ns,
    text_or_none,
    token_counts,
    usage_from_counts,
)

log = logging.getLogger(__name__)

COLUMNS = (
    "dedup_key, ts_ms, stat_date, era, api_key, model, alias, provider, endpoint, source, auth_index, "
    "request_id, failed, status_code, latency_ms, input_tokens, output_tokens, reasoning_tokens, "
    "cached_tokens, cache_write_tokens, total_tokens, cost_usd, cost_micro, pricing_status, "
    "pricing_source, priced_model"
)
INSERT = f"INSERT OR IGNORE INTO requests ({COLUMNS}) VALUES ({', '.join('?' * 26)})"


class Ingestor:
    """Builds rows in the configured zone and prices each one at its own timestamp."""

    def __init__(self, pricer: Pricer, zone: str) -> None:
        self.pricer = pricer
        self.local_date = LocalDates(zone)
        self._dates = self.local_date.cache
        self._masked: dict[str, str] = {}
        self._families: dict[tuple[str, str | None, str | None], str] = {}
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
        if ts_ns < 0:
            raise BadRecord(f"timestamp before 1970: {get('timestamp')!r}")
        every = token_counts(get("tokens"))
        counts, cached, write = every[:3], every[3], every[5]
        total = every[6] or sum(counts) or sum(counts) + cached
        failed = 1 if get("failed") is True else 0
        source, auth_index = str(get("source") or ""), str(get("auth_index") or "")
        request_id = text_or_none(get("request_id"))
        provider = str(get("provider") or "") or None
        inp, out, reasoning = counts
        raw_key = (
            f"{api_key}|{model}|{ts_ns}|{source}|{auth_index}|{failed}|{inp}|{out}|{reasoning}"
            f"|{cached}|{total}|{request_id or ''}"
        )
        # time first, then the hash: keys arrive nearly in order, so the unique index grows at
        # its right edge instead of dirtying a random page per row
        digest = hashlib.blake2b(raw_key.encode("utf-8"), digest_size=10).digest()
        dedup = (ts_ns // 1_000_000).to_bytes(6, "big") + digest
        if dedup in self.seen:
            return None  # a legacy detail read again: skip pricing it only to drop it
        executor = text_or_none(get("executor_type"))
        fam = self._families.get((model, provider, executor))
        if fam is None:
            fam = names.family(model, provider or "", executor or "")
            self._families[(model, provider, executor)] = fam
        usage = usage_from_counts(every, fam, get("token_breakdown"))
        ts_ms = ts_ns // 1_000_000
        cost_usd, cost_micro, status, price_source, priced_model = self._price(model, usage, ts_ms)
        fail = get("fail")
        status_code = int_or_none(fail.get("status_code")) if type(fail) is dict else None
        return (
            dedup, ts_ms, self._dates.get(ts_ms // 900_000) or self.local_date(ts_ms), era,
            self._masked.get(api_key) or self._mask(api_key), model,
            alias if (alias := text_or_none(get("alias"))) != model else None,
            provider, text_or_none(get("endpoint")),
            self._mask(source, source=True), auth_index or None, request_id, failed, status_code,
            int_or_none(get("latency_ms")),
            *counts, cached, write, total, cost_usd, cost_micro, status, price_source, priced_model,
        )  # fmt: skip

    def _price(self, model: str, usage: TokenUsage, ts_ms: int) -> tuple[Any, ...]:
        if usage.input_tokens == 0 and usage.output_tokens == 0:
            return "0", 0, "no_tokens", None, None
        static = self.pricer.static_plan(model)
        if static is not None:  # the common case, without building a PriceResult
            cost = linear_cost(static[0], usage)
            return (
                str(cost),
                int((cost * MILLION).to_integral_value()),
                "priced",
                GENAI_SOURCE,
                static[1],
            )
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


NEW_BY_KEY = """
    SELECT model, api_key, COUNT(*), SUM(total_tokens), SUM(1 - failed)
    FROM requests WHERE id > ? GROUP BY model, api_key
"""

NewRows = dict[tuple[str, str], tuple[int, int, int]]  # (model, masked key) -> (req, tok, ok)


def store(
    db: sqlite3.Connection,
    rows: Iterable[tuple[Any, ...]],
    then: Callable[[sqlite3.Connection, NewRows], None] | None = None,
) -> int:
    """Insert the rows that are new and add exactly those to `daily_usage`, in one transaction.

    `then`, if given, runs inside that transaction with the new rows counted per (model, masked
    key): a legacy snapshot's counters are stored atomically with its details.

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
        if then is not None:
            new: NewRows = {}
            if added:
                new = {(r[0], r[1]): (r[2], r[3], r[4]) for r in db.execute(NEW_BY_KEY, (last_id,))}
            then(db, new)
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
