"""Every CLIProxy version era and failure, against the fake rebuilt from CLIProxyAPI's source.

The first tests check the fake itself against what the source says (handler.go Middleware,
usage.go, queue.go, server_management.go); the rest run the poller against each era.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.cliproxy.conftest import HEADERS, poller_of
from tests.cliproxy.fake_cliproxy import KEY, FakeCLIProxy, Req, running

KEY1 = "sk-local-client-1"


def get(fake: FakeCLIProxy, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(fake.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        body = exc.read().decode()
        exc.close()
        return exc.code, body, dict(exc.headers)


# --- the fake speaks the real API ------------------------------------------------------------
def test_fake_auth_middleware(fake_queue: FakeCLIProxy) -> None:
    path = "/v0/management/usage-queue"
    for headers in (
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": f"bEaReR {KEY}"},  # the scheme in any case
        {"Authorization": KEY},  # a value without "Bearer " is taken raw
        {"X-Management-Key": KEY},
    ):
        status, body, sent = get(fake_queue, path, **headers)
        assert (status, json.loads(body)) == (200, [])
        assert (
            sent["X-CPA-VERSION"] == "7.2.140" and sent["X-CPA-COMMIT"] and sent["X-CPA-BUILD-DATE"]
        )
    assert get(fake_queue, path)[:2] == (401, '{"error": "missing management key"}')
    for _ in range(3):
        assert get(fake_queue, path, Authorization="Bearer nope")[0] == 401
    # the fifth failure (missing key counted too) starts a 30-minute ban: the right key is refused
    assert get(fake_queue, path, Authorization="Bearer nope")[0] == 401
    status, body, _ = get(fake_queue, path, Authorization=f"Bearer {KEY}")
    assert status == 403 and "IP banned due to too many failed attempts" in body
    fake_queue.now += 30 * 60
    assert get(fake_queue, path, Authorization=f"Bearer {KEY}")[0] == 200


def test_fake_removed_routes_answer_both_kinds_of_404() -> None:
    with running("queue", version="7.1.46") as old:
        status, body, sent = get(old, "/v0/management/usage")  # no key at all
        assert (status, body, "X-CPA-VERSION" in sent) == (404, "404 page not found", False)
    with running("queue", version="7.1.47") as new:
        assert get(new, "/v0/management/usage")[0] == 401  # the key is checked first
        status, body, sent = get(new, "/v0/management/usage", Authorization=f"Bearer {KEY}")
        assert (status, body, sent["X-CPA-VERSION"]) == (404, "", "7.1.47")


def test_fake_queue_count_and_retention(fake_queue: FakeCLIProxy) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    for bad in ("0", "-1", "x", "%C2%B2"):
        status, body, _ = get(fake_queue, f"/v0/management/usage-queue?count={bad}", **auth)
        assert (status, body) == (400, '{"error": "count must be a positive integer"}')
    fake_queue.add(Req(KEY1, "gpt-4o", "2026-04-21T09:00:00+07:00", 10, 1))
    fake_queue.now = 61  # past the 60 s retention: pruned at the next enqueue or pop
    fake_queue.add(Req(KEY1, "gpt-4o", "2026-04-21T09:01:00+07:00", 20, 2))
    (record,) = json.loads(get(fake_queue, "/v0/management/usage-queue", **auth)[1])
    assert record["tokens"]["input_tokens"] == 20 and len(record["request_id"]) == 8


@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ("6.10.8", {"provider", "request_id"}, {"fail", "executor_type", "token_breakdown"}),
        ("7.0.3", {"fail", "executor_type"}, {"token_breakdown", "client_ip"}),
        ("7.2.97", {"accounting_version", "token_breakdown"}, {"client_ip"}),
        ("7.2.104", {"client_ip", "x_forwarded_for", "user_agent"}, set()),
    ],
)
def test_fake_record_shapes(version: str, present: set[str], absent: set[str]) -> None:
    record = Req(KEY1, "gpt-4o", "2026-04-21T09:00:00+07:00", 10, 1).queue_record(
        "0badf00d", tuple(int(p) for p in version.split("."))
    )
    assert present <= set(record) and not absent & set(record)


# --- the poller against each era ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "era"),
    [
        ("6.6.96", "legacy"),
        ("6.9.49", "legacy"),
        ("6.10.8", "queue"),
        ("7.0.3", "queue"),
        ("7.1.46", "queue"),
        ("7.1.47", "queue"),
        ("7.2.97", "queue"),
        ("7.2.104", "queue"),
    ],
)
def test_each_version_is_collected_exactly(
    cp_app: Callable[..., Flask], version: str, era: str
) -> None:
    with running(version=version) as fake:
        fake.add(Req(KEY1, "gpt-4o", "2026-04-21T09:00:00+07:00", 1000, 100))  # $0.0035
        app = cp_app(fake)
        result = poller_of(app).run_once()
        assert (result["ok"], result["era"], result["stored"]) == (True, era, 1)
        day = app.test_client().get(
            "/api/collector/stats/daily?from=2026-04-21&to=2026-04-21", headers=HEADERS
        )
        (stats,) = day.get_json()["days"]
        assert (stats["total_requests"], stats["total_tokens"], stats["cost_usd"]) == (
            1,
            1100,
            "0.0035",
        )


def test_a_version_without_a_usage_api_is_named_on_health(cp_app: Callable[..., Flask]) -> None:
    with running(version="6.10.5") as fake:  # /usage removed, the queue not yet added
        app = cp_app(fake)
        result = poller_of(app).run_once()
        assert not result["ok"] and "6.10.0 to 6.10.7" in result["error"]
        health = app.test_client().get("/api/collector/health").get_json()
        assert health["status"] == "degraded" and health["cliproxy"]["era"] is None


def wait_triggers() -> None:
    for thread in threading.enumerate():
        if thread.name.endswith("-trigger"):
            thread.join(10)


def test_wrong_key_never_loops_and_a_ban_is_shown(cp_app: Callable[..., Flask]) -> None:
    """Each attempt is one request (a manual trigger); the fifth starts CLIProxy's ban."""
    with running("queue", version="7.2.140") as fake:
        app = cp_app(fake, CLIPROXY_MANAGEMENT_KEY="wrong-key")
        poller = poller_of(app)
        client = app.test_client()
        answers: list[Any] = []
        for _ in range(6):
            assert client.post("/api/collector/trigger", headers=HEADERS).status_code == 202
            wait_triggers()
            answers.append(poller.auth_failure)
        assert len(fake.log) == 6  # one request per attempt, never a retry loop
        assert all("401" in str(a) for a in answers[:5])
        assert "403" in str(answers[5]) and "banned" in str(answers[5])
        health = client.get("/api/collector/health").get_json()["cliproxy"]
        assert health["auth_failed"] and health["next_poll_in_seconds"] is None
        assert "wrong-key" not in json.dumps(health)
