"""Fixtures for the operations tests: a real collector with a known snapshot folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[object]:
    """A started collector whose snapshots land in `tmp_path / "data" / "snapshots"`."""
    from tests.support.collector_proc import CollectorProcess

    data = tmp_path / "data"
    proc = CollectorProcess(data, env={"SNAP_DIR": str(data / "snapshots")}).start()
    try:
        yield proc
    finally:
        proc.stop()
