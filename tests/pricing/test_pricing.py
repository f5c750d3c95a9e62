"""Prices at a pinned request date against genai-prices 0.2.3 (offline), overrides, llm-prices."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.cliproxy.fields import price_usage
from collector.pricing import OverrideError, Pricer, TokenUsage, llmprices, names
from collector.pricing.llmprices import LlmPricesCache
from tests.cliproxy.conftest import PINNED


@pytest.fixture(scope="module")
def pricer() -> Pricer:
    return Pricer()


@pytest.mark.parametrize(
    ("model", "usage", "cost", "matched"),
    [
        pytest.param(
            "gpt-4o", TokenUsage(1_000_000, 200_000), "4.50", "openai/gpt-4o", id="gpt-4o"
        ),
        pytest.param(
            "claude-sonnet-4-5-20250929",
            TokenUsage(100_000, 20_000, 80_000),
            "0.384",
            "anthropic/claude-sonnet-4-5",
            id="claude-cache-read",
        ),
        pytest.param(
            "gemini-2.5-pro", TokenUsage(200_000, 0), "0.250", "google/gemini-2.5-pro", id="tier-at"
        ),
        pytest.param(
            "gemini-2.5-pro",
            TokenUsage(200_001, 0),
            "0.5000025",
            "google/gemini-2.5-pro",
            id="tier-over",
        ),
        pytest.param(
            "gpt-5-codex", TokenUsage(1_000_000, 200_000), "3.250", "openai/gpt-5", id="codex"
        ),
    ],
)
def test_prices_at_pinned_date(
    pricer: Pricer, model: str, usage: TokenUsage, cost: str, matched: str
) -> None:
    result = pricer.price(model, usage, PINNED)
    assert result is not None
    assert result.cost == Decimal(cost)
    assert (result.model_id, result.source) == (matched, "genai-prices 0.2.3")


def test_claude_request_just_over_200k_tier(pricer: Pricer) -> None:
    # 150,001 fresh + 50,000 cache read = 200,001 input: every token at the >200k rates (6/0.6/22.5)
    usage = price_usage(
        {"input_tokens": 150_001, "output_tokens": 1_000, "cached_tokens": 50_000}, "anthropic"
    )
    assert usage == TokenUsage(200_001, 1_000, 50_000, 0)
    result = pricer.price("claude-sonnet-4-5-20250929", usage, PINNED)
    assert result is not None
    # 150,001 × $6 + 50,000 × $0.60 + 1,000 × $22.50, per million
    assert result.cost == Decimal("0.900006") + Decimal("0.03") + Decimal("0.0225")


def test_per_request_not_aggregate(pricer: Pricer) -> None:
    one = pricer.price("gemini-2.5-pro", TokenUsage(150_000, 0), PINNED)
    both = pricer.price("gemini-2.5-pro", TokenUsage(300_000, 0), PINNED)
    assert one is not None and both is not None
    assert 2 * one.cost == Decimal("0.375")  # two requests under the tier at $1.25
    assert both.cost == Decimal("0.750")  # a summed total would wrongly pay $2.50


@pytest.mark.parametrize(
    "model", ["gemini-2.5-pro(8192)", "gpt-5(high)", "gpt-5-codex-high", "claude-sonnet-4-5-thinking",
              "openai/gpt-4o", "models/gemini-2.5-pro", "gpt-5-thinking-high"]
)  # fmt: skip
def test_decorated_names_resolve(pricer: Pricer, model: str) -> None:
    assert pricer.price(model, TokenUsage(1000, 100), PINNED) is not None


def test_unknown_model_is_unpriced_not_zero(pricer: Pricer) -> None:
    assert pricer.price("qwen3-coder-plus", TokenUsage(1000, 100), PINNED) is None


def test_normalise_and_slug() -> None:
    assert names.normalise("Gemini-2.5-Pro(8192)") == "gemini-2.5-pro"
    assert names.normalise("vertex://claude-opus-4-5-high") == "claude-opus-4-5"
    assert names.candidates("gpt-5-thinking") == ("gpt-5-thinking", "gpt-5")
    assert names.slug("claude-sonnet-4.5") == names.slug("claude-sonnet-4-5-20250929")


@pytest.mark.parametrize(
    ("tokens", "fam", "expected"),
    [
        pytest.param({"input_tokens": 100, "output_tokens": 10, "cached_tokens": 80}, "openai",
                     TokenUsage(100, 10, 80), id="openai-cache-inside"),
        pytest.param({"input_tokens": 20, "output_tokens": 10, "cached_tokens": 80}, "anthropic",
                     TokenUsage(100, 10, 80), id="claude-cache-outside"),
        pytest.param({"input_tokens": 100, "output_tokens": 10, "reasoning_tokens": 5}, "gemini",
                     TokenUsage(100, 15), id="gemini-thoughts-beside"),
        pytest.param({"input_tokens": 100, "output_tokens": 10, "reasoning_tokens": 5}, "openai",
                     TokenUsage(100, 10), id="openai-reasoning-inside"),
    ],
)  # fmt: skip
def test_token_semantics(tokens: dict[str, int], fam: str, expected: TokenUsage) -> None:
    assert price_usage(tokens, fam) == expected


def test_queue_breakdown_wins() -> None:
    breakdown = {
        "quality": "complete",
        "input": {"total_tokens": 1000, "cache_read_tokens": 600, "cache_write_tokens": 100},
        "output": {"total_tokens": 50, "reasoning_tokens": 20},
    }
    assert price_usage({"input_tokens": 1}, "anthropic", breakdown) == TokenUsage(
        1000, 50, 600, 100
    )


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(
        ["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro", "gpt-5", "claude-opus-4-1"]
    ),
    fresh=st.integers(0, 400_000),
    read=st.integers(0, 200_000),
    write=st.integers(0, 50_000),
    out=st.integers(0, 100_000),
)
def test_fast_path_equals_genai_prices(
    model: str, fresh: int, read: int, write: int, out: int
) -> None:
    usage = TokenUsage(fresh + read + write, out, read, write)
    mine = Pricer(verify_fast_path=False).price(model, usage, PINNED)
    theirs = calc_price(
        Usage(input_tokens=usage.input_tokens, output_tokens=out, cache_read_tokens=read,
              cache_write_tokens=write), model, genai_request_timestamp=PINNED,
    )  # fmt: skip
    assert mine is not None and mine.cost == theirs.total_price


def test_override_wins_and_prices_unknown(tmp_path: Path, pricer: Pricer) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "qwen3-coder-plus": {"input": 1, "output": 5, "cached_input": 0.1},
                "gpt-4o": {"input": 0, "output": 0},
                "my-alias": "claude-sonnet-4-5",
            }
        )
    )
    p = Pricer(path)
    qwen = p.price("qwen3-coder-plus", TokenUsage(1_000_000, 100_000, 500_000), PINNED)
    assert qwen is not None and (qwen.cost, qwen.source) == (Decimal("1.05"), "override")
    gpt = p.price("gpt-4o", TokenUsage(1_000_000, 0), PINNED)
    assert gpt is not None and gpt.cost == 0
    alias = p.price("my-alias", TokenUsage(100_000, 0), PINNED)
    assert (
        alias is not None
        and alias.cost == Decimal("0.3")
        and alias.model_id.endswith("claude-sonnet-4-5")
    )


@pytest.mark.parametrize(
    "text", ["[1]", "{not json", '{"m": {"input": 1}}', '{"m": {"input": "x", "output": 1}}']
)
def test_bad_override_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "prices.json"
    path.write_text(text)
    with pytest.raises(OverrideError):
        Pricer(path)


FIXTURE = {
    "updated_at": "2026-11-01",
    "prices": [
        {"id": "qwen3-coder-plus", "vendor": "qwen", "name": "Q", "input": 1, "output": 5, "input_cached": None,
         "from_date": "2026-06-01", "to_date": None},
        {"id": "qwen3-coder-plus", "vendor": "qwen", "name": "Q", "input": 2, "output": 8, "input_cached": 0.2,
         "from_date": None, "to_date": "2026-06-01"},
        {"id": "broken"},
    ],
}  # fmt: skip


def test_llm_prices_parser_picks_record_by_date() -> None:
    updated, table = llmprices.parse(FIXTURE)
    assert updated == "2026-11-01"
    new = llmprices.lookup(table, "qwen3-coder-plus", date(2026, 6, 1))
    old = llmprices.lookup(table, "qwen3-coder-plus(high)", date(2026, 5, 31))
    assert new is not None and (new.input, new.cached) == (1, 1)  # null cached falls back to input
    assert old is not None and (old.input, old.cached) == (2, Decimal("0.2"))


class Fetcher:
    def __init__(self, body: bytes | Exception) -> None:
        self.body, self.calls = body, 0

    def __call__(self, url: str) -> bytes:
        self.calls += 1
        if isinstance(self.body, Exception):
            raise self.body
        return self.body


def test_llm_prices_cache_lifecycle(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "pricing" / "llm.json"
    good = Fetcher(json.dumps(FIXTURE).encode())
    clock = [1_000_000.0]
    cache = LlmPricesCache(path, "https://example.invalid/x.json", good, lambda: clock[0])
    assert cache.refresh() and good.calls == 1 and path.exists()
    assert not cache.refresh() and good.calls == 1  # fresh copy: no fetch
    clock[0] += 2 * 86400
    failing = LlmPricesCache(
        path, "https://example.invalid/x.json", Fetcher(OSError("down")), lambda: clock[0]
    )
    assert not failing.refresh()
    assert "keeping the last good copy" in caplog.text and failing.table  # old copy still used
    off = Fetcher(b"{}")
    disabled = LlmPricesCache(path, "", off)
    assert not disabled.refresh() and off.calls == 0 and disabled.table
    path.write_text("{corrupt")
    assert LlmPricesCache(path, "").load() is None


def test_llm_prices_used_only_when_genai_prices_cannot(tmp_path: Path) -> None:
    path = tmp_path / "llm.json"
    cache = LlmPricesCache(path, "u", Fetcher(json.dumps(FIXTURE).encode()))
    cache.refresh()
    p = Pricer(None, cache)
    qwen = p.price("qwen3-coder-plus", TokenUsage(1_000_000, 1_000_000), PINNED)
    assert qwen is not None and (qwen.cost, qwen.source) == (Decimal(6), "llm-prices@2026-11-01")
    gpt = p.price("gpt-4o", TokenUsage(1_000_000, 0), PINNED)
    assert gpt is not None and gpt.source.startswith("genai-prices")
