"""Web chats: which API model prices a site's model id (host -> provider, app id -> price id).

What a chat app calls its model is not an API id: ChatGPT writes `gpt-5-1` and `gpt-5-t-mini`
(its web slugs), Perplexity writes `claude45sonnet`, Copilot only names a mode. Each site's ids
are mapped here to the genai-prices id of the API model behind it, so the cost is what the same
tokens would cost on the API. Whatever is not mapped stays unpriced (None), never $0; a null model
(the page did not say) is unpriced too: guessing a model would invent a price.

Sources of the app ids (read 2026-12-02): ChatGPT's web slugs as public userscripts and clients
record them (`auto`, `gpt-5`, `gpt-5-instant`, `gpt-5-thinking`, `gpt-5-t-mini`, `gpt-5-1`,
`gpt-5-1-thinking`, `gpt-4-1`, `gpt-4-5`, `o3`, `o4-mini`, `research`,
`text-davinci-002-render-sha`); Perplexity's `model_preference` values as listed in
github.com/anxkhn/ppxl_lite MODELS.md; Copilot's `mode` values (`chat`, `smart`, `reasoning`) from
open-source Copilot clients (g4f's Copilot provider maps `o1` to "Think Deeper", the
`reasoning` mode). Claude, Gemini, DeepSeek, Grok and Mistral name their API ids in the page.
"""

from __future__ import annotations

import re

# The provider (genai-prices id) behind each site; hostnames as the extension normalises them.
HOST_PROVIDERS = {
    "chatgpt.com": "openai",
    "chat.openai.com": "openai",
    "claude.ai": "anthropic",
    "gemini.google.com": "google",
    "aistudio.google.com": "google",
    "chat.deepseek.com": "deepseek",
    "grok.com": "x-ai",
    "chat.mistral.ai": "mistral",
    "www.perplexity.ai": "perplexity",
    "perplexity.ai": "perplexity",
    "copilot.microsoft.com": "copilot",
}

_OPENAI = {
    "auto": "openai/gpt-5",  # ChatGPT's router; GPT-5 is what it routes to since 2025-08
    "gpt-5-instant": "openai/gpt-5",
    "gpt-5-thinking": "openai/gpt-5",
    "gpt-5-t-mini": "openai/gpt-5-mini",
    "gpt-5-thinking-mini": "openai/gpt-5-mini",
    "gpt-4-5": "openai/gpt-4.5-preview",
    "text-davinci-002-render-sha": "openai/gpt-3.5-turbo",  # the old free default
    "research": None,  # deep research: many hidden calls, no honest per-token price
}
_PERPLEXITY: dict[str, str | None] = {
    "sonar": "perplexity/sonar",
    "turbo": "perplexity/sonar",
    "experimental": "perplexity/sonar",
    "pplx_pro": "perplexity/sonar-pro",
    "pplx_pro_upgraded": "perplexity/sonar-pro",
    "pplx_reasoning": "perplexity/sonar-reasoning-pro",
    "gpt4o": "openai/gpt-4o",
    "gpt41": "openai/gpt-4.1",
    "gpt5": "openai/gpt-5",
    "gpt5_thinking": "openai/gpt-5",
    "gpt51": "openai/gpt-5.1",
    "gpt51_thinking": "openai/gpt-5.1",
    "o3": "openai/o3",
    "o3pro": "openai/o3-pro",
    "o4mini": "openai/o4-mini",
    "claude2": "anthropic/claude-sonnet-4-0",  # Perplexity's id for Claude Sonnet 4.0
    "claude37sonnetthinking": "anthropic/claude-sonnet-4-0",
    "claude40opus": "anthropic/claude-opus-4-0",
    "claude41opus": "anthropic/claude-opus-4-1",
    "claude41opusthinking": "anthropic/claude-opus-4-1",
    "claude45sonnet": "anthropic/claude-sonnet-4-5",
    "claude45sonnetthinking": "anthropic/claude-sonnet-4-5",
    "claude45opus": "anthropic/claude-opus-4-5",
    "claude45opusthinking": "anthropic/claude-opus-4-5",
    "gemini25pro": "google/gemini-2.5-pro",
    "gemini30pro": "google/gemini-3-pro-preview",
    "grok4": "x-ai/grok-4",
    "grok4nonthinking": "x-ai/grok-4",
    "kimik2thinking": "moonshotai/kimi-k2-thinking",
}
_COPILOT: dict[str, str | None] = {
    "chat": "openai/gpt-4o",
    "smart": "openai/gpt-5",
    "reasoning": "openai/o1",  # "Think Deeper"
}
_OTHER: dict[str, str | None] = {
    "deepseek-v3": "deepseek/deepseek-chat",
    "deepseek-r1": "deepseek/deepseek-reasoner",
    "grok-4-auto": "x-ai/grok-4",
    "grok-4-heavy": "x-ai/grok-4",
    "gemini-3-pro": "google/gemini-3-pro-preview",
}
ALIASES: dict[str, dict[str, str | None]] = {
    "openai": _OPENAI,
    "perplexity": _PERPLEXITY,
    "copilot": _COPILOT,
    "anthropic": _OTHER,
    "google": _OTHER,
    "deepseek": _OTHER,
    "x-ai": _OTHER,
    "mistral": _OTHER,
}
# Providers whose page gives API-style ids, which are looked up as they are (within the provider).
PASS_THROUGH = {"openai", "anthropic", "google", "deepseek", "x-ai", "mistral"}

# ChatGPT's slugs write a version with a dash (`gpt-5-1`); the API with a dot (`gpt-5.1`).
_CHATGPT_VERSION = re.compile(r"^gpt-(\d+)-(\d)(?=-|$)")
_CHATGPT_MODE = re.compile(r"-(thinking|instant|auto)$")


def _openai_slug(model: str) -> str:
    name = _CHATGPT_MODE.sub("", model.lower())
    name = name.replace("-t-mini", "-mini")
    return _CHATGPT_VERSION.sub(r"gpt-\1.\2", name)


def price_ref(host: str, model: str | None) -> str | None:
    """The "provider/model" reference that prices `model` on `host`, or None (unpriced)."""
    provider = HOST_PROVIDERS.get(host)
    if provider is None or model is None:
        return None
    table = ALIASES.get(provider, {})
    key = model.lower()
    if key in table:
        return table[key]
    if provider not in PASS_THROUGH:
        return None
    if provider == "openai":
        key = _openai_slug(key)
    return f"{provider}/{key}"
