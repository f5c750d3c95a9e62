"""The web table (host + app model id -> API model) and day rates, against genai-prices 0.2.3.

Expected rates are the providers' list prices (USD per million tokens, input / output) as the
pinned genai-prices 0.2.3 data carries them, written out by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from collector.pricing import Pricer, RateBook, price_request
from collector.pricing.web import ALIASES, price_ref

DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def book() -> RateBook:
    return RateBook(Pricer())


@pytest.mark.parametrize(
    ("host", "model", "matched", "rates"),
    [
        ("chatgpt.com", "auto", "openai/gpt-5", ("1.25", "10")),
        ("chatgpt.com", "gpt-5-thinking", "openai/gpt-5", ("1.25", "10")),
        ("chatgpt.com", "gpt-5-instant", "openai/gpt-5", ("1.25", "10")),
        ("chatgpt.com", "gpt-5-t-mini", "openai/gpt-5-mini", ("0.25", "2")),
        ("chatgpt.com", "gpt-5-1", "openai/gpt-5.1", ("1.25", "10")),
        ("chatgpt.com", "gpt-5-1-thinking", "openai/gpt-5.1", ("1.25", "10")),
        ("chatgpt.com", "gpt-4o", "openai/gpt-4o", ("2.5", "10")),
        ("chatgpt.com", "gpt-4-1", "openai/gpt-4.1", ("2", "8")),
        ("chatgpt.com", "o4-mini", "openai/o4-mini", ("1.1", "4.4")),
        ("claude.ai", "claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5", ("3", "15")),
        ("claude.ai", "claude-opus-4-1-20250805", "anthropic/claude-opus-4-1", ("15", "75")),
        ("claude.ai", "claude-haiku-4-5-20251001", "anthropic/claude-haiku-4-5", ("1", "5")),
        ("gemini.google.com", "gemini-2.5-pro", "google/gemini-2.5-pro", ("1.25", "10")),
        ("gemini.google.com", "gemini-2.5-flash", "google/gemini-2.5-flash", ("0.3", "2.5")),
        ("chat.deepseek.com", "deepseek-chat", "deepseek/deepseek-chat", ("0.27", "1.1")),
        ("chat.deepseek.com", "deepseek-reasoner", "deepseek/deepseek-reasoner", ("0.55", "2.19")),
        ("grok.com", "grok-4", "x-ai/grok-4-0709", ("3", "15")),
        ("grok.com", "grok-3", "x-ai/grok-3", ("3", "15")),
        ("chat.mistral.ai", "mistral-large-latest", "mistral/mistral-large", ("2", "6")),
        ("www.perplexity.ai", "turbo", "perplexity/sonar", ("1", "1")),
        ("www.perplexity.ai", "pplx_pro", "perplexity/sonar-pro", ("3", "15")),
        ("www.perplexity.ai", "claude45sonnet", "anthropic/claude-sonnet-4-5", ("3", "15")),
        ("www.perplexity.ai", "gpt5", "openai/gpt-5", ("1.25", "10")),
        ("www.perplexity.ai", "gemini25pro", "google/gemini-2.5-pro", ("1.25", "10")),
        ("copilot.microsoft.com", "chat", "openai/gpt-4o", ("2.5", "10")),
        ("copilot.microsoft.com", "smart", "openai/gpt-5", ("1.25", "10")),
    ],
)
def test_mapped_ids_are_priced(
    book: RateBook, host: str, model: str, matched: str, rates: tuple[str, str]
) -> None:
    ref = price_ref(host, model)
    assert ref is not None
    found = book.rates(ref, DAY)
    assert found is not None
    assert (found.model_id, found.input, found.output) == (matched, *map(Decimal, rates))


def test_every_alias_in_the_table_is_priced_or_deliberately_unpriced(book: RateBook) -> None:
    hosts = {"openai": "chatgpt.com", "perplexity": "www.perplexity.ai"}
    hosts |= {"copilot": "copilot.microsoft.com", "anthropic": "claude.ai"}
    for provider, table in ALIASES.items():
        host = hosts.get(provider, "claude.ai")
        for model, ref in table.items():
            if ref is None:
                assert price_ref(host, model) is None
            else:
                assert book.rates(ref, DAY) is not None, (provider, model, ref)


@pytest.mark.parametrize(
    ("host", "model"),
    [
        ("chatgpt.com", None),  # the page did not say
        ("chatgpt.com", "research"),  # deep research: no per-token price
        ("chatgpt.com", "gpt-99-imaginary"),
        ("www.perplexity.ai", "r1"),
        ("copilot.microsoft.com", "search"),
        ("example.com", "gpt-5"),  # not a known chat site
        ("claude.ai", "claude-imaginary-9"),
    ],
)
def test_unknown_ids_are_unpriced(book: RateBook, host: str, model: str | None) -> None:
    ref = price_ref(host, model)
    assert ref is None or book.rates(ref, DAY) is None


def test_the_price_in_force_on_the_day(book: RateBook) -> None:
    """OpenAI cut o3 from 10 / 40 to 2 / 8 on 2025-06-10 (genai-prices' start date)."""
    ref = price_ref("chatgpt.com", "o3")
    assert ref is not None
    before, after = book.rates(ref, date(2025, 6, 9)), book.rates(ref, date(2025, 6, 10))
    assert before is not None and after is not None
    assert (before.input, before.output) == (Decimal(10), Decimal(40))
    assert (after.input, after.output) == (Decimal(2), Decimal(8))


def test_long_context_tier_is_not_applied_to_day_sums(book: RateBook) -> None:
    """gemini-2.5-pro is 1.25 up to 200k input per request and 2.5 past it; a day's sum of many
    small requests must stay at the base rate."""
    found = book.rates("google/gemini-2.5-pro", DAY)
    assert found is not None
    assert found.cost(1_000_000, 0) == Decimal("1.25")


def test_override_file_prices_the_web_too(tmp_path: Path) -> None:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"r1": {"input": 1, "output": 5}}))
    book = RateBook(Pricer(path))
    found = book.rates("perplexity/r1", DAY)
    assert found is not None and (found.input, found.output) == (Decimal(1), Decimal(5))


def test_price_request_for_one_agent_request() -> None:
    """claude-sonnet-4-5: 3 in, 15 out, 0.3 cache read, 3.75 cache write (USD/MTok)."""
    cost = price_request(Pricer(), "claude-sonnet-4-5", 1000, 2000, 10_000, 4000, DAY, "anthropic")
    assert cost == Decimal("0.003") + Decimal("0.030") + Decimal("0.003") + Decimal("0.015")
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert price_request(Pricer(), "no-such-model", 1, 1, 0, 0, at) is None
