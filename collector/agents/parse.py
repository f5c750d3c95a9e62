"""Lines of one log chunk -> the requests they hold, each agent's reader picked by source.

Only lines holding one of the agent's markers are parsed (prompt and tool-output lines can be
megabytes). Copies of one request inside the chunk (streamed partials, re-appended messages) are
merged by the same rule the store applies, which saves most of the database work.
"""

from __future__ import annotations

import json
from typing import Any

from . import claude, codex, gemini
from .records import CLAUDE, CODEX, GEMINI, BadLine, Request

MARKERS = {CLAUDE: (claude.MARKER,), CODEX: codex.MARKERS, GEMINI: gemini.MARKERS}


def parse_chunk(
    source: str,
    lines: list[bytes],
    state: dict[str, Any],
    parent_has: codex.ParentHas | None = None,
) -> tuple[list[Request], int]:
    """(requests, unreadable lines). `state` is the file's reader state, updated in place;
    `parent_has` is Codex's lookup of a fork parent's totals."""
    markers = MARKERS[source]
    bad = 0
    batch: dict[str, Request] = {}
    for line in lines:
        if not any(m in line for m in markers):
            continue
        request: Request | None
        try:
            obj = json.loads(line)
            if source == CLAUDE:
                request = claude.read(obj)
            elif source == CODEX:
                request = codex.read(obj, state, parent_has)
            else:
                request = gemini.read(obj, state)
        except (ValueError, RecursionError, BadLine):
            bad += 1
            continue
        if request is None:
            continue
        earlier = batch.get(request.key)
        if earlier is None or (source == CLAUDE and request.total > earlier.total):
            batch[request.key] = request
        elif source == GEMINI:
            batch[request.key] = request  # the last copy wins
    return list(batch.values()), bad
