"""One request of a coding agent, as the readers hand it to the store (counts only, never text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import PurePath
from typing import Any

CLAUDE, CODEX, GEMINI = "claude-code", "codex", "gemini-cli"
# Model names become metric labels and CSV cells: anything outside this shape is stored as "unknown".
_MODEL = re.compile(r"[A-Za-z0-9._:/@-]{1,100}")
_PROJECT = re.compile(r"[^\x00-\x1f/\\]{1,100}")


@dataclass(slots=True)
class Request:
    """Token counts of one request. `input` excludes cache reads and writes; `output` includes
    reasoning (`reasoning` is kept apart as well, for display only)."""

    source: str
    key: str  # dedup key, unique across all sources
    ts_ms: int
    model: str
    input: int
    output: int
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0
    project: str = ""
    session: str = ""
    version: str = ""
    msg_id: str | None = None  # Claude: message.id, for the sidechain-replay rule
    sidechain: bool = False

    @property
    def total(self) -> int:
        return (
            self.input + self.output + self.cache_read + self.cache_write_5m + self.cache_write_1h
        )


class BadLine(ValueError):
    """A line that parses as JSON but not as what the agent writes: skipped and counted."""


def count(value: Any, name: str) -> int:
    """A token count: a non-negative int (a missing field is 0)."""
    if value is None:
        return 0
    if type(value) is not int or value < 0:
        raise BadLine(f"{name} is not a token count: {value!r}")
    return value


def ts_ms(value: Any) -> int:
    """Epoch ms of an ISO-8601 timestamp with zone (the agents write UTC `...Z`)."""
    if not isinstance(value, str):
        raise BadLine("timestamp missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadLine(f"bad timestamp {value!r}") from exc
    if moment.tzinfo is None:
        raise BadLine(f"timestamp without zone {value!r}")
    return int(moment.timestamp() * 1000)


@lru_cache(maxsize=1024)
def _model(value: str) -> str:
    return value if _MODEL.fullmatch(value) else "unknown"


def model_name(value: Any) -> str:
    return _model(value) if isinstance(value, str) else "unknown"


def project_name(cwd: Any) -> str:
    """Only the last folder name of a working directory is kept, never the path."""
    return _project(cwd) if isinstance(cwd, str) and cwd else ""


@lru_cache(maxsize=1024)
def _project(cwd: str) -> str:
    name = PurePath(cwd.replace("\\", "/")).name
    return name if _PROJECT.fullmatch(name) else ""


def text(value: Any, limit: int = 100) -> str:
    return value[:limit] if isinstance(value, str) else ""
