"""Fixtures for the CLIProxy source: the fake management server, apps wired to it, no network."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from collector.cliproxy.poller import Poller
from tests.cliproxy.fake_cliproxy import KEY, FakeCLIProxy
from tests.conftest import API_KEY

HEADERS = {"X-API-KEY": API_KEY}
PINNED = datetime(2026, 11, 1, tzinfo=UTC)  # prices asserted at this request date


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pricing must work offline: any connection off 127.0.0.1 fails the test."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"test tried to reach the network: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def fake_legacy() -> Iterator[FakeCLIProxy]:
    fake = FakeCLIProxy("legacy").start()
    yield fake
    fake.close()


@pytest.fixture
def fake_queue() -> Iterator[FakeCLIProxy]:
    fake = FakeCLIProxy("queue").start()
    yield fake
    fake.close()


@pytest.fixture
def cp_app(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Flask]]:
    """An app whose CLIProxy source points at a fake; its poller is stopped afterwards."""
    apps: list[Flask] = []

    def build(fake: FakeCLIProxy | None, zone: str = "Asia/Bangkok", **env: str) -> Flask:
        if fake is not None:
            env = {"CLIPROXY_URL": fake.url, "CLIPROXY_MANAGEMENT_KEY": KEY, **env}
        app = make_app(CLIPROXY_TIMEZONE=zone, **env)
        apps.append(app)
        return app

    yield build
    for app in apps:
        poller = app.extensions["cliproxy"].poller
        if poller is not None:
            poller.stop()


def poller_of(app: Flask, now: float | None = None) -> Poller:
    poller: Poller = app.extensions["cliproxy"].poller
    poller.client.timeout = 0.3
    if now is not None:
        poller.clock = lambda: now
    return poller
