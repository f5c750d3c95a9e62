"""Where each agent keeps its logs (its own defaults and overrides), and the walk that finds them.

Claude Code: `CLAUDE_CONFIG_DIR` (a comma list, as ccusage takes it) or both `~/.claude` and
`$XDG_CONFIG_HOME/claude`, then `projects/` recursively. Codex: `CODEX_HOME` or `~/.codex`, then
`sessions/` and `archived_sessions/`. Gemini CLI: `GEMINI_CLI_HOME` or `~`, then
`.gemini/tmp/<project>/chats/` recursively.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from collector.config import Settings

from .records import CLAUDE, CODEX, GEMINI

MAX_DEPTH = 8  # subagent workflows nest 3-4 levels below a project folder


@dataclass(frozen=True, slots=True)
class LogFile:
    source: str
    path: str
    kind: str  # "jsonl", "zst" (zstd-compressed JSONL) or "json" (Gemini's legacy whole file)
    project: str  # Gemini's project folder name; "" for the others (their lines name the cwd)
    inode: int
    size: int
    mtime_ns: int


def agent_roots(settings: Settings) -> dict[str, list[Path]]:
    """The folders scanned for each enabled agent (which need not exist yet)."""
    home = Path(settings.home or os.path.expanduser("~"))
    roots: dict[str, list[Path]] = {}
    if CLAUDE in settings.agent_logs:
        if settings.claude_config_dir:
            bases = [Path(p.strip()) for p in settings.claude_config_dir.split(",") if p.strip()]
        else:
            xdg = Path(settings.xdg_config_home) if settings.xdg_config_home else home / ".config"
            bases = [home / ".claude", xdg / "claude"]
        roots[CLAUDE] = [base / "projects" for base in bases]
    if CODEX in settings.agent_logs:
        base = Path(settings.codex_home) if settings.codex_home else home / ".codex"
        roots[CODEX] = [base / "sessions", base / "archived_sessions"]
    if GEMINI in settings.agent_logs:
        base = Path(settings.gemini_cli_home) if settings.gemini_cli_home else home
        roots[GEMINI] = [base / ".gemini" / "tmp"]
    return roots


def _walk(root: str, depth: int = 0) -> Iterator[os.DirEntry[str]]:
    """Files under `root`, recursively; symlinked folders are not followed (no loops)."""
    try:
        with os.scandir(root) as entries:
            listed = list(entries)
    except OSError:
        return
    for entry in listed:
        try:
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    yield from _walk(entry.path, depth + 1)
            elif entry.is_file():
                yield entry
        except OSError:
            continue


def _file(source: str, entry: os.DirEntry[str], kind: str, project: str = "") -> LogFile | None:
    try:
        st = entry.stat()
    except OSError:
        return None  # deleted between listing and stat
    return LogFile(source, entry.path, kind, project, st.st_ino, st.st_size, st.st_mtime_ns)


def discover(roots: dict[str, list[Path]]) -> Iterator[LogFile]:
    """Every log file of the enabled agents, with its inode, size and mtime."""
    for root in roots.get(CLAUDE, []):
        for entry in _walk(str(root)):
            if entry.name.endswith(".jsonl"):
                found = _file(CLAUDE, entry, "jsonl")
                if found:
                    yield found
    # Codex files in name order (rollout-<start time>-<id>): a fork's parent is read before it, so
    # the fork's replayed prefix can be matched against the parent's totals
    codex_files = [e for root in roots.get(CODEX, []) for e in _walk(str(root))]
    codex_files.sort(key=lambda e: e.name)
    for entry in codex_files:
        name = entry.name
        if name.endswith(".jsonl"):
            found = _file(CODEX, entry, "jsonl")
        # the plain file wins when both exist (compression writes the .zst, then deletes it)
        elif name.endswith(".jsonl.zst") and not os.path.exists(entry.path[:-4]):
            found = _file(CODEX, entry, "zst")
        else:
            continue
        if found:
            yield found
    for root in roots.get(GEMINI, []):
        try:
            projects = [p for p in os.scandir(root) if p.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for project in projects:
            for entry in _walk(os.path.join(project.path, "chats")):
                kind = "jsonl" if entry.name.endswith(".jsonl") else "json"
                if entry.name.endswith((".jsonl", ".json")):
                    found = _file(GEMINI, entry, kind, project.name[:100])
                    if found:
                        yield found
