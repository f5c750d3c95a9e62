"""CLIProxy model names, normalised for price lookups, and the provider family behind a name.

CLIProxy reports names as the client asked for them: `gpt-5(high)`, `gpt-5-codex-high`,
`claude-sonnet-4-5-thinking`, `openai/gpt-4o`, `models/gemini-2.5-pro`. Price tables know the plain
model, so lookups try the name as given, then with those decorations removed.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PAREN_SUFFIX = re.compile(r"\([^()]*\)\s*$")
_SCHEME_PREFIX = re.compile(r"^[a-z0-9_.-]+://")
_EFFORT_SUFFIX = re.compile(r"-(minimal|low|medium|high|xhigh)$")
_THINKING_SUFFIX = re.compile(r"-thinking$")
_DATE_SUFFIX = re.compile(r"-(20\d{6})$")


def normalise(model: str) -> str:
    """Lower-case, strip a `(…)` suffix, a `provider://` or `provider/` prefix and an effort word."""
    name = model.strip().lower()
    name = _PAREN_SUFFIX.sub("", name).strip()
    name = _SCHEME_PREFIX.sub("", name)
    if "/" in name:
        name = name.rsplit("/", 1)[1]
    return _EFFORT_SUFFIX.sub("", name)


@lru_cache(maxsize=4096)
def candidates(model: str) -> tuple[str, ...]:
    """Names to try in order: as given, normalised, then without a trailing `-thinking`."""
    raw = model.strip().lower()
    plain = normalise(model)
    out = [raw, plain, _THINKING_SUFFIX.sub("", plain)]
    # `-thinking-high` style: effort word after the thinking suffix, or the other way round
    out.append(_EFFORT_SUFFIX.sub("", _THINKING_SUFFIX.sub("", out[-1])))
    return tuple(dict.fromkeys(name for name in out if name))


def slug(model: str) -> str:
    """The llm-prices.com form: lower-case, dots for version separators, no `-YYYYMMDD` date.

    llm-prices ids look like `claude-sonnet-4.5`; CLIProxy says `claude-sonnet-4-5-20250929`.
    Both sides are reduced to dashes so they meet: `claude-sonnet-4-5`.
    """
    name = _DATE_SUFFIX.sub("", model.strip().lower())
    return name.replace(".", "-")


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
