"""Cost of one agent request, priced by the shared pricing module (`collector.pricing`).

Cache reads and 5-minute writes go to the pricing module at their own rates; 1-hour writes cost
2x the input rate (Anthropic's price list; ccusage PR #1221), added here. Long-context tiers apply
per request, since each request is priced alone. Unknown models: None, never $0.
"""

from __future__ import annotations

from decimal import Decimal

from collector.pricing import Pricer, TokenUsage

from .records import Request

__all__ = ["Priced", "Pricer", "price"]

PICO = Decimal(10) ** 12
Priced = tuple[int | None, str | None, str | None]  # cost in pico-USD, source, matched model id


def price(pricer: Pricer, request: Request) -> Priced:
    """(cost_pico, source, model id), or (None, None, None) when no price source knows the model."""
    all_input = request.input + request.cache_read + request.cache_write_5m + request.cache_write_1h
    usage = TokenUsage(all_input, request.output, request.cache_read, request.cache_write_5m)
    result = pricer.price_ms(request.model, usage, request.ts_ms)
    if result is None:
        return None, None, None
    cost = result.cost
    if request.cache_write_1h:
        # the call above charged the 1-hour writes as plain input; add the input rate once more,
        # at the same request's tier (the rate of all its input tokens)
        plain = pricer.price_ms(request.model, TokenUsage(all_input, 0), request.ts_ms)
        if plain is None:
            return None, None, None
        cost += plain.cost * request.cache_write_1h / all_input
    return int((cost * PICO).to_integral_value()), result.source, result.model_id
