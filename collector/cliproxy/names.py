"""CLIProxy model names: the provider family behind a name (how its token fields read).

The lookup names (`normalise`, `candidates`, `slug`) live in `collector.pricing.names` since the
pricing module serves every source; they are re-exported here for existing imports.
"""

from __future__ import annotations

from functools import lru_cache

from collector.pricing.names import candidates, normalise, slug

__all__ = ["candidates", "family", "normalise", "slug"]


@lru_cache(maxsize=4096)
def family(model: str, provider: str = "") -> str:
    """`anthropic`, `gemini` or `openai` (the default): decides how CLIProxy's token fields read.

    Claude reports fresh input without cache reads; OpenAI and Gemini include them. Gemini reports
    reasoning (thoughts) beside the output, OpenAI inside it.
    """
    hint = f"{provider} {model}".lower()
    if "claude" in hint or "anthropic" in hint:
        return "anthropic"
    if "gemini" in hint or "vertex" in hint or "aistudio" in hint:
        return "gemini"
    return "openai"
