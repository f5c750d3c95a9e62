"""Claude Code transcripts: usage on `type:"assistant"` lines (formats: shared/agent-logs.md §1).

Stateless per line; dedup (message.id + requestId, larger total wins, sidechain replay loses) is
the store's job, since copies of one message live in different files.
"""

from __future__ import annotations

from typing import Any

from .records import CLAUDE, BadLine, Request, count, model_name, project_name, text, ts_ms

MARKER = b'"assistant"'  # lines without it are never parsed (user turns carry tool output)


def read(obj: Any) -> Request | None:
    """The request of one transcript line, or None when the line carries no usage to count."""
    if not isinstance(obj, dict) or obj.get("type") != "assistant":
        return None
    message = obj.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
        return None
    msg_id, model = message.get("id"), message.get("model")
    # ccusage skips lines whose id, model or requestId is null; so do we (a missing requestId is fine)
    if not isinstance(msg_id, str) or not isinstance(model, str) or model == "<synthetic>":
        return None
    if "requestId" in obj and not isinstance(obj["requestId"], str):
        return None
    usage = message["usage"]
    cache_5m = count(usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
    cache_1h = 0
    nested = usage.get("cache_creation")
    if isinstance(
        nested, dict
    ):  # the breakdown replaces the flat field (flat was 0 before 2.1.152)
        cache_5m = count(nested.get("ephemeral_5m_input_tokens"), "ephemeral_5m_input_tokens")
        cache_1h = count(nested.get("ephemeral_1h_input_tokens"), "ephemeral_1h_input_tokens")
    name = model_name(model)
    if usage.get("speed") == "fast" and name != "unknown":
        name = f"{name}-fast"  # fast mode is priced differently: kept apart, as ccusage does
    request = Request(
        source=CLAUDE,
        key=f"c:{msg_id}:{obj.get('requestId') or ''}",
        ts_ms=ts_ms(obj.get("timestamp")),
        model=name,
        input=count(usage.get("input_tokens"), "input_tokens"),
        output=count(usage.get("output_tokens"), "output_tokens"),
        cache_read=count(usage.get("cache_read_input_tokens"), "cache_read_input_tokens"),
        cache_write_5m=cache_5m,
        cache_write_1h=cache_1h,
        project=project_name(obj.get("cwd")),
        session=text(obj.get("sessionId")),
        version=text(obj.get("version"), 40),
        msg_id=msg_id,
        sidechain=obj.get("isSidechain") is True,
    )
    if request.total == 0:
        return None
    if len(msg_id) > 200:
        raise BadLine("message.id longer than 200 characters")
    return request
