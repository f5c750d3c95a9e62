"""The HTTP API through Flask's test client: every route, status code and error shape."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import API_KEY, Ingest
from tests.support.crash import abandon

KEY = {"X-API-KEY": API_KEY}


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_health_is_open(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["ok"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/counters"),
        ("GET", "/client_status?client_id=a"),
        ("POST", "/add"),
        ("POST", "/reset"),
        ("POST", "/flush"),
        ("GET", "/metrics"),
    ],
)
@pytest.mark.parametrize("key", [None, "wrong", API_KEY + "x", ""])
def test_protected_routes_answer_json_401(
    client: FlaskClient, method: str, path: str, key: str | None
) -> None:
    headers = {} if key is None else {"X-API-KEY": key}
    response = client.open(path, method=method, headers=headers, json={})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert body["detail"].startswith("missing or wrong X-API-KEY header")


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    missing = client.get("/nope", headers=KEY)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.delete("/add", headers=KEY)
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


def test_add_sequence_duplicate_and_out_of_order(ingest: Ingest) -> None:
    first = ingest.add("c1", 1, {"ChatGPT.com": 5, "claude.ai": 2})
    assert first.status_code == 200
    assert first.get_json() == {"ok": True, "applied": 7, "last_seq": 1}
    again = ingest.add("c1", 1, {"ChatGPT.com": 5, "claude.ai": 2})
    assert again.status_code == 200
    assert again.get_json() == {"ok": True, "applied": 0, "last_seq": 1, "duplicate": True}
    gap = ingest.add("c1", 3, {"chatgpt.com": 1})
    assert gap.status_code == 409
    assert gap.get_json() == {"error": "out_of_order", "expected_next": 2}
    assert ingest.add("c1", 2, {"chatgpt.com": 1}).get_json()["applied"] == 1
    assert ingest.counters()["counters"] == {"chatgpt.com": 6, "claude.ai": 2}


def test_clients_have_their_own_sequences(ingest: Ingest, client: FlaskClient) -> None:
    assert ingest.add("a", 1, {"x.com": 1}).status_code == 200
    assert ingest.add("b", 1, {"x.com": 1}).status_code == 200
    status = client.get("/client_status?client_id=a", headers=KEY).get_json()
    assert status == {"client_id": "a", "last_seq": 1}
    unknown = client.get("/client_status?client_id=zzz", headers=KEY).get_json()
    assert unknown == {"client_id": "zzz", "last_seq": 0}


@pytest.mark.parametrize("query", ["", "?client_id=", "?client_id=%20", "?client_id=" + "x" * 129])
def test_client_status_needs_a_client_id(client: FlaskClient, query: str) -> None:
    response = client.get("/client_status" + query, headers=KEY)
    assert response.status_code == 400
    assert response.get_json()["error"] in {"missing_client_id", "invalid_client_id"}


def test_bad_input_changes_nothing_not_even_last_seq(ingest: Ingest, client: FlaskClient) -> None:
    ingest.add("c1", 1, {"a.com": 1})
    bad = [
        {"client_id": "c1", "seq": 2, "deltas": {"a.com": -5}},
        {"client_id": "c1", "seq": 2, "deltas": {"a.com": 1, "not a host": 1}},
        {"client_id": "c1", "seq": 2.0, "deltas": {"a.com": 1}},
        # Past 64 bits the JSON reader gives a float: refused by the rule, not read as an int.
        {"client_id": "c1", "seq": 2**64, "deltas": {"a.com": 1}},
        {"client_id": "c1", "seq": 2, "deltas": {"a.com": 10**30}},
    ]
    for body in bad:
        response = client.post("/add", json=body, headers=KEY)
        assert response.status_code == 400
        assert set(response.get_json()) == {"error", "detail"}
    assert client.get("/client_status?client_id=c1", headers=KEY).get_json()["last_seq"] == 1
    assert ingest.counters()["counters"] == {"a.com": 1}


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[" * 100_000, "application/json", 400, "invalid_json"),
        (b'{"seq": ' + b"9" * 5000 + b"}", "application/json", 400, "invalid_json"),
        # Not JSON, though Python's json module reads them: refused before any rule is checked.
        (b'{"client_id": "c", "seq": NaN, "deltas": {}}', "application/json", 400, "invalid_json"),
        (
            b'{"client_id": "c", "seq": 1, "deltas": {"a.com": Infinity}}',
            "application/json",
            400,
            "invalid_json",
        ),
        (b'{"client_id": "a"}', "text/plain", 415, "unsupported_media_type"),
        (b"client_id=a", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"client_id": "a"}', None, 415, "unsupported_media_type"),
    ],
)
def test_bodies_that_are_not_json_objects(
    client: FlaskClient, data: bytes, content_type: str | None, status: int, code: str
) -> None:
    headers = dict(KEY) | ({"Content-Type": content_type} if content_type else {})
    response = client.post("/add", data=data, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] == code


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", " application/json ;x=1"],
)
def test_json_media_type_with_parameters_or_capitals_is_json(
    client: FlaskClient, content_type: str
) -> None:
    body = b'{"client_id": "c", "seq": 1, "deltas": {"a.com": 2}}'
    response = client.post("/add", data=body, headers=dict(KEY) | {"Content-Type": content_type})
    assert (response.status_code, response.get_json()["applied"]) == (200, 2)


def test_body_over_the_limit_is_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_BODY_BYTES="1000").test_client()
    body = {"client_id": "c", "seq": 1, "deltas": {"a.com": 1}, "pad": "x" * 2000}
    response = client.post("/add", json=body, headers=KEY)
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_deltas_land_in_day_buckets_by_ts_in_the_zone(make_app: Callable[..., Flask]) -> None:
    ingest = Ingest(make_app(BUCKET_TIMEZONE="America/New_York").test_client())
    ingest.add("c", 1, {"a.com": 1}, ts=ms("2026-11-25T04:30:00"))  # 23:30 on the 24th in NY
    ingest.add("c", 2, {"a.com": 2}, ts=ms("2026-11-25T05:30:00"))  # 00:30 on the 25th
    counters = ingest.counters()
    assert counters["daily_totals"] == {"2026-11-24": {"a.com": 1}, "2026-11-25": {"a.com": 2}}
    assert counters["counters"] == {"a.com": 3}
    assert counters["bucket_timezone"] == "America/New_York"
    assert counters["since"].endswith("Z")


def test_reset_with_nothing_recorded_writes_nothing(ingest: Ingest, tmp_path: Path) -> None:
    response = ingest.reset()
    assert response.status_code == 200
    assert response.get_json()["snapshot"] is None
    assert list((tmp_path / "snapshots").glob("snapshot_*")) == []


def test_reset_snapshots_zeroes_and_rolls_up(ingest: Ingest, tmp_path: Path) -> None:
    ingest.add("c", 1, {"a.com": 4}, ts=ms("2026-11-24T12:00:00"))
    ingest.add("c", 2, {"b.com": 6}, ts=ms("2026-11-25T12:00:00"))
    result = ingest.reset().get_json()
    assert result["snapshot"].startswith("snapshot_") and result["totals"] == {
        "a.com": 4,
        "b.com": 6,
    }
    assert result["rolled_up"] == {"folded": [result["snapshot"]], "csv": "snapshots.csv"}
    snap = json.loads((tmp_path / "snapshots" / f"{result['snapshot']}.bak").read_text())
    assert snap["totals"] == {"a.com": 4, "b.com": 6}
    assert snap["daily_totals"] == {"2026-11-24": {"a.com": 4}, "2026-11-25": {"b.com": 6}}
    assert snap["bucket_timezone"] == "UTC" and isinstance(snap["created_at"], int)
    csv_text = (tmp_path / "snapshots" / "snapshots.csv").read_text()
    assert csv_text == "date,a.com,b.com\n2026-11-24,4,0\n2026-11-25,0,6\n"
    counters = ingest.counters()
    assert counters["counters"] == {} and counters["daily_totals"] == {}
    assert counters["since_ms"] == snap["created_at"]


def test_retry_after_reset_is_still_a_duplicate(ingest: Ingest) -> None:
    ingest.add("c", 1, {"a.com": 4})
    ingest.reset()
    retry = ingest.add("c", 1, {"a.com": 4})
    assert retry.get_json()["duplicate"] is True
    assert ingest.counters()["counters"] == {}
    assert ingest.add("c", 2, {"a.com": 1}).get_json()["applied"] == 1


def test_flush_writes_the_checkpoint(ingest: Ingest, client: FlaskClient, tmp_path: Path) -> None:
    ingest.add("c", 1, {"a.com": 4})
    response = client.post("/flush", headers=KEY)
    assert response.status_code == 200 and response.get_json()["ok"] is True
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["format"] == 1 and saved["counters"] == {"a.com": 4}
    assert saved["clients"]["c"]["last_seq"] == 1


def test_state_survives_a_new_app_on_the_same_files(make_app: Callable[..., Flask]) -> None:
    first = make_app()
    Ingest(first.test_client()).add("c", 1, {"a.com": 4})
    # No close: the second app recovers from the journal alone, as after a crash.
    abandon(first.extensions["collector"])
    second = Ingest(make_app().test_client())
    assert second.counters()["counters"] == {"a.com": 4}
    assert second.add("c", 1, {"a.com": 4}).get_json()["duplicate"] is True


def test_metrics_counts_outcomes(ingest: Ingest, client: FlaskClient) -> None:
    ingest.add("c", 1, {"a.com": 4})
    ingest.add("c", 1, {"a.com": 4})
    ingest.add("c", 5, {"a.com": 4})
    client.post("/add", json={"client_id": "c", "seq": 0, "deltas": {}}, headers=KEY)
    text = client.get("/metrics", headers=KEY).get_data(as_text=True)
    assert 'collector_add_requests_total{result="applied"} 1.0' in text
    assert 'collector_add_requests_total{result="duplicate"} 1.0' in text
    assert 'collector_add_requests_total{result="out_of_order"} 1.0' in text
    assert 'collector_add_rejected_total{reason="invalid_seq"} 1.0' in text
    assert 'collector_host_tokens{host="a.com"} 4.0' in text
    assert 'collector_tokens_total{host="a.com"} 4.0' in text
    assert "collector_journal_fsync_seconds_count 1.0" in text
    assert "collector_checkpoint_age_seconds" in text


def test_metrics_can_be_public(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_PUBLIC="1").test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/counters").status_code == 401


def test_damaged_state_is_reported_on_health(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    first = make_app()
    Ingest(first.test_client()).add("c", 1, {"a.com": 4})  # in the journal, not yet checkpointed
    abandon(first.extensions["collector"])
    (tmp_path / "state.json").write_text("{torn")
    client = make_app().test_client()
    health = client.get("/health").get_json()
    assert health["ok"] is True
    assert "state.json was damaged" in health["warnings"][0]
    assert len(list(tmp_path.glob("state.json.corrupt-*"))) == 1
    # The journal still held the batch, so nothing acknowledged is lost.
    assert Ingest(client).counters()["counters"] == {"a.com": 4}


def test_a_damaged_state_json_loses_nothing_acknowledged(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    first = make_app()
    ingest = Ingest(first.test_client())
    ingest.add("c", 1, {"a.com": 100})
    assert ingest.client.post("/flush", headers=KEY).status_code == 200
    ingest.add("c", 2, {"a.com": 20})
    assert ingest.client.post("/flush", headers=KEY).status_code == 200
    ingest.add("c", 3, {"a.com": 3})
    abandon(first.extensions["collector"])
    (tmp_path / "state.json").write_bytes(b'{"format": 1, "counters": {"a.com": 1')
    client = make_app().test_client()
    assert Ingest(client).counters()["counters"] == {"a.com": 123}
    warning = client.get("/health").get_json()["warnings"][0]
    assert "rebuilt from state.json.prev" in warning


def test_a_failed_journal_flush_is_503_until_a_flush_cures_it(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"client_id": "c", "seq": 1, "deltas": {"a.com": 4}}

    def failing_sync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("collector.journal.sync_data", failing_sync)
    response = client.post("/add", json=body, headers=KEY)
    assert (response.status_code, response.get_json()["error"]) == (503, "journal_unavailable")
    monkeypatch.undo()
    assert client.post("/add", json=body, headers=KEY).status_code == 503
    assert client.get("/client_status?client_id=c", headers=KEY).status_code == 503
    assert "No space left" in client.get("/health").get_json()["warnings"][0]
    assert client.post("/reset", headers=KEY).status_code == 503
    assert client.post("/flush", headers=KEY).status_code == 200  # state.json now holds it
    assert "warnings" not in client.get("/health").get_json()
    assert client.post("/add", json=body, headers=KEY).get_json()["duplicate"] is True
    assert client.get("/counters", headers=KEY).get_json()["counters"] == {"a.com": 4}


def test_a_data_folder_keeps_at_most_max_hosts(make_app: Callable[..., Flask]) -> None:
    ingest = Ingest(make_app(MAX_HOSTS="2").test_client())
    assert ingest.add("c", 1, {"a.com": 1, "b.com": 1}).status_code == 200
    refused = ingest.add("c", 2, {"a.com": 1, "c.com": 1})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "too_many_hosts_kept"
    assert "MAX_HOSTS" in refused.get_json()["detail"]
    assert ingest.add("c", 2, {"b.com": 4}).status_code == 200  # known hosts still count
    assert ingest.reset().status_code == 200
    assert ingest.add("c", 3, {"c.com": 1}).status_code == 400  # a reset keeps the hosts it saw
    assert ingest.counters()["counters"] == {}


def test_a_huge_bad_value_gets_a_short_detail(client: FlaskClient) -> None:
    body = {"client_id": "c", "seq": "9" * 600_000, "deltas": {}}
    response = client.post("/add", json=body, headers=KEY)
    assert response.status_code == 400
    assert len(response.get_json()["detail"]) <= 300


@pytest.mark.parametrize("client_id", ["a%00b", "%20", "x" * 129, "tab%09"])
def test_client_status_checks_client_id_as_add_does(client: FlaskClient, client_id: str) -> None:
    response = client.get(f"/client_status?client_id={client_id}", headers=KEY)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_id"
