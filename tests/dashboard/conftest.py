"""Fixtures for the dashboard tests: a real app on tmp_path, with history seeded as snapshots.csv."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from collector import create_app

KEY = "dashboard-test-key"


@pytest.fixture
def snap_dir(tmp_path: Path) -> Path:
    path = tmp_path / "snapshots"
    path.mkdir()
    return path


@pytest.fixture
def app(tmp_path: Path, snap_dir: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "API_KEY": KEY,
            "STATE_PATH": str(tmp_path / "state.json"),
            "SNAP_DIR": str(snap_dir),
            "DB_PATH": str(tmp_path / "collector.db"),
            "BUCKET_TIMEZONE": "UTC",
        }
    )
    yield app
    app.extensions["collector"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def write_history(snap_dir: Path, rows: dict[str, dict[str, int]]) -> None:
    """Write snapshots.csv the way the rollup does: a column per host, 0 where none."""
    hosts = sorted({host for counts in rows.values() for host in counts})
    lines = [",".join(["date", *hosts])]
    for day in sorted(rows):
        lines.append(",".join([day, *(str(rows[day].get(host, 0)) for host in hosts)]))
    (snap_dir / "snapshots.csv").write_text("\n".join(lines) + "\n")


class Live:
    """Sends live deltas through POST /add, as the extension does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.seq = 0

    def add(self, day: str, deltas: dict[str, int]) -> None:
        self.seq += 1
        ts = int(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC).timestamp() * 1000)
        body: dict[str, Any] = {"client_id": "test", "seq": self.seq, "deltas": deltas, "ts": ts}
        response = self.client.post("/add", json=body, headers={"X-API-KEY": KEY})
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def live(client: FlaskClient) -> Live:
    return Live(client)
