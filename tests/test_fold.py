"""The fold of snapshots into snapshots.csv, and the hand-run script around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector import fold as folding
from collector.fold import CSV_NAME, INTENT_NAME, fold, read_csv, read_history
from collector.snapshot_files import legacy_day
from tests.support.collector_proc import REPO_ROOT

SCRIPT = REPO_ROOT / "snapshots" / "rollup_snapshots.py"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def put(snap: Path, at: str, daily: dict[str, dict[str, int]] | None = None, **totals: int) -> str:
    name = f"snapshot_{ms(at)}.json"
    payload: dict[str, Any] = {"totals": {k.replace("_", "."): v for k, v in totals.items()}}
    if daily is not None:
        payload["daily_totals"] = daily
    (snap / name).write_text(json.dumps(payload))
    return name


def csv_rows(snap: Path) -> tuple[list[str], dict[str, dict[str, int]]]:
    return read_csv(snap / CSV_NAME)


@pytest.mark.parametrize(
    ("taken", "cutoff", "day"),
    [
        ("2026-11-25T07:59:00", 8, "2026-11-24"),
        ("2026-11-25T08:00:00", 8, "2026-11-25"),
        ("2026-11-25T00:00:00", 0, "2026-11-25"),
        ("2026-11-25T22:00:00", 23, "2026-11-24"),
        ("2026-01-01T03:00:00", 8, "2025-12-31"),
    ],
)
def test_legacy_day_cutoff(taken: str, cutoff: int, day: str) -> None:
    assert legacy_day(ms(taken), cutoff) == day


def test_fold_daily_totals_and_legacy_and_new_columns(tmp_path: Path) -> None:
    (tmp_path / CSV_NAME).write_text("date,chatgpt.com\n2026-11-20,10\n")
    put(tmp_path, "2026-11-23T00:00:05", {"2026-11-22": {"chatgpt.com": 5, "claude.ai": 2}})
    put(tmp_path, "2026-11-24T06:00:00", chatgpt_com=7)  # legacy, before the cutoff
    put(tmp_path, "2026-11-24T12:00:00", gemini_google_com=1)  # legacy, after it
    result = fold(tmp_path, cutoff_hour=8)
    assert len(result.folded) == 3
    hosts, rows = csv_rows(tmp_path)
    assert hosts == ["chatgpt.com", "claude.ai", "gemini.google.com"]  # old first, new sorted
    assert rows == {
        "2026-11-20": {"chatgpt.com": 10, "claude.ai": 0, "gemini.google.com": 0},
        "2026-11-22": {"chatgpt.com": 5, "claude.ai": 2, "gemini.google.com": 0},
        "2026-11-23": {"chatgpt.com": 7, "claude.ai": 0, "gemini.google.com": 0},
        "2026-11-24": {"chatgpt.com": 0, "claude.ai": 0, "gemini.google.com": 1},
    }
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == sorted(
        f"{n}.bak" for n in result.folded
    )
    text = (tmp_path / CSV_NAME).read_text().splitlines()
    assert text[0] == "date,chatgpt.com,claude.ai,gemini.google.com"
    assert text[1:] == sorted(text[1:])


def test_same_day_in_two_snapshots_adds_up(tmp_path: Path) -> None:
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {"a.com": 2}})
    put(tmp_path, "2026-11-25T18:00:00", {"2026-11-25": {"a.com": 3}})
    fold(tmp_path)
    assert csv_rows(tmp_path)[1] == {"2026-11-25": {"a.com": 5}}


def test_run_twice_counts_once(tmp_path: Path) -> None:
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {"a.com": 2}})
    assert len(fold(tmp_path).folded) == 1
    assert fold(tmp_path).folded == []
    assert csv_rows(tmp_path)[1] == {"2026-11-25": {"a.com": 2}}


def _crash_on_first_bak_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(".json.bak"):
            raise KeyboardInterrupt("killed between the CSV write and the renames")
        real_replace(src, dst)

    monkeypatch.setattr(folding.os, "replace", replace)


def test_killed_between_csv_write_and_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(tmp_path, "2026-11-24T12:00:00", {"2026-11-24": {"a.com": 2}})
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {"a.com": 3}})
    _crash_on_first_bak_rename(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        fold(tmp_path)
    monkeypatch.undo()
    # The CSV already holds both, the snapshots are still .json, and the intent says so.
    assert (tmp_path / INTENT_NAME).exists()
    assert len(list(tmp_path.glob("snapshot_*.json"))) == 2
    assert read_history(tmp_path) == {"2026-11-24": {"a.com": 2}, "2026-11-25": {"a.com": 3}}
    assert fold(tmp_path).folded == []
    assert csv_rows(tmp_path)[1] == {"2026-11-24": {"a.com": 2}, "2026-11-25": {"a.com": 3}}
    assert not (tmp_path / INTENT_NAME).exists()
    assert len(list(tmp_path.glob("*.json.bak"))) == 2


def test_killed_before_the_intent_throws_the_new_csv_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {"a.com": 3}})

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt("killed before the commit point")

    monkeypatch.setattr(folding, "atomic_write", crash)
    with pytest.raises(KeyboardInterrupt):
        fold(tmp_path)
    monkeypatch.undo()
    assert (tmp_path / f"{CSV_NAME}.tmp").exists() and not (tmp_path / CSV_NAME).exists()
    assert len(fold(tmp_path).folded) == 1
    assert csv_rows(tmp_path)[1] == {"2026-11-25": {"a.com": 3}}
    assert not (tmp_path / f"{CSV_NAME}.tmp").exists()


def test_damaged_snapshot_is_set_aside_not_folded(tmp_path: Path) -> None:
    (tmp_path / "snapshot_1795000000000.json").write_text("{broken")
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {"a.com": 3}})
    result = fold(tmp_path)
    assert result.skipped_corrupt == ["snapshot_1795000000000.json"]
    assert (tmp_path / "snapshot_1795000000000.json.corrupt").exists()
    assert csv_rows(tmp_path)[1] == {"2026-11-25": {"a.com": 3}}


def test_history_adds_unfolded_snapshots_to_csv(tmp_path: Path) -> None:
    (tmp_path / CSV_NAME).write_text("date,a.com\n2026-11-24,4\n")
    put(tmp_path, "2026-11-25T12:00:00", {"2026-11-24": {"a.com": 1}, "2026-11-25": {"b.com": 2}})
    assert read_history(tmp_path) == {"2026-11-24": {"a.com": 5}, "2026-11-25": {"b.com": 2}}


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_script_folds_with_cutoff_hour(tmp_path: Path) -> None:
    put(tmp_path, "2026-11-25T09:00:00", a_com=4)
    result = run_script("--dir", str(tmp_path), "--cutoff-hour", "10")
    assert result.returncode == 0, result.stderr
    assert "folded 1 snapshot(s)" in result.stdout and "2026-11-24" in result.stdout
    assert csv_rows(tmp_path)[1] == {"2026-11-24": {"a.com": 4}}
    again = run_script("--dir", str(tmp_path))
    assert again.returncode == 0 and "nothing to fold" in again.stdout


def test_script_reads_snap_dir_from_env_and_dry_run_changes_nothing(tmp_path: Path) -> None:
    put(tmp_path, "2026-11-25T09:00:00", a_com=4)
    result = run_script("--dry-run", env={"SNAP_DIR": str(tmp_path)})
    assert result.returncode == 0 and "a.com" in result.stdout
    assert not (tmp_path / CSV_NAME).exists()


@pytest.mark.parametrize(
    "args", [["--cutoff-hour", "24"], ["--cutoff-hour", "x"], ["--dir", "/nonexistent/dir"]]
)
def test_script_rejects_bad_arguments(args: list[str]) -> None:
    result = run_script(*args)
    assert result.returncode != 0
    assert result.stderr.strip()


def test_script_refuses_a_damaged_csv(tmp_path: Path) -> None:
    (tmp_path / CSV_NAME).write_text("date,a.com\n2026-11-24,lots\n")
    put(tmp_path, "2026-11-25T09:00:00", a_com=4)
    result = run_script("--dir", str(tmp_path))
    assert result.returncode == 1 and "line 2" in result.stderr
    assert (tmp_path / CSV_NAME).read_text() == "date,a.com\n2026-11-24,lots\n"
    assert list(tmp_path.glob("*.bak")) == []


def test_a_hand_placed_snapshot_with_a_formula_host_is_not_folded(tmp_path: Path) -> None:
    good = put(tmp_path, "2026-11-24T12:00:00", {"2026-11-24": {"chatgpt.com": 5}})
    bad = put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": {'=HYPERLINK("http://x","y")': 9}})
    result = fold(tmp_path)
    assert result.folded == [good] and result.skipped_corrupt == [bad]
    assert csv_rows(tmp_path) == (["chatgpt.com"], {"2026-11-24": {"chatgpt.com": 5}})
    assert (tmp_path / f"{bad}.corrupt").exists()
    assert "HYPERLINK" not in (tmp_path / CSV_NAME).read_text()


def test_the_csv_keeps_at_most_max_hosts_columns(tmp_path: Path) -> None:
    first = put(tmp_path, "2026-11-24T12:00:00", {"2026-11-24": {"a.com": 1, "b.com": 1}})
    many = {f"h{n}.example": 1 for n in range(10)}
    flood = put(tmp_path, "2026-11-25T12:00:00", {"2026-11-25": many})
    result = fold(tmp_path, max_hosts=5)
    assert result.folded == [first] and result.over_limit == [flood]
    assert csv_rows(tmp_path)[0] == ["a.com", "b.com"]
    assert (tmp_path / flood).exists()  # left waiting, for a larger MAX_HOSTS or a look by hand
