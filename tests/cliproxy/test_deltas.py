"""The seed's smart-delta rules on undetailed snapshot counters, values computed by hand."""

from __future__ import annotations

from collector.cliproxy.deltas import Counts, merge_day, smart_delta

K_GPT = ("gpt-4o", "sk-l…nt-1")
K_GEM = ("gemini-2.5-pro", "sk-l…nt-1")


def test_first_run_imports_everything() -> None:
    cur = Counts(3, 2, 1, 900, {K_GPT: (3, 900)})
    d = smart_delta(None, cur)
    assert (d.requests, d.success, d.failure, d.tokens, d.keys) == (3, 2, 1, 900, {K_GPT: (3, 900)})


def test_plain_increment() -> None:
    prev = Counts(3, 2, 1, 900, {K_GPT: (3, 900)})
    cur = Counts(5, 4, 1, 1500, {K_GPT: (5, 1500)})
    d = smart_delta(prev, cur)
    assert (d.requests, d.success, d.failure, d.tokens, d.keys) == (2, 2, 0, 600, {K_GPT: (2, 600)})


def test_restart_counts_current_values() -> None:
    prev = Counts(10, 10, 0, 5000, {K_GPT: (10, 5000)})
    cur = Counts(2, 2, 0, 300, {K_GPT: (2, 300)})  # counters dropped: CLIProxy restarted
    d = smart_delta(prev, cur)
    assert (d.requests, d.tokens, d.keys) == (2, 300, {K_GPT: (2, 300)})


def test_false_start_skipped_and_taken_out_of_totals() -> None:
    prev = Counts(4, 4, 0, 1000, {K_GPT: (4, 1000)})
    # gemini appears with 200 requests / 5,000,000 tokens of history; gpt grows by 1 / 500
    cur = Counts(205, 200, 5, 5_001_500, {K_GPT: (5, 1500), K_GEM: (200, 5_000_000)})
    d = smart_delta(prev, cur)
    assert d.skipped == [K_GEM]
    assert d.keys == {K_GPT: (1, 500)}
    assert (d.requests, d.tokens) == (1, 500)
    # the kept key explains 1 of 201 new requests (< 99 %): success 196 and failure 5 shrink
    assert (d.success, d.failure) == (int(196 * 1 / 201), int(5 * 1 / 201)) == (0, 0)


def test_small_new_key_is_kept() -> None:
    prev = Counts(1, 1, 0, 100, {K_GPT: (1, 100)})
    cur = Counts(3, 3, 0, 50_100, {K_GPT: (1, 100), K_GEM: (2, 50_000)})
    assert smart_delta(prev, cur).keys == {K_GEM: (2, 50_000)}


def test_merge_day_self_heals_totals() -> None:
    day = merge_day(None, smart_delta(None, Counts(2, 2, 0, 700, {K_GPT: (2, 700)})))
    day["total_requests"] = 999  # a damaged total is re-derived from the breakdown
    day = merge_day(day, smart_delta(Counts(2, 2, 0, 700, {K_GPT: (2, 700)}),
                                     Counts(3, 2, 1, 800, {K_GPT: (3, 800)})))  # fmt: skip
    assert (day["total_requests"], day["total_tokens"]) == (3, 800)
    assert (day["success_count"], day["failure_count"]) == (2, 1)
    assert day["breakdown"]["endpoints"]["sk-l…nt-1"]["models"]["gpt-4o"] == {
        "requests": 3,
        "tokens": 800,
    }
