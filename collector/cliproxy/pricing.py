"""Cost of one request: `Pricer.price(model, usage, ts) -> PriceResult | None`.

Resolution order: the operator's override file, the pinned genai-prices package (offline, with the
request's own timestamp, so dated price changes and long-context tiers apply), the llm-prices.com
disk copy for names genai-prices cannot match, else None ("unpriced", never $0).
Never price summed totals: a tier applies per request.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from genai_prices import Usage, data_snapshot

from collector.errors import ConfigError

from . import names
from .llmprices import LlmPricesCache

log = logging.getLogger(__name__)

GENAI_SOURCE = f"genai-prices {importlib.metadata.version('genai-prices')}"
MILLION = Decimal(1_000_000)
# Price keys the linear fast path understands; any other priced unit goes through genai-prices itself.
_FAST_KEYS = {"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"}
# Units our usage never carries (always 0 tokens), so their presence does not change the sum.
_ZERO_KEYS = {"cache_write_1h_mtok", "web_searches_kcount", "storage_searches_kcount"}


class TokenUsage(NamedTuple):
    """genai-prices semantics: `input_tokens` is all input, cache reads and writes included;
    `output_tokens` includes reasoning."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class PriceResult(NamedTuple):
    cost: Decimal  # USD
    source: str  # "genai-prices 0.2.3", "override", "llm-prices@<updated_at>"
    model_id: str  # what the name matched, e.g. "anthropic/claude-sonnet-4-5"

    @property
    def micro_usd(self) -> int:
        return int((self.cost * MILLION).to_integral_value())


class OverrideError(ConfigError):
    """The override file is malformed; the message names the entry."""


def load_overrides(path: Path | None) -> dict[str, str | dict[str, Decimal]]:
    """`{model: "alias"}` or `{model: {"input", "output", "cached_input"?, "cache_write"?}}` (USD/MTok).

    :raise OverrideError: not a JSON object, or an entry without numeric input/output.
    """
    if path is None or not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OverrideError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise OverrideError(f"{path}: expected an object of model name -> alias or prices")
    table: dict[str, str | dict[str, Decimal]] = {}
    for model, entry in raw.items():
        if isinstance(entry, str):
            table[model.lower()] = entry
            continue
        if not isinstance(entry, dict) or "input" not in entry or "output" not in entry:
            raise OverrideError(f"{path}: entry {model!r} needs 'input' and 'output' (USD/MTok)")
        try:
            prices = {k: Decimal(str(v)) for k, v in entry.items() if v is not None}
        except ArithmeticError as exc:
            raise OverrideError(f"{path}: entry {model!r} has a non-numeric price") from exc
        table[model.lower()] = prices
    return table


def _tiered(price: Any, total_input: int) -> Decimal:
    """genai-prices' cliff: past a tier's start every token pays the tier's price."""
    if isinstance(price, Decimal):
        return price
    for tier in reversed(price.tiers):
        if total_input > tier.start:
            return Decimal(tier.price)
    return Decimal(price.base)


class Pricer:
    """One per app; holds the override table, the llm-prices copy and a per-model lookup cache."""

    def __init__(
        self,
        override_path: Path | None = None,
        llm_prices: LlmPricesCache | None = None,
        verify_fast_path: bool = True,
    ) -> None:
        self.overrides = load_overrides(override_path)
        self.llm_prices = llm_prices
        self._verify = verify_fast_path
        self._matches: dict[str, tuple[Any, Any] | None] = {}
        self._fast_ok: dict[tuple[str, int], bool] = {}
        self._ids: dict[str, str] = {}
        self._snapshot = data_snapshot.get_snapshot()

    def price(self, model: str, usage: TokenUsage, ts: datetime) -> PriceResult | None:
        """Price one request at its own time `ts` (tz-aware); None when no source knows the model."""
        override = self._override(model, usage)
        if override is not None:
            return override
        entry = self.overrides.get(model.lower()) if self.overrides else None
        ref = entry if isinstance(entry, str) else model
        result = self._genai(ref, usage, ts)
        if result is None and self.llm_prices is not None:
            result = self._flat(ref, usage, ts)
        return result

    def _override(self, model: str, usage: TokenUsage) -> PriceResult | None:
        if not self.overrides:
            return None
        for name in names.candidates(model):
            entry = self.overrides.get(name)
            if isinstance(entry, dict):
                fresh = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
                cost = (
                    max(fresh, 0) * entry["input"]
                    + usage.cache_read_tokens * entry.get("cached_input", entry["input"])
                    + usage.cache_write_tokens * entry.get("cache_write", entry["input"])
                    + usage.output_tokens * entry["output"]
                ) / MILLION
                return PriceResult(cost, "override", name)
        return None

    def _match(self, model: str) -> tuple[Any, Any] | None:
        """(provider, model info) for the first candidate genai-prices knows; cached per name."""
        if model not in self._matches:
            found = None
            for name in names.candidates(model):
                try:
                    found = self._snapshot.find_provider_model(name, None, None, None)
                    break
                except LookupError:
                    continue
            self._matches[model] = found
        return self._matches[model]

    def _genai(self, model: str, usage: TokenUsage, ts: datetime) -> PriceResult | None:
        match = self._match(model)
        if match is None:
            return None
        provider, info = match
        model_price = info.get_prices(ts)
        model_id = self._ids.get(model)
        if model_id is None:
            model_id = self._ids[model] = f"{provider.id}/{info.id}"
        key = (model_id, id(model_price))
        cost: Decimal | None
        fast_ok = self._fast_ok.get(key)
        if fast_ok is None:
            priced = {k for k, v in vars(model_price).items() if v is not None}
            fast_ok = bool(priced & _FAST_KEYS) and priced <= _FAST_KEYS | _ZERO_KEYS
        if fast_ok:
            cost = self._linear(model_price, usage)
            if key not in self._fast_ok and self._verify:
                # the first use of each price record is checked against genai-prices itself
                exact = self._full(info, provider, usage, ts)
                fast_ok = exact is not None and exact == cost
                if not fast_ok:
                    log.warning("pricing fast path disagrees for %s; using genai-prices", model_id)
                    cost = exact
            self._fast_ok[key] = fast_ok
        else:
            self._fast_ok[key] = False
            cost = self._full(info, provider, usage, ts)
        return None if cost is None else PriceResult(cost, GENAI_SOURCE, model_id)

    @staticmethod
    def _linear(model_price: Any, usage: TokenUsage) -> Decimal:
        """The same sum genai-prices makes for plain token units: each leaf count times its price."""
        prices = vars(model_price)
        total_in = usage.input_tokens
        fresh = total_in
        cost = Decimal(0)
        for key, count in (
            ("cache_read_mtok", usage.cache_read_tokens),
            ("cache_write_mtok", usage.cache_write_tokens),
        ):
            if prices.get(key) is not None:
                fresh -= count
                cost += _tiered(prices[key], total_in) * count
        if prices.get("input_mtok") is not None:
            cost += _tiered(prices["input_mtok"], total_in) * fresh
        if prices.get("output_mtok") is not None:
            cost += _tiered(prices["output_mtok"], total_in) * usage.output_tokens
        return cost / MILLION

    @staticmethod
    def _full(info: Any, provider: Any, usage: TokenUsage, ts: datetime) -> Decimal | None:
        genai_usage = Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
        try:
            total: Decimal = info.calc_price(
                genai_usage, provider, genai_request_timestamp=ts
            ).total_price
        except ValueError as exc:  # inconsistent counts (cache larger than input)
            log.warning("genai-prices refused usage %s: %s", usage, exc)
            return None
        return total

    def _flat(self, model: str, usage: TokenUsage, ts: datetime) -> PriceResult | None:
        assert self.llm_prices is not None
        from . import llmprices

        record = llmprices.lookup(self.llm_prices.table, model, ts.date())
        if record is None:
            return None
        fresh = max(usage.input_tokens - usage.cache_read_tokens, 0)
        cost = (
            fresh * record.input
            + usage.cache_read_tokens * record.cached
            + usage.output_tokens * record.output
        ) / MILLION
        return PriceResult(cost, self.llm_prices.source, record.model_id)


_default: Pricer | None = None


def price(model: str, usage: TokenUsage, ts: datetime) -> PriceResult | None:
    """Module-level convenience with no overrides and no llm-prices copy."""
    global _default
    if _default is None:
        _default = Pricer()
    return _default.price(model, usage, ts)
