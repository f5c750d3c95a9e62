"""Gemini CLI chats: JSONL sessions (and the legacy whole-file `.json`), shared/agent-logs.md §3.

A message is re-appended whole on every change, so the store keeps the last copy of each
(sessionId, message id); `$rewindTo` is ignored on purpose: rewound tokens were spent.
"""

from __future__ import annotations

from typing import Any

from .records import GEMINI, BadLine, Request, count, model_name, text, ts_ms

MARKERS = (b'"tokens"', b'"sessionId"')


def new_state(session: str, project: str) -> dict[str, Any]:
    return {"session": session, "project": project}


def read(obj: Any, state: dict[str, Any]) -> Request | None:
    """One JSONL line: the metadata line names the session; a `gemini` message with tokens counts."""
    if not isinstance(obj, dict):
        raise BadLine("line is not an object")
    if "type" not in obj and isinstance(obj.get("sessionId"), str):
        state["session"] = text(obj["sessionId"], 80)
        return None
    return message(obj, state)


def message(obj: Any, state: dict[str, Any]) -> Request | None:
    if not isinstance(obj, dict) or obj.get("type") != "gemini":
        return None
    tokens = obj.get("tokens")
    if tokens is None:
        return None  # tokens are attached by a later copy of the message
    if not isinstance(tokens, dict):
        raise BadLine("tokens is not an object")
    msg_id = obj.get("id")
    if not isinstance(msg_id, str) or not msg_id:
        raise BadLine("message without id")
    prompt = count(tokens.get("input"), "input")  # promptTokenCount: includes the cached part
    cached = min(count(tokens.get("cached"), "cached"), prompt)
    thoughts = count(tokens.get("thoughts"), "thoughts")
    output = count(tokens.get("output"), "output")
    request = Request(
        source=GEMINI,
        key=f"g:{state['session']}:{msg_id[:200]}",
        ts_ms=ts_ms(obj.get("timestamp")),
        model=model_name(obj.get("model")),
        # tool-use prompt tokens are billed as input; thoughts are billed as output
        input=prompt - cached + count(tokens.get("tool"), "tool"),
        output=output + thoughts,
        cache_read=cached,
        reasoning=thoughts,
        project=state["project"],
        session=state["session"],
    )
    return request if request.total else None


def read_legacy(document: Any, state: dict[str, Any]) -> tuple[list[Request], int]:
    """A pre-2026-04 `ConversationRecord` file: `{sessionId, messages: [...]}`; returns the
    requests and how many messages could not be read (each skipped alone).

    :raise BadLine: the document is not a ConversationRecord.
    """
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        raise BadLine("not a ConversationRecord (no messages list)")
    if isinstance(document.get("sessionId"), str):
        state["session"] = text(document["sessionId"], 80)
    found, bad = [], 0
    for item in document["messages"]:
        try:
            request = message(item, state)
        except BadLine:
            bad += 1
            continue
        if request is not None:
            found.append(request)
    return found, bad
