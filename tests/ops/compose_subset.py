"""A reader for the YAML subset that llm_collector_container/docker-compose.yml keeps to.

We add no YAML library for one file. Instead the compose file stays within a subset that this
reader accepts in full: block mappings (`key: value`, `key:` opening a nested block), block lists
of scalars (`- value`), plain or double-quoted one-line scalars, whole-line comments, two-space
indents. Anything else (anchors, flow `{}`/`[]`, block scalars `|`/`>`, tabs, single quotes,
trailing comments) raises `SubsetError`, so the file cannot drift out of what the tests check.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+):(?: (?P<value>.+))?$")


class SubsetError(ValueError):
    """The text leaves the supported subset; the message names the line."""


def _scalar(raw: str, lineno: int) -> str:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"') or '"' in raw[1:-1] or "\\" in raw:
            raise SubsetError(f"line {lineno}: unsupported double-quoted scalar {raw!r}")
        return raw[1:-1]
    if raw[0] in "'&*!|>{[@`%" or " #" in raw or raw.endswith(":"):
        raise SubsetError(f"line {lineno}: unsupported scalar {raw!r}")
    return raw


def parse(text: str) -> dict[str, Any]:
    """The document as nested dicts, lists and strings."""
    root: dict[str, Any] = {}
    # open blocks as (indent, container); `pending` is a `key:` waiting for its block
    stack: list[tuple[int, Any]] = [(0, root)]
    pending: tuple[dict[str, Any], str, int] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "\t" in line:
            raise SubsetError(f"line {lineno}: tab")
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % 2:
            raise SubsetError(f"line {lineno}: indent is not a multiple of two")
        if pending is not None:
            parent, key, parent_indent = pending
            pending = None
            if indent <= parent_indent:
                raise SubsetError(f"line {lineno}: {key!r} has no value")
            block: Any = [] if stripped.startswith("- ") else {}
            parent[key] = block
            stack.append((indent, block))
        while stack and indent < stack[-1][0]:
            stack.pop()
        if indent != stack[-1][0]:
            raise SubsetError(f"line {lineno}: unexpected indent")
        container = stack[-1][1]
        if stripped.startswith("- "):
            if not isinstance(container, list):
                raise SubsetError(f"line {lineno}: list item inside a mapping")
            container.append(_scalar(stripped[2:].strip(), lineno))
            continue
        match = _KEY.match(stripped)
        if not match or not isinstance(container, dict):
            raise SubsetError(f"line {lineno}: not `key: value` in a mapping: {stripped!r}")
        key, value = match.group("key"), match.group("value")
        if key in container:
            raise SubsetError(f"line {lineno}: duplicate key {key!r}")
        if value is None:
            pending = (container, key, indent)
        else:
            container[key] = _scalar(value.strip(), lineno)
    if pending is not None:
        raise SubsetError(f"{pending[1]!r} has no value")
    return root
