"""Moved to `collector.pricing.llmprices`; kept so older imports work."""

from collector.pricing.llmprices import FlatPrice, LlmPricesCache, http_fetch, lookup, parse

__all__ = ["FlatPrice", "LlmPricesCache", "http_fetch", "lookup", "parse"]
