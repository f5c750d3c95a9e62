"""The `unparsed` alarm: replies the extension could not read today, per site, in words.

"ChatGPT: 2 replies could not be read today; the site may have changed." Shown in `/health`
warnings and on the dashboard. Today is the local day in BUCKET_TIMEZONE; its count is the live
bucket plus what resets earlier today moved into snapshot files (a reset at login must not hide
the alarm), read only from snapshots taken today.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

SITE_NAMES = {
    "chatgpt.com": "ChatGPT",
    "chat.openai.com": "ChatGPT",
    "claude.ai": "Claude",
    "gemini.google.com": "Gemini",
    "aistudio.google.com": "Google AI Studio",
    "chat.deepseek.com": "DeepSeek",
    "grok.com": "Grok",
    "chat.mistral.ai": "Mistral",
    "www.perplexity.ai": "Perplexity",
    "perplexity.ai": "Perplexity",
    "copilot.microsoft.com": "Copilot",
}


def site_name(host: str) -> str:
    return SITE_NAMES.get(host, host)


def message(host: str, n: int) -> str:
    replies = "1 reply" if n == 1 else f"{n} replies"
    return f"{site_name(host)}: {replies} could not be read today; the site may have changed"


def _reset_today(snap_dir: Path, day: str, zone: str) -> dict[str, int]:
    """`unparsed_daily[day]` of the snapshots taken since the local midnight that began `day`."""
    midnight = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone))
    since_ms = int(midnight.timestamp() * 1000)
    out: dict[str, int] = {}
    for path in snap_dir.glob("snapshot_*.json*"):
        stem = path.name.split(".", 1)[0].removeprefix("snapshot_")
        if not stem.isdigit() or int(stem) < since_ms or path.name.endswith(".corrupt"):
            continue
        try:
            hosts = json.loads(path.read_bytes()).get("unparsed_daily", {}).get(day, {})
            for host, n in hosts.items():
                out[host] = out.get(host, 0) + int(n)
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            log.warning("%s: unreadable for the unparsed alarm (%s)", path.name, exc)
    return out


def alarms(live: dict[str, int], snap_dir: Path, day: str, zone: str) -> list[dict[str, object]]:
    """[{host, site, count, message}] for every site with replies not read on `day`."""
    counts = dict(live)
    for host, n in _reset_today(snap_dir, day, zone).items():
        counts[host] = counts.get(host, 0) + n
    return [
        {"host": h, "site": site_name(h), "count": n, "message": message(h, n)}
        for h, n in sorted(counts.items())
        if n > 0
    ]
