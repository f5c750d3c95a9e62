"""The checkpoint: `state.json`, written whole and atomically, in two generations.

The previous checkpoint stays as `state.json.prev` and the journal records written since it stay in
`state.json.journal.prev` (see journal.py), until the next checkpoint succeeds. So a damaged
`state.json` is moved aside and rebuilt from the previous generation: nothing acknowledged is lost.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import orjson

from .errors import CorruptStateError
from .fsio import atomic_write, previous_generation
from .state import UsageState, from_json

log = logging.getLogger(__name__)


def write_checkpoint(path: Path, state: UsageState) -> None:
    """The current checkpoint becomes the previous one; the new one takes its place.

    With no current checkpoint (first start, or it was damaged and moved aside) the new one is
    written as both: the previous generation must be a checkpoint the kept journal starts from.
    """
    # orjson: the whole state is serialised under the store's lock; a tenth of the stdlib's time.
    data = orjson.dumps(state.to_json())
    previous = previous_generation(path)
    if path.exists():
        os.replace(path, previous)  # a crash right after: recovery starts from `previous`
    else:
        atomic_write(previous, data, mode=0o600)
    atomic_write(path, data, mode=0o600)


def quarantine(path: Path, reason: str) -> Path:
    """Move a damaged file aside (never overwrite it) and say so loudly."""
    aside = path.with_name(f"{path.name}.corrupt-{int(time.time() * 1000)}")
    path.rename(aside)
    log.critical("%s is unreadable (%s); moved it to %s", path, reason, aside)
    return aside


def read_checkpoint(path: Path) -> tuple[UsageState | None, Path | None]:
    """The saved state (None if there is none or it was damaged), and where a damaged file went.

    :raise UnknownFormatError: a newer format; the file is left as it is.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    try:
        return from_json(orjson.loads(raw)), None
    except (ValueError, CorruptStateError) as exc:
        return None, quarantine(path, str(exc))
