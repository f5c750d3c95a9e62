"""/metrics for Prometheus: bearer auth, no `_created` series, `collector_tokens_total` at full
value from start-up and never lower after a reset."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import API_KEY, Ingest
from tests.support.crash import abandon


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("value", [f"Bearer {API_KEY}", f"bearer {API_KEY}", f"Bearer  {API_KEY} "])
def test_a_bearer_token_opens_metrics(client: FlaskClient, value: str) -> None:
    assert client.get("/metrics", headers={"Authorization": value}).status_code == 200


@pytest.mark.parametrize(
    "value", ["Bearer wrong", "Bearer", f"Basic {API_KEY}", API_KEY, f"Bearer {API_KEY}x"]
)
def test_a_wrong_authorization_is_401(client: FlaskClient, value: str) -> None:
    response = client.get("/metrics", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "unauthorized",
        "detail": "missing or wrong X-API-KEY header or Authorization: Bearer token",
    }


def test_bearer_opens_metrics_only(client: FlaskClient) -> None:
    assert (
        client.get("/counters", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 401
    )


def test_no_created_series(ingest: Ingest, client: FlaskClient) -> None:
    ingest.add("c", 1, {"a.com": 4})
    ingest.reset()
    text = scrape(client)
    assert "collector_add_requests_total" in text and "collector_resets_total 1.0" in text
    assert "_created" not in text


def test_tokens_total_survives_reset_and_restart(make_app: Callable[..., Flask]) -> None:
    first_app = make_app()
    first = Ingest(first_app.test_client())
    first.add("c", 1, {"a.com": 4, "b.org": 1})
    first.reset()
    first.add("c", 2, {"a.com": 3})
    abandon(
        first_app.extensions["collector"]
    )  # no checkpoint: the next app replays, as after a crash
    client = make_app().test_client()
    text = scrape(client)
    assert 'collector_tokens_total{host="a.com"} 7.0' in text
    assert 'collector_tokens_total{host="b.org"} 1.0' in text
    assert 'collector_host_tokens{host="a.com"} 3.0' in text
    assert not re.search(r'collector_host_tokens\{host="b.org"\}', text)
