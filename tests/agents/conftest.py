"""Agent-log trees built from the fixtures (see fixtures/README.md for each one's source and date)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from flask import Flask

FIXTURES = Path(__file__).parent / "fixtures"


def build_tree(base: Path) -> dict[str, str]:
    """Lay the fixtures out where each agent writes (under `base`); returns the root settings."""
    home = base / "home"
    shutil.copytree(FIXTURES / "claude", home / ".claude")
    codex = base / "codex"
    shutil.copytree(FIXTURES / "codex" / "sessions", codex / "sessions")
    shutil.copytree(FIXTURES / "codex" / "archived_sessions", codex / "archived_sessions")
    # Codex >= 0.137 compresses week-old rollouts in place with zstd level 3 (compression.rs)
    old = codex / "sessions" / "2026" / "04" / "20"
    old.mkdir(parents=True)
    for plain in (FIXTURES / "codex" / "to_compress").iterdir():
        data = zstandard.ZstdCompressor(level=3).compress(plain.read_bytes())
        (old / (plain.name + ".zst")).write_bytes(data)
    gemini = base / "gemini"
    shutil.copytree(FIXTURES / "gemini", gemini)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(base / "xdg"),
        "CODEX_HOME": str(codex),
        "GEMINI_CLI_HOME": str(gemini),
    }


@pytest.fixture
def agent_tree(tmp_path: Path) -> dict[str, str]:
    return build_tree(tmp_path / "logs")


@pytest.fixture
def agents_app(make_app: Callable[..., Flask], agent_tree: dict[str, str]) -> Flask:
    return make_app(AGENT_LOGS="claude-code,codex,gemini-cli", **agent_tree)
