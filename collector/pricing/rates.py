"""Base token rates (USD per million) of a model on a day, for pricing daily sums.

Web chats arrive as sums per day, host and model, not as requests, so the per-request path of
`Pricer.price` (whose long-context tiers apply to one request's input) cannot be used: a day's sum
would cross a 200k tier that no single request crossed. Sums are priced at the model's base rates
(the first tier) in force on that day, from the same sources in the same order as `Pricer.price`:
the override file, the pinned genai-prices data, the llm-prices.com copy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

from . import llmprices, names
from .pricer import MILLION, Pricer

# The instant a day is priced at: noon UTC is inside the day in every zone's reading of a start
# date, and inside the standard (not off-peak) hours of time-of-day prices such as DeepSeek's.
PRICED_AT = time(12, 0, tzinfo=UTC)
_CACHE_LIMIT = 200_000
SCALE = 10**9  # see Rates.scaled


class Rates(NamedTuple):
    input: Decimal  # USD per million input tokens
    output: Decimal  # USD per million output tokens
    model_id: str  # what the reference matched, e.g. "openai/gpt-5"

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return (input_tokens * self.input + output_tokens * self.output) / MILLION

    @property
    def scaled(self) -> tuple[int, int] | None:
        """(input, output) in units of 1e-9 USD per million tokens, when both are exact there:
        tokens x scaled = cost in 1e-15 USD, summed as plain ints (far faster than Decimal).
        None for a price with more than nine decimals (then use `cost`)."""
        a, b = self.input * SCALE, self.output * SCALE
        if a != a.to_integral_value() or b != b.to_integral_value():
            return None
        return int(a), int(b)


def _base(price: Any) -> Decimal | None:
    """A plain price, or the base of a tiered one (the price below the first tier)."""
    if price is None:
        return None
    return price if isinstance(price, Decimal) else Decimal(price.base)


class RateBook:
    """Rates per (reference, day), cached; a model with undated prices is looked up once."""

    def __init__(self, pricer: Pricer) -> None:
        self.pricer = pricer
        self._found: dict[str, tuple[Any, Any] | None] = {}
        self._static: dict[str, Rates | None] = {}
        self._dated: dict[tuple[str, date], Rates | None] = {}

    def is_static(self, ref: str) -> bool:
        """True once `rates(ref, ...)` has found the same rates apply on every day."""
        return ref in self._static

    def rates(self, ref: str, day: date) -> Rates | None:
        """Rates for `ref` ("provider/model" or a bare model) on `day`; None when unpriced."""
        if ref in self._static:
            return self._static[ref]
        key = (ref, day)
        if key not in self._dated:
            if len(self._dated) > _CACHE_LIMIT:
                self._dated.clear()
            self._dated[key] = self._lookup(ref, day)
        return self._dated[key]

    def _lookup(self, ref: str, day: date) -> Rates | None:
        override = self._override(ref)
        if override is not None:
            self._static[ref] = override
            return override
        entry = self.pricer.overrides.get(ref.lower()) if self.pricer.overrides else None
        target = entry if isinstance(entry, str) else ref
        found = self._find(target)
        if found is not None:
            provider, info = found
            prices = info.get_prices(datetime.combine(day, PRICED_AT))
            p_in, p_out = _base(prices.input_mtok), _base(prices.output_mtok)
            if p_in is not None and p_out is not None:
                rates = Rates(p_in, p_out, f"{provider.id}/{info.id}")
                if not isinstance(info.prices, list):  # the same on every day
                    self._static[ref] = rates
                return rates
        flat = self._flat(target, day)
        if found is None and not (self.pricer.llm_prices and self.pricer.llm_prices.table):
            self._static[ref] = None  # no source knows it, on any day
        return flat

    def _override(self, ref: str) -> Rates | None:
        for name in names.candidates(ref) if self.pricer.overrides else ():
            entry = self.pricer.overrides.get(name)
            if isinstance(entry, dict):
                return Rates(entry["input"], entry["output"], name)
        return None

    def _find(self, ref: str) -> tuple[Any, Any] | None:
        """genai-prices' (provider, model) for `ref`, within the named provider when there is one."""
        if ref not in self._found:
            provider_id, _, model = ref.rpartition("/") if "/" in ref else ("", "", ref)
            found = None
            snapshot = self.pricer.snapshot
            for name in names.candidates(model):
                try:
                    found = snapshot.find_provider_model(name, None, provider_id or None, None)
                    break
                except LookupError:
                    continue
            self._found[ref] = found
        return self._found[ref]

    def _flat(self, ref: str, day: date) -> Rates | None:
        cache = self.pricer.llm_prices
        if cache is None or not cache.table:
            return None
        record = llmprices.lookup(cache.table, ref, day)
        if record is None:
            return None
        return Rates(record.input, record.output, record.model_id)
