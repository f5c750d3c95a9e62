"""Hostname normalisation: `ChatGPT.com:443.` and `chatgpt.com` are one counter."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_HOSTNAME_LENGTH = 253
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_PORT = re.compile(r":\d{1,5}$")


# Clients send the same few hosts in every batch; bounded, so odd keys cannot grow it.
@lru_cache(maxsize=1024)
def normalise_hostname(raw: str) -> str | None:
    """Lower-case, drop a port and a trailing dot; None when what is left is not a hostname.

    IP addresses pass (they are label-shaped); an IPv6 literal does not, which is fine for the sites
    the extension counts.
    """
    host = raw.strip().lower()
    host = _PORT.sub("", host).rstrip(".")
    if not host or len(host) > MAX_HOSTNAME_LENGTH:
        return None
    return host if _HOSTNAME.fullmatch(host) else None
