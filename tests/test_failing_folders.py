"""A reset on a read-only or full SNAP_DIR changes nothing; reads still work; writes resume soon."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from collector.journal import read_generations
from collector.server import periodic_checkpoint
from tests.conftest import API_KEY, Ingest
from tests.support.collector_proc import CollectorProcess
from tests.support.mounts import mounted

KEY = {"X-API-KEY": API_KEY}


def journal_ops(tmp_path: Path) -> list[str]:
    return [r["op"] for r in read_generations(tmp_path / "state.json.journal").records]


@pytest.mark.parametrize("trouble", ["read-only", "full"])
def test_a_failed_reset_changes_nothing(
    make_app: Callable[..., Flask], tmp_path: Path, trouble: str
) -> None:
    snap_dir = tmp_path / "snapshots"
    snap_dir.mkdir()
    with mounted(snap_dir) as mount:
        filler = mount.full() if trouble == "full" else None
        if trouble == "read-only":
            mount.read_only()
        app = make_app()
        ingest = Ingest(app.test_client())
        ingest.add("c", 1, {"a.com": 100})
        before = ingest.counters()
        response = ingest.reset()
        assert response.status_code == 503
        assert response.get_json()["error"] == "reset_failed"
        assert ingest.counters() == before
        assert "reset" not in journal_ops(tmp_path)
        assert not [p for p in snap_dir.iterdir() if p.name.startswith("snapshot_")]
        if trouble == "read-only":
            assert "not writable" in " ".join(
                app.test_client().get("/health").get_json()["warnings"]
            )
            usage = app.test_client().get("/usage", headers=KEY)
            assert usage.status_code == 200 and usage.get_json()["totals"] == {"a.com": 100}
            mount.writable()
            health = app.test_client().get("/health").get_json()
            assert "not writable" not in " ".join(health.get("warnings", []))
        else:
            assert filler is not None
            filler.unlink()
        done = ingest.reset().get_json()
        assert done["snapshot"] and done["totals"] == {"a.com": 100}
        assert ingest.counters()["counters"] == {}
        app.extensions["collector"].close()


def test_writes_resume_within_seconds_after_the_disk_is_freed(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """The periodic checkpoint retries every few seconds while the journal is failed, even with a
    long CHECKPOINT_INTERVAL_SECONDS (it used to sleep the whole interval first)."""
    data = tmp_path / "data"
    with mounted(data) as mount:
        filler = mount.full()
        filler.unlink()  # room for the app's files, then full again
        app = make_app(STATE_PATH=str(data / "state.json"), CHECKPOINT_INTERVAL_SECONDS="3600")
        store = app.extensions["collector"]
        ingest = Ingest(app.test_client())
        assert ingest.add("c", 1, {"a.com": 1}).status_code == 200
        periodic = periodic_checkpoint(store, 3600)
        periodic.start()
        try:
            filler = mount.fill()
            # The journal's last page still has room: add until a write needs a new one.
            seq, status = 1, 200
            while status == 200 and seq < 500:
                seq += 1
                status = ingest.add("c", seq, {"a.com": 1}).status_code
            assert status == 503
            filler.unlink()
            freed = time.monotonic()
            while status != 200 and time.monotonic() - freed < 20:  # bounded
                time.sleep(0.2)
                status = ingest.add("c", seq, {"a.com": 1}).status_code
            resumed_after = time.monotonic() - freed
            assert status == 200, "writes did not resume within 20 s of freeing the disk"
            print(f"writes resumed {resumed_after:.1f} s after the disk was freed")
            assert ingest.counters()["counters"] == {"a.com": seq}
        finally:
            periodic.stop()
            store.close()  # before the unmount


def test_sigterm_while_the_disk_is_full_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"  # full; the process's own log stays outside it
    env = {"STATE_PATH": str(state_dir / "state.json")}
    with mounted(state_dir) as mount:
        mount.full().unlink()
        proc = CollectorProcess(tmp_path / "data", env=env).start()
        try:
            # 300 clients: the next state.json needs more room than the old files it replaces
            for n in range(300):
                body = {"client_id": f"client-{n}", "seq": 1, "deltas": {"a.com": 1}}
                assert proc.request("POST", "/add", body)[0] == 200
            filler = mount.fill()
            code = proc.stop()
        finally:
            proc.kill()
        log = proc.log_text()
        assert code == 1 and "Traceback" not in log
        assert "stopped without a final checkpoint" in log
        filler.unlink()
        proc = CollectorProcess(tmp_path / "data", env=env).start()
        try:
            assert proc.request("GET", "/counters")[1]["counters"] == {"a.com": 300}
        finally:
            proc.stop()
