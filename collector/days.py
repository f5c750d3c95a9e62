"""Which local day a delta belongs to, by its timestamp in the bucket time zone."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_of(ts_ms: int, zone: str) -> str:
    """`YYYY-MM-DD` of the instant `ts_ms` in `zone`; DST is zoneinfo's business."""
    return datetime.fromtimestamp(ts_ms / 1000, _zone(zone)).date().isoformat()
