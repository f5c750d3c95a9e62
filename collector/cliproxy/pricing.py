"""Moved to `collector.pricing` (one pricing module for every source); kept so older imports work."""

from collector.pricing.pricer import (
    GENAI_SOURCE,
    MILLION,
    OverrideError,
    Plan,
    Pricer,
    PriceResult,
    TokenUsage,
    linear_cost,
    load_overrides,
    price,
)

__all__ = [
    "GENAI_SOURCE",
    "MILLION",
    "OverrideError",
    "Plan",
    "PriceResult",
    "Pricer",
    "TokenUsage",
    "linear_cost",
    "load_overrides",
    "price",
]
