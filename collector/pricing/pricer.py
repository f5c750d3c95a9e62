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
from datetime import UTC, datetime
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


Plan = tuple[Any, Any, Any, Any]  # input, output, cache read, cache write prices (or None)


def _plan(model_price: Any) -> Plan | None:
    """The four token prices when they are all a record charges for our usage, else None."""
    prices = vars(model_price)
    priced = {k for k, v in prices.items() if v is not None}
    if not (priced & _FAST_KEYS) or not priced <= _FAST_KEYS | _ZERO_KEYS:
        return None
    get = prices.get
    return get("input_mtok"), get("output_mtok"), get("cache_read_mtok"), get("cache_write_mtok")


def linear_cost(plan: Plan, usage: TokenUsage) -> Decimal:
    """The sum genai-prices makes for plain token units: each leaf count times its price, where
    cache reads and writes, when priced, are taken out of the input."""
    p_in, p_out, p_read, p_write = plan
    total_in, out, read, write = usage
    fresh = total_in
    cost = Decimal(0)
    if p_read is not None:
        fresh -= read
        cost += (p_read if type(p_read) is Decimal else _tiered(p_read, total_in)) * read
    if p_write is not None:
        fresh -= write
        cost += (p_write if type(p_write) is Decimal else _tiered(p_write, total_in)) * write
    if p_in is not None:
        cost += (p_in if type(p_in) is Decimal else _tiered(p_in, total_in)) * fresh
    if p_out is not None:
        cost += (p_out if type(p_out) is Decimal else _tiered(p_out, total_in)) * out
    return cost / MILLION


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
        self._plans: dict[tuple[str, int], Plan | None] = {}
        self._ids: dict[str, str] = {}
        self._static: dict[str, tuple[Plan, str]] = {}
        self._learned: set[str] = set()
        self._snapshot = data_snapshot.get_snapshot()

    @property
    def snapshot(self) -> Any:
        """The pinned genai-prices data this pricer reads."""
        return self._snapshot

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

    def price_ms(self, model: str, usage: TokenUsage, ts_ms: int) -> PriceResult | None:
        """`price` at epoch milliseconds. A model whose genai-prices record has no dated prices
        (and no override) is priced from its verified plan without building the datetime."""
        static = self._static.get(model)
        if static is not None:
            return PriceResult(linear_cost(static[0], usage), GENAI_SOURCE, static[1])
        result = self.price(model, usage, datetime.fromtimestamp(ts_ms / 1000, UTC))
        if model not in self._learned:
            self._learned.add(model)
            self._learn_static(model)
        return result

    def static_plan(self, model: str) -> tuple[Plan, str] | None:
        """(plan, matched id) for a model priced the same at any date, once `price_ms` has seen it."""
        return self._static.get(model)

    def _learn_static(self, model: str) -> None:
        if any(name in self.overrides for name in (model.lower(), *names.candidates(model))):
            return
        match = self._match(model)
        if match is None or isinstance(match[1].prices, list):  # unknown, or dated prices
            return
        model_id = self._ids.get(model)
        plan = self._plans.get((model_id or "", id(match[1].prices)))
        if model_id is not None and plan is not None:
            self._static[model] = (plan, model_id)

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
        if key not in self._plans:
            plan = _plan(model_price)
            cost = None if plan is None else linear_cost(plan, usage)
            exact = self._full(info, provider, usage, ts)
            if plan is not None and self._verify and cost != exact:
                # the first use of each price record is checked against genai-prices itself
                log.warning("pricing fast path disagrees for %s; using genai-prices", model_id)
                plan = None
            self._plans[key] = plan
            cost = exact
        else:
            plan = self._plans[key]
            cost = (
                self._full(info, provider, usage, ts) if plan is None else linear_cost(plan, usage)
            )
        return None if cost is None else PriceResult(cost, GENAI_SOURCE, model_id)

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
