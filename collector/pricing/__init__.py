"""Prices for every source (CLIProxy, web chats, coding agents) from one place.

Pinned `genai-prices` data (offline), the operator's override file (`PRICING_OVERRIDE_PATH`) and the
optional llm-prices.com copy (`PRICING_REFRESH_URL`). An unknown model is unpriced (None), never $0.
`init_app` puts one `Pricer` on `app.extensions["pricer"]`; every source prices through it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from collector.config import Settings

from .llmprices import LlmPricesCache
from .pricer import GENAI_SOURCE, MILLION, OverrideError, Pricer, PriceResult, TokenUsage
from .rates import PRICED_AT, RateBook, Rates

__all__ = [
    "GENAI_SOURCE",
    "MILLION",
    "LlmPricesCache",
    "OverrideError",
    "PriceResult",
    "Pricer",
    "RateBook",
    "Rates",
    "TokenUsage",
    "init_app",
    "make_pricer",
    "price_request",
]


def make_pricer(settings: Settings) -> Pricer:
    """Overrides file, pinned genai-prices, and the llm-prices disk copy beside the database."""
    cache = LlmPricesCache(
        settings.db_path.parent / "pricing" / "llm-prices-current-v1.json",
        settings.pricing_refresh_url,
    )
    cache.load()  # a copy fetched earlier is used even with refresh now off
    return Pricer(settings.pricing_override_path, cache)


def price_request(
    pricer: Pricer,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    when: date | datetime,
    provider: str | None = None,
) -> Decimal | None:
    """USD for one request at `when` (a tz-aware datetime, or a date: priced at its 12:00 UTC),
    or None when unpriced.

    `input_tokens` is the fresh input only, without cache reads or writes (Claude's and most agent
    logs' sense); they are added back here because genai-prices counts cache within the input.
    `provider` (a genai-prices provider id such as "anthropic") is prepended to the model name
    when the name carries none, which narrows the lookup. Never call this on summed totals:
    long-context tiers apply per request.
    """
    ref = model if provider is None or "/" in model else f"{provider}/{model}"
    usage = TokenUsage(
        input_tokens + cache_read_tokens + cache_write_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
    )
    at = when if isinstance(when, datetime) else datetime.combine(when, PRICED_AT)
    result = pricer.price(ref, usage, at)
    return None if result is None else result.cost


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    pricer = make_pricer(settings)
    app.extensions["pricer"] = pricer
    app.extensions["rate_book"] = RateBook(pricer)  # day rates for web sums (rates.py)
