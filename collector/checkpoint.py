"""The checkpoint: `state.json`, written whole and atomically, read back or moved aside if damaged."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from .errors import CorruptStateError
from .fsio import atomic_write
from .state import UsageState, from_json

log = logging.getLogger(__name__)


def write_checkpoint(path: Path, state: UsageState) -> None:
    data = json.dumps(state.to_json(), separators=(",", ":")).encode()
    atomic_write(path, data, mode=0o600)


def quarantine(path: Path, reason: str) -> Path:
    """Move a damaged file aside (never overwrite it) and say so loudly."""
    aside = path.with_name(f"{path.name}.corrupt-{int(time.time() * 1000)}")
    path.rename(aside)
    log.critical(
        "%s is unreadable (%s); moved it to %s and started without it", path, reason, aside
    )
    return aside


def read_checkpoint(path: Path) -> tuple[UsageState, Path | None]:
    """The saved state (empty if there is none), and where a damaged file was moved, if it was."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return UsageState(), None
    try:
        return from_json(json.loads(raw)), None
    except (ValueError, CorruptStateError) as exc:
        return UsageState(), quarantine(path, str(exc))
