"""SUBSCRIPTIONS: what the user pays per site and month (USD)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.config import ConfigError, assubscriptions, load_settings


def test_pairs_are_read_and_hosts_normalised() -> None:
    assert assubscriptions(" ChatGPT.com:20, claude.ai:18.50 ,") == (
        ("chatgpt.com", Decimal(20)),
        ("claude.ai", Decimal("18.50")),
    )
    assert assubscriptions("") == ()


@pytest.mark.parametrize(
    "value", ["chatgpt.com", "chatgpt.com:", "x:abc", "x:-1", "a b:2", "x:NaN"]
)
def test_bad_values_name_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^SUBSCRIPTIONS: "):
        load_settings({"API_KEY": "k", "SUBSCRIPTIONS": value})
