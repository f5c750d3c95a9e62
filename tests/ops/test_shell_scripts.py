"""Every shell script of the operations side passes shellcheck and is executable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPTS = [
    REPO / "reset_collector.sh",
    *sorted((REPO / "deploy").glob("*.sh")),
    *sorted((REPO / "llm_collector_container").glob("*.sh")),
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck(script: Path) -> None:
    shellcheck = Path(sys.executable).parent / "shellcheck"
    result = subprocess.run(
        [str(shellcheck), "-x", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout
    if script.name != "common.sh":  # sourced by up.sh and update.sh, not run
        assert os.access(script, os.X_OK)
