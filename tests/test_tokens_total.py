"""`tokens_total`: every token a data folder ever accepted, per host. It never decreases: not on
/reset, not on restart, not on replay; the original state.json format starts it from the counters."""

from __future__ import annotations

import json
from pathlib import Path

from collector.checkpoint import write_checkpoint
from collector.journal import Journal
from collector.journal_records import AddRecord, Record, ResetRecord, encode
from collector.recovery import recover
from collector.state import UsageState, from_json


def add_record(lsn: int, seq: int, deltas: dict[str, int]) -> Record:
    return AddRecord(lsn, "c", seq, deltas, "2026-12-01", 1)


def reset_record(lsn: int, totals: dict[str, int]) -> Record:
    at = 1000 + lsn
    return ResetRecord(lsn, f"snapshot_{at}.json", at, totals, {"2026-12-01": totals}, "UTC")


def test_reset_keeps_tokens_total_and_a_duplicate_adds_nothing() -> None:
    state = UsageState()
    state.apply_add("c", 1, {"a.com": 5, "b.org": 1}, "d", 1)
    state.apply_reset(2)
    state.apply_add("c", 2, {"a.com": 3}, "d", 3)
    state.apply_add("c", 2, {"a.com": 3}, "d", 3)
    assert state.counters == {"a.com": 3}
    assert state.tokens_total == {"a.com": 8, "b.org": 1}


def test_tokens_total_round_trips_through_state_json() -> None:
    state = UsageState(counters={"a.com": 2}, tokens_total={"a.com": 9, "gone.net": 4})
    assert from_json(json.loads(json.dumps(state.to_json()))).tokens_total == state.tokens_total


def test_a_file_without_tokens_total_starts_from_the_counters() -> None:
    original = {"totals": {"chatgpt.com": 1200}, "daily_totals": {}, "clients": {"e": 4}}
    assert from_json(original).tokens_total == {"chatgpt.com": 1200}
    format_1 = {"format": 1, "counters": {"claude.ai": 7}, "lsn": 3}
    assert from_json(format_1).tokens_total == {"claude.ai": 7}


def test_replay_rebuilds_tokens_total_from_the_add_records(tmp_path: Path) -> None:
    state_path, journal_path = tmp_path / "state.json", tmp_path / "state.json.journal"
    (tmp_path / "snapshots").mkdir()
    checkpoint = UsageState(counters={"a.com": 5}, lsn=1, tokens_total={"a.com": 5})
    checkpoint.clients = from_json({"clients": {"c": 1}}).clients
    write_checkpoint(state_path, checkpoint)
    journal = Journal(journal_path)
    records = [
        add_record(1, 1, {"a.com": 5}),  # already in the checkpoint: skipped
        add_record(2, 2, {"a.com": 4, "b.org": 2}),
        reset_record(3, {"a.com": 9, "b.org": 2}),
        add_record(4, 3, {"b.org": 1}),
        add_record(5, 3, {"b.org": 1}),  # a resent batch journaled twice
    ]
    journal.append([encode(r) for r in records])
    journal.close()
    state = recover(state_path, journal_path, tmp_path / "snapshots").state
    assert state.counters == {"b.org": 1}
    assert state.tokens_total == {"a.com": 9, "b.org": 3}
