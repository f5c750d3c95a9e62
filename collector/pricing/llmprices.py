"""The optional llm-prices.com source: a flat USD-per-million table, refreshed at most daily.

Off unless `PRICING_REFRESH_URL` is set. The raw JSON is kept on disk (written atomically, with the
time it was fetched); a failed refresh keeps the last good copy. Used only for models the pinned
genai-prices cannot match: its flat prices ignore long-context tiers.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import names

log = logging.getLogger(__name__)

REFRESH_EVERY_SECONDS = 24 * 3600
FETCH_TIMEOUT_SECONDS = 10
MAX_BYTES = 2 * 1024 * 1024

Fetcher = Callable[[str], bytes]


@dataclass(frozen=True)
class FlatPrice:
    """USD per million tokens; `cached` falls back to `input` when the table has none."""

    model_id: str
    input: Decimal
    output: Decimal
    cached: Decimal
    from_date: date | None = None
    to_date: date | None = None

    def applies_on(self, day: date) -> bool:
        """`from_date` inclusive, `to_date` exclusive, None open."""
        if self.from_date is not None and day < self.from_date:
            return False
        return self.to_date is None or day < self.to_date


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def parse(document: Any) -> tuple[str, dict[str, list[FlatPrice]]]:
    """Read current-v1.json or historical-v1.json into {slug: [prices]}; bad records are skipped.

    :return: (updated_at or "", table)
    :raise ValueError: the document is not an object with a `prices` list.
    """
    if not isinstance(document, dict) or not isinstance(document.get("prices"), list):
        raise ValueError("llm-prices document has no 'prices' list")
    table: dict[str, list[FlatPrice]] = {}
    for item in document["prices"]:
        try:
            price_in = Decimal(str(item["input"]))
            cached = item.get("input_cached")
            record = FlatPrice(
                model_id=str(item["id"]).lower(),
                input=price_in,
                output=Decimal(str(item["output"])),
                cached=price_in if cached is None else Decimal(str(cached)),
                from_date=_day(item.get("from_date")),
                to_date=_day(item.get("to_date")),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError):
            log.warning("llm-prices: skipping malformed record %r", item)
            continue
        table.setdefault(names.slug(record.model_id), []).append(record)
    return str(document.get("updated_at") or ""), table


def lookup(table: dict[str, list[FlatPrice]], model: str, day: date) -> FlatPrice | None:
    """The record for the first matching candidate name that applies on `day`."""
    for name in names.candidates(model):
        for record in table.get(names.slug(name), ()):
            if record.applies_on(day):
                return record
    return None


def http_fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "llm-usage-collector"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
        body: bytes = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError(f"llm-prices answer larger than {MAX_BYTES} bytes")
    return body


class LlmPricesCache:
    """The disk copy: `{"fetched_at": epoch s, "url": …, "data": <document>}`."""

    def __init__(
        self,
        path: Path,
        url: str,
        fetch: Fetcher = http_fetch,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path, self.url, self._fetch, self._clock = path, url, fetch, clock
        self.updated_at = ""
        self.table: dict[str, list[FlatPrice]] = {}
        self._loaded_mtime: float | None = None

    def load(self) -> float | None:
        """Read the disk copy; a corrupt file is ignored (logged). Returns its fetched_at."""
        try:
            wrapper = json.loads(self.path.read_text(encoding="utf-8"))
            self.updated_at, self.table = parse(wrapper["data"])
            return float(wrapper["fetched_at"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("llm-prices cache %s is unreadable, ignoring it: %s", self.path, exc)
            return None

    def refresh(self, force: bool = False) -> bool:
        """Fetch when refresh is on and the copy is older than a day; True when a new copy was saved."""
        fetched_at = self.load()
        if not self.url:
            return False
        if (
            not force
            and fetched_at is not None
            and self._clock() - fetched_at < REFRESH_EVERY_SECONDS
        ):
            return False
        try:
            document = json.loads(self._fetch(self.url))
            updated_at, table = parse(document)
        except Exception as exc:  # network, HTTP, JSON: all mean "keep the last good copy"
            log.warning(
                "llm-prices refresh from %s failed, keeping the last good copy: %s", self.url, exc
            )
            return False
        self._save({"fetched_at": self._clock(), "url": self.url, "data": document})
        self.updated_at, self.table = updated_at, table
        return True

    def _save(self, wrapper: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(wrapper, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @property
    def source(self) -> str:
        return f"llm-prices@{self.updated_at or 'unknown'}"
