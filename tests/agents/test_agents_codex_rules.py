"""Codex's per-file rules on single lines (shapes: shared/agent-logs.md §2, codex protocol.rs)."""

from __future__ import annotations

from typing import Any

from collector.agents import codex


def meta(ts: str, **payload: Any) -> dict[str, Any]:
    return {"timestamp": ts, "type": "session_meta", "payload": {"id": "child", **payload}}


def count(ts: str, total: list[int], last: list[int] | None = None) -> dict[str, Any]:
    names = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")
    info: dict[str, Any] = {"total_token_usage": dict(zip(names, total, strict=True))}
    if last is not None:
        info["last_token_usage"] = dict(zip(names, last, strict=True))
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info}}


def run(lines: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    state = codex.new_state("file-uuid")
    found = [codex.read(line, state) for line in lines]
    return [(r.input, r.cache_read, r.output) for r in found if r is not None]


def test_without_last_the_totals_difference_counts() -> None:
    lines = [
        count("2026-05-01T10:00:00Z", [100, 0, 10, 0]),
        count("2026-05-01T10:01:00Z", [250, 50, 30, 0]),
    ]
    assert run(lines) == [(100, 0, 10), (100, 50, 20)]


def test_subagent_without_a_replay_counts_its_first_turn() -> None:
    """Subagent v2 rollouts carry no replayed history (PokeTokenBar#132, 2026-07-30): the first
    token_count comes well after session_meta and is the child's own."""
    spawned = {"subagent": {"thread_spawn": {"parent_thread_id": "parent", "depth": 1}}}
    lines = [meta("2026-05-01T10:00:00.000Z", source=spawned),
             count("2026-05-01T10:00:20.000Z", [500, 100, 40, 0], [500, 100, 40, 0])]  # fmt: skip
    assert run(lines) == [(400, 100, 40)]


def test_fork_replay_is_a_baseline_and_the_own_turn_counts_its_last() -> None:
    lines = [meta("2026-05-01T10:00:00.000Z", forked_from_id="parent"),
             count("2026-05-01T10:00:00.003Z", [1000, 0, 100, 0], [1000, 0, 100, 0]),
             count("2026-05-01T10:00:00.900Z", [3000, 0, 300, 0], [2000, 0, 200, 0]),
             count("2026-05-01T10:00:45.000Z", [3400, 0, 330, 0], [400, 0, 30, 0])]  # fmt: skip
    assert run(lines) == [(400, 0, 30)]


def test_a_resumed_state_continues_across_reads() -> None:
    """The scanner stores the state with the offset: a later read must not count the old total."""
    state = codex.new_state("f")
    codex.read(count("2026-05-01T10:00:00Z", [100, 0, 10, 0], [100, 0, 10, 0]), state)
    resumed = dict(state)
    again = codex.read(count("2026-05-01T10:00:09Z", [100, 0, 10, 0], [100, 0, 10, 0]), resumed)
    assert again is None


def test_a_replayed_total_after_a_pause_is_matched_against_the_parent() -> None:
    """A replayed event 6 s after the burst (git-ai PR #2236, 2026-08-27, saw one at 6.975 s): its
    cumulative total is one the parent logged before the fork, so it is not the child's usage."""
    parent_totals = {"1000,0,100,0,0", "3000,0,300,0,0"}
    asked: list[tuple[str, str, int]] = []

    def parent_has(parent: str, totals: str, before_ms: int) -> bool:
        asked.append((parent, totals, before_ms))
        return parent == "parent" and totals in parent_totals

    state = codex.new_state("child")
    lines = [meta("2026-05-01T10:00:00.000Z", forked_from_id="parent"),
             count("2026-05-01T10:00:00.003Z", [1000, 0, 100, 0], [1000, 0, 100, 0]),
             count("2026-05-01T10:00:06.000Z", [3000, 0, 300, 0], [2000, 0, 200, 0]),
             count("2026-05-01T10:00:45.000Z", [3400, 0, 330, 0], [400, 0, 30, 0])]  # fmt: skip
    found = [codex.read(line, state, parent_has) for line in lines]
    assert [(r.input, r.output) for r in found if r is not None] == [(400, 30)]
    assert asked[0] == ("parent", "1000,0,100,0,0", 1777629600000)
