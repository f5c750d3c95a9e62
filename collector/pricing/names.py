"""Model names normalised for price lookups: the name as given, then without decorations.

Clients report names as they asked for them: `gpt-5(high)`, `gpt-5-codex-high`,
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
