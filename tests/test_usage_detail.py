"""The optional usage detail of /add (`usage`, `unparsed`): validation, /counters, and its journey
through the journal, replay, checkpoints, resets, snapshots and the long-format CSV."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector import fold, metrics, usage_buckets, usage_detail
from collector.days import day_of
from collector.fold import INTENT_NAME, read_model_history
from collector.http_errors import ApiError
from collector.models_csv import MODELS_CSV_NAME, read_models_csv
from collector.state import UsageState, from_json
from collector.validation import parse_add
from tests.conftest import Ingest
from tests.support.collector_proc import CollectorProcess, resend_until_acknowledged
from tests.support.crash import abandon
from tests.test_store import CRASH_POINTS, Crash, open_store

NOW_MS = 1_795_000_000_000
DAY = day_of(NOW_MS, "UTC")
USAGE = [
    {"host": "chatgpt.com", "model": "gpt-5", "input": 120, "output": 860, "context": 2400,
     "turns": 1, "exact": True},
    {"host": "chatgpt.com", "model": None, "input": 10, "output": 10, "context": 0, "turns": 1},
    {"host": "claude.ai", "model": "claude-sonnet-4-5", "input": 50, "output": 50, "turns": 2},
]  # fmt: skip
DELTAS = {"chatgpt.com": 1000, "claude.ai": 100}


def body(**changes: Any) -> dict[str, Any]:
    merged = {"client_id": "c1", "seq": 1, "deltas": DELTAS, "usage": USAGE} | changes
    return {k: v for k, v in merged.items() if v is not ...}


def entry(**changes: Any) -> list[dict[str, Any]]:
    return [USAGE[0] | changes, *USAGE[1:]]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param(body(usage={}), "invalid_usage", id="usage-not-list"),
        pytest.param(body(usage=[1]), "invalid_usage", id="entry-not-object"),
        pytest.param(body(usage=[{}] * 201), "invalid_usage", id="too-many-entries"),
        pytest.param(body(usage=entry(host="not a host")), "invalid_usage", id="bad-host"),
        pytest.param(body(usage=entry(host=None)), "invalid_usage", id="no-host"),
        pytest.param(body(usage=entry(model="gpt 5")), "invalid_model", id="model-space"),
        pytest.param(body(usage=entry(model="m" * 101)), "invalid_model", id="model-long"),
        pytest.param(body(usage=entry(model="")), "invalid_model", id="model-empty"),
        pytest.param(body(usage=entry(model=5)), "invalid_model", id="model-number"),
        pytest.param(body(usage=entry(input=-1)), "invalid_usage", id="input-negative"),
        pytest.param(body(usage=entry(output=1.5)), "invalid_usage", id="output-float"),
        pytest.param(body(usage=entry(context=True)), "invalid_usage", id="context-bool"),
        pytest.param(body(usage=entry(context=10**10)), "invalid_usage", id="context-huge"),
        pytest.param(body(usage=entry(turns="1")), "invalid_usage", id="turns-string"),
        pytest.param(body(usage=entry(exact="yes")), "invalid_usage", id="exact-string"),
        pytest.param(body(usage=[*USAGE, USAGE[0]]), "duplicate_usage", id="duplicate"),
        pytest.param(body(usage=entry(input=121)), "usage_mismatch", id="sum-over"),
        pytest.param(body(deltas={"chatgpt.com": 1000}), "usage_mismatch", id="host-not-in-deltas"),
        pytest.param(body(unparsed=[1]), "invalid_unparsed", id="unparsed-not-object"),
        pytest.param(body(unparsed={"x y": 1}), "invalid_unparsed", id="unparsed-bad-host"),
        pytest.param(body(unparsed={"a.com": -1}), "invalid_unparsed", id="unparsed-negative"),
        pytest.param(body(unparsed={"a.com": 1.0}), "invalid_unparsed", id="unparsed-float"),
    ],
)
def test_bad_detail_is_refused_with_its_code(payload: Any, code: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_add(payload, max_hosts=50, now_ms=NOW_MS)
    assert caught.value.code == code
    assert caught.value.detail


def test_good_detail_is_normalised() -> None:
    batch = parse_add(
        body(usage=entry(host="ChatGPT.com"), unparsed={"WWW.Perplexity.ai": 2, "b.com": 0}),
        max_hosts=50,
        now_ms=NOW_MS,
    )
    # (host, model, input, output, context, turns): `exact` is checked, not kept
    assert batch.usage == (
        ("chatgpt.com", "gpt-5", 120, 860, 2400, 1),
        ("chatgpt.com", None, 10, 10, 0, 1),
        ("claude.ai", "claude-sonnet-4-5", 50, 50, 0, 2),
    )
    assert batch.unparsed == {"www.perplexity.ai": 2}  # zeros dropped


# A valid entry with up to two fields set to values at a rule's edge (or dropped), for the test
# below: each rule is met with the others passing, where a divergence would show.
_EDGES: dict[str, list[Any]] = {
    "host": ["chatgpt.com", "Claude.AI:443", "x y", "", 5, None],
    "model": ["gpt-5", "a/b@c:d", "", "m" * 101, "gpt 5", 5, None],
    "exact": [True, False, None, 1, 0, "yes"],
    **{
        key: [0, 1, 10**9, 10**9 + 1, 100_000, 100_001, -1, 1.0, True, False, "1", None]
        for key in ("input", "output", "context", "turns")
    },
}
_DROPPED = object()
_edge_entries = st.one_of(
    st.builds(
        lambda changes: {
            k: v
            for k, v in ({"host": "a.com", "model": "m", "input": 1, "output": 2} | changes).items()
            if v is not _DROPPED
        },
        st.dictionaries(
            st.sampled_from(sorted(_EDGES)),
            st.sampled_from([v for values in _EDGES.values() for v in values] + [_DROPPED]),
            max_size=2,
        ).flatmap(
            lambda picked: st.fixed_dictionaries(
                {k: st.sampled_from([*_EDGES[k], _DROPPED]) for k in picked}
            )
        ),
    ),
    st.sampled_from([[], "entry", 1, None]),
)


@settings(max_examples=400, deadline=None)
@given(_edge_entries)
def test_the_fast_check_and_the_rule_by_rule_check_agree(entry: Any) -> None:
    # parse_usage checks an entry in one expression and asks usage_detail._row why it failed;
    # both must accept and refuse the same entries, or a bad entry passes (or a good one is a 500).
    try:
        row = usage_detail._row(entry, 0)
    except ApiError as exc:
        with pytest.raises(ApiError) as caught:
            usage_detail.parse_usage([entry], {})
        assert (caught.value.code, caught.value.detail) == (exc.code, exc.detail)
    else:
        deltas = {row[0]: row[2] + row[3]}
        assert usage_detail.parse_usage([entry], deltas) == (row,)


def test_a_host_without_entries_needs_none() -> None:
    batch = parse_add(body(deltas=DELTAS | {"grok.com": 5}), max_hosts=50, now_ms=NOW_MS)
    assert len(batch.usage) == 3


def expected_usage(times: int = 1) -> list[dict[str, Any]]:
    rows = [
        ("chatgpt.com", None, 10, 10, 0, 1),
        ("chatgpt.com", "gpt-5", 120, 860, 2400, 1),
        ("claude.ai", "claude-sonnet-4-5", 50, 50, 0, 2),
    ]
    keys = ("host", "model", "input", "output", "context", "turns")
    return [
        dict(zip(keys, (h, m, *(n * times for n in counts)), strict=True))
        for h, m, *counts in sorted(rows, key=lambda r: (r[0], r[1] or ""))
    ]


def test_counters_gain_usage_and_unparsed(ingest: Ingest) -> None:
    assert ingest.add("c1", 1, DELTAS, usage=USAGE, unparsed={"chatgpt.com": 2}).status_code == 200
    again = ingest.add("c1", 1, DELTAS, usage=USAGE, unparsed={"chatgpt.com": 2})
    assert again.get_json()["duplicate"] is True
    data = ingest.counters()
    assert data["counters"] == DELTAS  # the seed's object, unchanged
    assert data["usage"] == expected_usage()
    assert data["unparsed"] == {"chatgpt.com": 2}


def test_bad_detail_changes_nothing_seq_included(ingest: Ingest) -> None:
    bad = ingest.add("c1", 1, DELTAS, usage=entry(input=1))
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "usage_mismatch"
    assert ingest.counters()["counters"] == {}
    status = ingest.client.get("/client_status?client_id=c1", headers=ingest.headers)
    assert status.get_json()["last_seq"] == 0


def test_original_bodies_keep_their_shape(ingest: Ingest, app_config: dict[str, str]) -> None:
    ingest.add("c1", 1, {"a.com": 4})
    data = ingest.counters()
    assert data["usage"] == [] and data["unparsed"] == {}
    ingest.reset()
    snap = Path(app_config["SNAP_DIR"])
    (snapshot,) = snap.glob("snapshot_*.json.bak")
    assert set(json.loads(snapshot.read_text())) == {
        "format", "totals", "daily_totals", "bucket_timezone", "created_at"
    }  # fmt: skip
    assert not (snap / MODELS_CSV_NAME).exists()


def test_state_json_roundtrip() -> None:
    state = UsageState()
    state.apply_add("c", 1, DELTAS, DAY, NOW_MS)
    state.apply_detail(DAY, parse_add(body(), 50, NOW_MS).usage, {"a.com": 1})
    again = from_json(json.loads(json.dumps(state.to_json())))
    assert again.usage_daily == state.usage_daily
    assert again.unparsed_daily == {DAY: {"a.com": 1}}


def add(store: Any, seq: int) -> Any:
    batch = parse_add(body(seq=seq, ts=NOW_MS, unparsed={"chatgpt.com": 1}), 50, NOW_MS)
    return store.add(batch)


def everything(tmp_path: Path) -> tuple[list[dict[str, Any]], int]:
    """Usage per host and model, and unparsed, live plus reset (history) — all of it."""
    store = open_store(tmp_path)
    view = store.view()
    store.close()
    rollup_usage = read_model_history(tmp_path / "snapshots")
    usage_buckets.merge_days(rollup_usage, view.usage_daily)
    unparsed = sum(n for hosts in view.unparsed_daily.values() for n in hosts.values())
    for path in (tmp_path / "snapshots").glob("snapshot_*.json*"):
        unparsed += sum(
            n
            for hosts in json.loads(path.read_text()).get("unparsed_daily", {}).values()
            for n in hosts.values()
        )
    return usage_buckets.totals(rollup_usage), unparsed


def test_replay_after_a_crash_applies_each_detail_once(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    for seq in (1, 2, 2, 3):  # a duplicate too
        add(store, seq)
    abandon(store)  # without a checkpoint, as a kill -9 leaves it: the journal holds three records
    assert everything(tmp_path) == (expected_usage(3), 3)
    assert everything(tmp_path) == (expected_usage(3), 3)  # replaying again counts nothing twice


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_anywhere_in_reset_keeps_each_model_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    store = open_store(tmp_path)
    add(store, 1)
    add(store, 2)

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise Crash(point)

    monkeypatch.setattr(CRASH_POINTS[point][0], crash)
    with pytest.raises(Crash):
        store.reset()
        store.fold()
    monkeypatch.undo()
    abandon(store)
    assert everything(tmp_path) == (expected_usage(2), 2)
    recovered = open_store(tmp_path)
    add(recovered, 3)
    recovered.reset()
    recovered.fold()
    recovered.close()
    assert everything(tmp_path) == (expected_usage(3), 3)
    assert read_models_csv(tmp_path / "snapshots" / MODELS_CSV_NAME)


def test_long_csv_rows_and_run_twice(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    add(store, 1)
    store.reset()
    add(store, 2)
    store.reset()
    store.close()
    snap = tmp_path / "snapshots"
    assert len(fold.fold(snap).folded) == 2
    assert fold.fold(snap).folded == []
    lines = (snap / MODELS_CSV_NAME).read_text().splitlines()
    assert lines == [
        "date,host,model,input,output,context,turns",
        f"{DAY},chatgpt.com,,20,20,0,2",
        f"{DAY},chatgpt.com,gpt-5,240,1720,4800,2",
        f"{DAY},claude.ai,claude-sonnet-4-5,100,100,0,4",
    ]


def test_long_csv_fold_killed_midway_counts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    add(store, 1)
    store.reset()
    store.close()
    snap = tmp_path / "snapshots"
    real_replace = fold.os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(".bak"):
            raise KeyboardInterrupt("killed between the CSV writes and the renames")
        real_replace(src, dst)

    monkeypatch.setattr(fold.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        fold.fold(snap)
    monkeypatch.undo()
    assert (snap / INTENT_NAME).exists()
    assert fold.fold(snap).folded == []  # finishes the interrupted fold, adds nothing
    assert fold.fold(snap).folded == []
    assert everything(tmp_path) == (expected_usage(), 1)


@pytest.mark.slow
def test_kill_9_and_reset_with_usage_in_flight(tmp_path: Path) -> None:
    """One client resends each batch until a 200 while the collector is reset and killed twice:
    usage per model, live plus history, equals what was acknowledged, exactly."""
    proc = CollectorProcess(tmp_path).start()
    stop = threading.Event()
    acked: list[int] = []
    failures: list[str] = []

    def client() -> None:
        deadline = time.monotonic() + 60
        seq = 0
        while not stop.is_set() and time.monotonic() < deadline:
            seq += 1
            payload = body(seq=seq, unparsed={"chatgpt.com": 1})
            failure = resend_until_acknowledged(
                lambda payload=payload: proc.request("POST", "/add", payload, timeout=2),
                attempts=1000,
            )
            if failure is not None:
                failures.append(f"seq {seq}: {failure}")
                return
            acked.append(seq)

    worker = threading.Thread(target=client)
    worker.start()
    try:
        for _round in range(2):
            time.sleep(0.8)
            with contextlib.suppress(OSError, http.client.HTTPException):
                proc.request("POST", "/reset", timeout=2)
            time.sleep(0.5)
            proc.kill()
            proc.start()
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=90)
        proc.kill()
    assert failures == [] and acked
    proc.start()
    try:
        live = proc.request("GET", "/counters")[1]
    finally:
        proc.stop()
    history = read_model_history(tmp_path / "snapshots")
    assert history  # the resets folded usage into the long CSV
    live_days: usage_buckets.UsageDays = {}
    for row in live["usage"]:
        counts = [row[k] for k in ("input", "output", "context", "turns")]
        usage_buckets.add_entries(live_days, "live", [(row["host"], row["model"], *counts)])
    usage_buckets.merge_days(history, live_days)
    assert usage_buckets.totals(history) == expected_usage(len(acked))


def test_unparsed_alarm_on_health_survives_a_reset(ingest: Ingest) -> None:
    ingest.add("c1", 1, {"chatgpt.com": 0}, unparsed={"chatgpt.com": 2, "claude.ai": 1})
    expected = [
        "ChatGPT: 2 replies could not be read today; the site may have changed",
        "Claude: 1 reply could not be read today; the site may have changed",
    ]
    assert ingest.client.get("/health").get_json()["warnings"] == expected
    assert ingest.reset().get_json()["snapshot"]  # unparsed alone is worth a snapshot
    assert ingest.client.get("/health").get_json()["warnings"] == expected
    assert ingest.counters()["unparsed"] == {}  # since the last reset
    assert [a["count"] for a in ingest.counters()["unparsed_today"]] == [2, 1]


def test_model_metrics_per_host_and_model(ingest: Ingest) -> None:
    ingest.add("c1", 1, DELTAS, usage=USAGE)
    text = ingest.client.get("/metrics", headers=ingest.headers).get_data(as_text=True)
    assert (
        'collector_model_tokens_total{direction="output",host="chatgpt.com",model="gpt-5"} 860.0'
        in text
    )
    assert (
        'collector_model_tokens_total{direction="input",host="chatgpt.com",model="unknown"} 10.0'
        in text
    )


def test_model_series_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "MAX_MODEL_SERIES", 2)
    store = open_store(tmp_path)
    usage = [{"host": "a.com", "model": f"m{i}", "input": 1, "output": 1} for i in range(5)]
    store.add(parse_add(body(deltas={"a.com": 10}, usage=usage), 50, NOW_MS))
    series = {
        (sample.labels["model"], sample.labels["direction"]): sample.value
        for family in store.metrics.registry.collect()
        if family.name == "collector_model_tokens"
        for sample in family.samples
    }
    store.close()
    assert series == {
        ("m0", "input"): 1, ("m0", "output"): 1, ("m1", "input"): 1, ("m1", "output"): 1,
        ("other", "input"): 3, ("other", "output"): 3,
    }  # fmt: skip


def test_model_tokens_survive_reset_and_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    add(store, 1)
    store.reset()
    add(store, 2)
    store.close()
    again = open_store(tmp_path)
    add(again, 2)  # a resend: counted once
    tokens = again.model_tokens()
    again.close()
    assert tokens["chatgpt.com"]["gpt-5"] == [240, 1720]
    assert tokens["chatgpt.com"][""] == [20, 20]  # the null model
