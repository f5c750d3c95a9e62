"""Codex rollouts: per-request usage out of cumulative `token_count` events (shared/agent-logs.md §2).

Stateful per file: the model of the latest `turn_context`, the previous cumulative total, and
whether the file is still in the replayed parent prefix of a fork. The state is a small dict that
the scanner commits with the file's offset, so an incremental read resumes exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .records import CODEX, BadLine, Request, count, model_name, project_name, text, ts_ms

MARKERS = (b"token_count", b"turn_context", b"session_meta")
FALLBACK_MODEL = (
    "gpt-5"  # early September 2025 builds wrote no turn_context (ccusage does the same)
)
# A fork replays its parent's token_count history re-stamped to the fork instant, within
# milliseconds: skip the leading run whose events stay within this gap of each other
# (ccusage PR #1501 follows the run, not the second), or whose cumulative total is one the parent
# reached (ccusage's parent-prefix match; catches a replayed event after a longer pause).
REPLAY_GAP_MS = 1000
# (parent session, totals key, fork ms) -> the parent logged that total before the fork
ParentHas = Callable[[str, str, int], bool]
FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


def new_state(session: str) -> dict[str, Any]:
    return {"session": session, "model": None, "total": None, "fork": False, "replay_ms": None,
            "project": "", "version": "", "meta": False, "parent": "", "fork_ms": 0}  # fmt: skip


def _usage(raw: Any, name: str) -> list[int] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadLine(f"{name} is not an object")
    return [count(raw.get(f), f) for f in (*FIELDS, "cache_write_input_tokens")]


def totals_key(total: list[int]) -> str:
    return ",".join(map(str, total))


def read(obj: Any, state: dict[str, Any], parent_has: ParentHas | None = None) -> Request | None:
    """Update `state` from one rollout line; the request it completes, if any. `parent_has` tells
    whether the parent session logged a cumulative total (None: the run rule alone)."""
    if not isinstance(obj, dict):
        raise BadLine("line is not an object")
    payload, kind = obj.get("payload"), obj.get("type")
    if not isinstance(payload, dict):
        return None
    if kind == "session_meta":
        # a subagent file also carries its parent's session_meta: only the first one is the file's
        if not state["meta"]:
            state["meta"] = True
            state["session"] = text(payload.get("id"), 80) or state["session"]
            state["version"] = text(payload.get("cli_version"), 40)
            source = payload.get("source")
            subagent = source.get("subagent") if isinstance(source, dict) else None
            spawn = subagent.get("thread_spawn") if isinstance(subagent, dict) else None
            state["fork"] = bool(payload.get("forked_from_id")) or isinstance(subagent, dict)
            state["parent"] = text(payload.get("forked_from_id"), 80) or (
                text(spawn.get("parent_thread_id"), 80) if isinstance(spawn, dict) else ""
            )
            if state["fork"]:
                state["replay_ms"] = state["fork_ms"] = ts_ms(obj.get("timestamp"))
        return None
    if kind == "turn_context":
        if isinstance(payload.get("model"), str):
            state["model"] = model_name(payload["model"])
        state["project"] = project_name(payload.get("cwd")) or state["project"]
        return None
    if kind != "event_msg" or payload.get("type") != "token_count":
        return None
    info = payload.get("info")
    if info is None:
        return None  # a rate-limit-only refresh
    if not isinstance(info, dict):
        raise BadLine("token_count info is not an object")
    total = _usage(info.get("total_token_usage"), "total_token_usage")
    last = _usage(info.get("last_token_usage"), "last_token_usage")
    moment = ts_ms(obj.get("timestamp"))
    previous = state["total"]
    if total is not None:
        state["total"] = total
    if state["replay_ms"] is not None:
        copied = (
            parent_has is not None
            and total is not None
            and bool(state.get("parent"))
            and parent_has(state["parent"], totals_key(total), state.get("fork_ms", 0))
        )
        if copied or moment - state["replay_ms"] <= REPLAY_GAP_MS:
            state["replay_ms"] = moment  # still the parent's history: a baseline, not usage
            return None
        state["replay_ms"] = None
    if total is None or total == previous:
        return None  # re-emitted unchanged total (UI refresh): counting it again over-counts
    if last is not None:
        usage = last
    elif previous is not None and all(t >= p for t, p in zip(total, previous, strict=True)):
        usage = [t - p for t, p in zip(total, previous, strict=True)]
    else:
        usage = total  # first event of the file, or the total dropped (compaction)
    if not any(usage[:4]):
        return None  # fill_to_context_window writes only total_tokens
    fresh, cached, output, reasoning, cache_write = usage
    # cached (and cache_write, when newer builds send it) are parts of input_tokens
    cached = min(cached, fresh)
    cache_write = min(cache_write, fresh - cached)
    return Request(
        source=CODEX,
        key=f"x:{state['session']}:{obj.get('timestamp')}:{totals_key(total)}",
        ts_ms=moment,
        model=state["model"] or FALLBACK_MODEL,
        input=fresh - cached - cache_write,
        output=output,
        cache_read=cached,
        cache_write_5m=cache_write,
        reasoning=min(reasoning, output),
        project=state["project"],
        session=state["session"],
        version=state["version"],
    )
