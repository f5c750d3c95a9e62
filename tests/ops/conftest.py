"""Shared by the operations tests; the real collector comes from `collector_process` (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
