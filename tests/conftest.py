"""Fixtures shared by every suite: apps on temp folders, real collector processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from collector import create_app
from tests.support.collector_proc import CollectorProcess

API_KEY = "test-key"


@pytest.fixture(autouse=True)
def _no_real_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch a real state file: every state path points into tmp_path."""
    monkeypatch.setenv("STATE_PATH", str(tmp_path / "state.json"))
    monkeypatch.setenv("SNAP_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("DB_PATH", str(tmp_path / "collector.db"))


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, str]:
    return {
        "API_KEY": API_KEY,
        "STATE_PATH": str(tmp_path / "state.json"),
        "SNAP_DIR": str(tmp_path / "snapshots"),
        "DB_PATH": str(tmp_path / "collector.db"),
        "BUCKET_TIMEZONE": "UTC",
    }


@pytest.fixture
def make_app(app_config: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    """Build apps on the temp folder (overrides as keyword args); closes their stores after."""
    apps: list[Flask] = []

    def build(**overrides: str) -> Flask:
        app = create_app(app_config | overrides)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["collector"].close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Ingest:
    """Repeated HTTP steps against the test client, like flaskr's AuthActions."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.headers = {"X-API-KEY": API_KEY}

    def add(self, client_id: str, seq: int, deltas: dict[str, int], **extra: Any) -> Any:
        body = {"client_id": client_id, "seq": seq, "deltas": deltas, **extra}
        return self.client.post("/add", json=body, headers=self.headers)

    def counters(self) -> dict[str, Any]:
        response = self.client.get("/counters", headers=self.headers)
        assert response.status_code == 200
        data: dict[str, Any] = response.get_json()
        return data

    def reset(self) -> Any:
        return self.client.post("/reset", headers=self.headers)


@pytest.fixture
def ingest(client: FlaskClient) -> Ingest:
    return Ingest(client)


@pytest.fixture
def collector_process(tmp_path: Path) -> Iterator[CollectorProcess]:
    """A real collector (waitress, own process) on a free port, stopped after the test."""
    proc = CollectorProcess(tmp_path / "collector", api_key=API_KEY).start()
    try:
        yield proc
    finally:
        proc.stop()
