"""CLIProxy model names: the provider family behind a name (how its token fields read).

The lookup names (`normalise`, `candidates`, `slug`) live in `collector.pricing.names`: the pricing
module serves every source.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["family", "provider_family"]


# CLIProxyAPI `sdk/cliproxy/usage/accounting.go` tokenAccountingSemanticsFor (v7.2.140): markers
# looked for in "<provider> <executor type>", in this order.
_COMPAT = ("openaicompatexecutor",)
_ANTHROPIC = ("claude", "anthropic")
_GEMINI = ("gemini", "aistudio", "antigravity", "vertex", "interaction")
_OPENAI = ("openai", "codex", "xai", "grok", "kimi", "qwen", "deepseek", "openrouter")


def provider_family(provider: str, executor: str = "") -> str | None:
    """The token rule CLIProxy applies for the provider (and executor) that served a request:
    `anthropic` (fresh input, cache apart), `gemini` (cache inside input, reasoning beside the
    output) or `openai` (cache inside input, reasoning inside the output); None when unknown."""
    prov, ex = provider.strip().lower(), executor.strip().lower()
    value = f"{prov} {ex}".strip()
    if value in ("", "unknown", "unknown unknown"):
        return None
    if ex in _COMPAT or prov == "openai-compatibility" or prov.startswith("openai-compatible-"):
        return "openai"
    for fam, markers in (("anthropic", _ANTHROPIC), ("gemini", _GEMINI), ("openai", _OPENAI)):
        if any(marker in value for marker in markers):
            return fam
    return None


@lru_cache(maxsize=4096)
def family(model: str, provider: str = "", executor: str = "") -> str:
    """`anthropic`, `gemini` or `openai`: how a record's token fields read.

    CLIProxy decides by the serving provider and executor, never by the model name (a Claude
    model served by Antigravity is counted by Gemini's rule). The name is the last resort, for
    legacy details, which carry no provider, and for providers CLIProxy itself leaves unknown.
    """
    by_provider = provider_family(provider, executor)
    if by_provider is not None:
        return by_provider
    name = model.lower()
    if "claude" in name or "anthropic" in name:
        return "anthropic"
    if "gemini" in name or "vertex" in name or "aistudio" in name:
        return "gemini"
    return "openai"
