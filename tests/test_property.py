"""Arbitrary JSON and bytes at /add: never a 5xx, and nothing changes unless the answer is 200."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import API_KEY

KEY = {"X-API-KEY": API_KEY}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
hosts = st.sampled_from(["chatgpt.com", "Claude.AI", "bad host", "", "a.b:443", "x" * 300])
near_valid = st.fixed_dictionaries(
    {},
    optional={
        "client_id": st.one_of(st.text(max_size=140), st.integers(), st.none()),
        "seq": st.one_of(st.integers(min_value=-3, max_value=5), st.floats(), st.booleans()),
        "deltas": st.one_of(
            st.dictionaries(hosts, st.one_of(st.integers(-5, 10**10), st.floats()), max_size=3),
            json_values,
        ),
        "ts": st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none()),
    },
)


def snapshot_of(app: Flask) -> tuple[Any, ...]:
    store = app.extensions["collector"]
    view = store.view()
    return view.counters, view.daily_totals, store.client_count()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.one_of(json_values, near_valid))
def test_arbitrary_json(app: Flask, payload: Any) -> None:
    client = app.test_client()
    before = snapshot_of(app)
    response = client.post(
        "/add", data=json.dumps(payload), headers=KEY | {"Content-Type": "application/json"}
    )
    assert response.status_code < 500
    assert response.is_json
    if response.status_code != 200:
        assert snapshot_of(app) == before
        assert set(response.get_json()) <= {"error", "detail", "expected_next"}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=300),
    content_type=st.sampled_from(["application/json", "text/plain", ""]),
)
def test_arbitrary_bytes(app: Flask, data: bytes, content_type: str) -> None:
    client = app.test_client()
    before = snapshot_of(app)
    headers = KEY | ({"Content-Type": content_type} if content_type else {})
    response = client.post("/add", data=data, headers=headers)
    assert response.status_code < 500
    if response.status_code != 200:
        assert snapshot_of(app) == before
