"""Journal, checkpoint and recovery on real files, damaged on purpose (persist-queue style)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from collector.checkpoint import read_checkpoint, write_checkpoint
from collector.errors import UnknownFormatError
from collector.fsio import atomic_write
from collector.journal import HEADER, Journal, read_journal
from collector.recovery import recover
from collector.state import UsageState, from_json


def add_record(lsn: int, client: str, seq: int, tokens: int, day: str = "2026-11-25") -> dict:
    return {
        "lsn": lsn,
        "op": "add",
        "client": client,
        "seq": seq,
        "deltas": {"chatgpt.com": tokens},
        "day": day,
        "at": 1,
    }


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path, Path]:
    snap = tmp_path / "snapshots"
    snap.mkdir()
    return tmp_path / "state.json", tmp_path / "state.json.journal", snap


def line(record: dict) -> bytes:
    """A record as the journal stores it: one compact JSON object a line, `lsn` first."""
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def write_journal(path: Path, records: list[dict]) -> None:
    journal = Journal(path)
    journal.append([line(r) for r in records])
    journal.close()


def test_journal_roundtrip_has_header(paths: tuple[Path, Path, Path]) -> None:
    _, journal_path, _ = paths
    write_journal(journal_path, [add_record(1, "a", 1, 5), add_record(2, "a", 2, 7)])
    assert journal_path.read_bytes().startswith(HEADER)
    assert [r["lsn"] for r in read_journal(journal_path).records] == [1, 2]
    assert oct(journal_path.stat().st_mode)[-3:] == "600"


def test_torn_last_line_is_dropped_and_cut(paths: tuple[Path, Path, Path]) -> None:
    state_path, journal_path, snap = paths
    write_journal(journal_path, [add_record(1, "a", 1, 5)])
    with open(journal_path, "ab") as handle:
        handle.write(b'{"lsn":2,"op":"add","client":"a","se')  # a crash mid-write
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 5}
    assert recovered.torn_tail_bytes > 0
    # Reopening cuts the tail, so the next record starts on a line of its own.
    journal = Journal(journal_path, recovered.torn_tail_bytes)
    journal.append([line(add_record(2, "a", 2, 1))])
    journal.close()
    assert recover(state_path, journal_path, snap).state.counters == {"chatgpt.com": 6}


def test_garbage_line_in_the_middle_is_skipped_loudly(
    paths: tuple[Path, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    state_path, journal_path, snap = paths
    write_journal(journal_path, [add_record(1, "a", 1, 5)])
    with open(journal_path, "ab") as handle:
        handle.write(b"\x00\x00garbage\x00\n")
    write_journal(journal_path, [add_record(2, "a", 2, 7)])
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 12}
    assert recovered.bad_lines == 1
    assert "not a record" in caplog.text


def test_records_out_of_lsn_order_replay_in_lsn_order(paths: tuple[Path, Path, Path]) -> None:
    state_path, journal_path, snap = paths
    # Concurrent appends can land out of order; a reset between them must still split them right.
    reset = {"lsn": 2, "op": "reset", "snapshot": "snapshot_5.json", "at": 5}
    reset.update(totals={"chatgpt.com": 5}, daily_totals={}, bucket_timezone="UTC")
    write_journal(journal_path, [add_record(3, "b", 1, 7), reset, add_record(1, "a", 1, 5)])
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 7}
    assert recovered.state.lsn == 3 and recovered.snapshots_rewritten == ["snapshot_5.json"]


def test_a_fragment_of_a_failed_write_keeps_the_record_after_it(
    paths: tuple[Path, Path, Path],
) -> None:
    state_path, journal_path, snap = paths
    write_journal(journal_path, [add_record(1, "a", 1, 5)])
    with open(journal_path, "ab") as handle:  # half a line, then another thread's whole line
        handle.write(json.dumps(add_record(2, "b", 1, 100)).encode()[:30])
    write_journal(journal_path, [add_record(3, "c", 1, 7)])
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 12}
    assert recovered.bad_lines == 0


def test_files_of_the_version_before_orjson_are_read(paths: tuple[Path, Path, Path]) -> None:
    # Earlier versions wrote state.json and the journal with the stdlib: text beyond ASCII as \u
    # escapes (a surrogate pair for an emoji). This version writes UTF-8 as is and reads both.
    state_path, journal_path, snap = paths
    before = UsageState()
    before.apply_add("Zoë-🙂", 1, {"chatgpt.com": 5}, "2026-11-25", 1)
    before.lsn = 1
    state_path.write_text(json.dumps(before.to_json()), encoding="ascii")
    assert "\\u00eb" in state_path.read_text() and "\\ud83d" in state_path.read_text()
    write_journal(journal_path, [add_record(2, "Zoë-🙂", 2, 7)])
    assert b"\\u00eb" in journal_path.read_bytes()
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 12}
    assert recovered.state.last_seq("Zoë-🙂") == 2


def test_replaying_twice_counts_once(paths: tuple[Path, Path, Path]) -> None:
    state_path, journal_path, snap = paths
    write_journal(journal_path, [add_record(1, "a", 1, 5), add_record(2, "b", 1, 3)])
    first = recover(state_path, journal_path, snap)
    write_checkpoint(state_path, first.state)  # crash before the journal was emptied
    second = recover(state_path, journal_path, snap)
    assert second.state.counters == {"chatgpt.com": 8}
    assert (second.replayed, second.skipped) == (0, 2)


def test_duplicate_seq_in_journal_applies_once(paths: tuple[Path, Path, Path]) -> None:
    state_path, journal_path, snap = paths
    # A batch journaled, refused (disk error answered 503), resent and journaled again.
    write_journal(journal_path, [add_record(1, "a", 1, 5), add_record(2, "a", 1, 5)])
    assert recover(state_path, journal_path, snap).state.counters == {"chatgpt.com": 5}


def test_journal_append_failure_leaves_no_trace(
    paths: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, journal_path, _ = paths
    journal = Journal(journal_path)
    journal.append([line(add_record(1, "a", 1, 5))])
    size = journal_path.stat().st_size

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("collector.journal.sync_data", failing_fsync)
    with pytest.raises(OSError):
        journal.append([line(add_record(2, "a", 2, 7))])
    journal.close()
    assert journal_path.stat().st_size == size


def test_checkpoint_is_atomic_old_or_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    old = UsageState(counters={"a.com": 1}, lsn=1)
    write_checkpoint(path, old)

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt("killed before the rename")

    monkeypatch.setattr("collector.fsio.os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_checkpoint(path, UsageState(counters={"a.com": 99}, lsn=2))
    monkeypatch.undo()
    state, quarantined = read_checkpoint(path)
    assert state.counters == {"a.com": 1} and quarantined is None
    write_checkpoint(path, UsageState(counters={"a.com": 99}, lsn=2))
    assert read_checkpoint(path)[0].counters == {"a.com": 99}
    assert not (tmp_path / "state.json.tmp").exists()
    assert oct(path.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'{"counters": {"a.com": "many"}}', id="bad-count"),
        pytest.param(b"", id="empty"),
    ],
)
def test_corrupt_checkpoint_is_moved_aside_never_overwritten(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    state, aside = read_checkpoint(path)
    assert state is None
    assert aside is not None and aside.read_bytes() == content
    assert aside.name.startswith("state.json.corrupt-")
    assert not path.exists()
    assert "unreadable" in caplog.text


def test_legacy_state_json_is_read() -> None:
    legacy = {
        "totals": {"chatgpt.com": 1200, "claude.ai": 300},
        "daily_totals": {"2026-11-24": {"chatgpt.com": 1000}, "2026-11-25": {"chatgpt.com": 200}},
        "clients": {"ext-1": {"last_seq": 42, "last_seen": 1795000000.5}, "ext-2": 7},
    }
    state = from_json(legacy)
    assert state.counters == legacy["totals"]
    assert state.daily_totals == legacy["daily_totals"]
    assert state.last_seq("ext-1") == 42 and state.last_seq("ext-2") == 7
    assert state.lsn == 0


def test_legacy_state_json_through_recovery(paths: tuple[Path, Path, Path]) -> None:
    state_path, journal_path, snap = paths
    state_path.write_text(json.dumps({"totals": {"a.com": 5}, "clients": {"c": {"last_seq": 3}}}))
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"a.com": 5}
    assert recovered.state.last_seq("c") == 3


def test_atomic_write_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    atomic_write(target, b"hello")
    assert target.read_bytes() == b"hello"
    assert os.listdir(tmp_path) == ["x.json"]


@pytest.mark.parametrize("file_name", ["state.json", "state.json.journal"])
def test_a_newer_format_is_refused_and_left_untouched(
    paths: tuple[Path, Path, Path], file_name: str
) -> None:
    state_path, journal_path, snap = paths
    newer = b'{"format": 99, "kind": "llm-usage-collector-journal"}\n'
    target = state_path.parent / file_name
    target.write_bytes(newer)
    with pytest.raises(UnknownFormatError, match="format 99"):
        recover(state_path, journal_path, snap)
    assert target.read_bytes() == newer
    assert sorted(p.name for p in state_path.parent.iterdir()) == ["snapshots", file_name]


def test_a_damaged_checkpoint_is_rebuilt_from_the_previous_generation(
    paths: tuple[Path, Path, Path],
) -> None:
    """Acknowledged adds on both sides of a checkpoint survive state.json being damaged after it."""
    state_path, journal_path, snap = paths
    journal = Journal(journal_path)
    state = UsageState()
    for lsn, tokens in ((1, 100), (2, 20)):
        record = add_record(lsn, "c", lsn, tokens)
        journal.append([line(record)])
        state.apply_add("c", lsn, record["deltas"], record["day"], 1)
        state.lsn = lsn
        write_checkpoint(state_path, state)  # a checkpoint after each add, as /flush does
        journal.rotate()
    journal.append([line(add_record(3, "c", 3, 3))])
    journal.close()
    state_path.write_bytes(b'{"format": 1, "counters": {"chatgpt.com": ')  # damaged on disk
    recovered = recover(state_path, journal_path, snap)
    assert recovered.state.counters == {"chatgpt.com": 123}
    assert recovered.rebuilt_from == "state.json.prev"
    assert recovered.quarantined is not None
