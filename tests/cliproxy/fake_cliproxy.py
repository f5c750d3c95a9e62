"""A fake CLIProxy management API: a real HTTP server on 127.0.0.1, port 0, speaking both eras.

Legacy (`GET /v0/management/usage`): a cumulative snapshot of every request since the last
restart, with or without details. Queue (`GET /v0/management/usage-queue?count=N`): records popped
on read, dropped once older than `retention` on the fake's own clock. It can restart (counters to
zero), drop records, and answer 401, 500, garbage or slowly, one scripted answer per request.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "mgmt-secret"


@dataclass
class Req:
    """One request as CLIProxy would record it."""

    api_key: str
    model: str
    timestamp: str
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    failed: bool = False
    source: str = "alice@example.com"
    auth_index: str = "3f2a9c1d0b7e4a55"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens + self.reasoning_tokens

    def tokens(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cached_tokens": self.cached_tokens,
            "total_tokens": self.total,
        }

    def detail(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "latency_ms": 100,
            "source": self.source,
            "auth_index": self.auth_index,
            "tokens": self.tokens(),
            "failed": self.failed,
        }

    def queue_record(self, request_id: str) -> dict[str, Any]:
        return {
            **self.detail(),
            "ttft_ms": 10,
            "client_ip": "127.0.0.1",
            "user_agent": "test",
            "tokens": {**self.tokens(), "cache_read_tokens": self.cached_tokens},
            "fail": {"status_code": 500 if self.failed else 200, "body": ""},
            "accounting_version": 2,
            "provider": "test",
            "model": self.model,
            "alias": self.model,
            "endpoint": "POST /v1/chat/completions",
            "api_key": self.api_key,
            "request_id": request_id,
            **self.extra,
        }


class FakeCLIProxy:
    def __init__(self, era: str = "legacy", key: str = KEY, details: bool = True) -> None:
        self.era, self.key, self.details = era, key, details
        self.version = "6.9.49" if era == "legacy" else "7.2.0"
        self.lock = threading.Lock()
        self.requests: list[Req] = []  # legacy: everything since the last restart
        self.queue: list[tuple[float, dict[str, Any]]] = []
        self.script: list[str] = []  # next answers: "401", "403", "500", "garbage", "slow"
        self.log: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.now = 0.0  # the fake's clock for queue retention
        self.retention = 60.0
        self.slow_seconds = 2.0
        self._ids = 0
        self.files: dict[str, bytes] = {}
        self.closed = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- control ---------------------------------------------------------------------------------
    def add(self, *reqs: Req) -> None:
        with self.lock:
            for req in reqs:
                self.requests.append(req)
                self._ids += 1
                self.queue.append((self.now, req.queue_record(f"req-{self._ids}")))

    def restart(self) -> None:
        """CLIProxy restarted: in-memory statistics and the queue are gone."""
        with self.lock:
            self.requests.clear()
            self.queue.clear()

    def drop(self, n: int) -> None:
        """Lose the oldest n queue records (e.g. another consumer popped them)."""
        with self.lock:
            del self.queue[:n]

    def snapshot(self) -> dict[str, Any]:
        apis: dict[str, Any] = {}
        for r in self.requests:
            api = apis.setdefault(r.api_key, {"total_requests": 0, "total_tokens": 0, "models": {}})
            model = api["models"].setdefault(r.model, {"total_requests": 0, "total_tokens": 0})
            if self.details:
                model.setdefault("details", []).append(r.detail())
            for entry in (api, model):
                entry["total_requests"] += 1
                entry["total_tokens"] += r.total
        failures = sum(r.failed for r in self.requests)
        return {
            "total_requests": len(self.requests),
            "success_count": len(self.requests) - failures,
            "failure_count": failures,
            "total_tokens": sum(r.total for r in self.requests),
            "apis": apis,
            "requests_by_day": {},
            "requests_by_hour": {},
            "tokens_by_day": {},
            "tokens_by_hour": {},
        }

    def pop(self, count: int) -> list[dict[str, Any]]:
        self.queue = [(t, rec) for t, rec in self.queue if self.now - t < self.retention]
        out, self.queue = self.queue[:count], self.queue[count:]
        return [rec for _, rec in out]

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]

    # --- HTTP ------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                if fake.closed:
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-CPA-VERSION", fake.version)
                self.end_headers()
                # the client may have given up (a "slow" answer past its timeout)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _json(self, status: int, obj: Any) -> None:
                self._send(status, json.dumps(obj).encode())

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                with fake.lock:
                    fake.log.append((url.path, self.headers.get("Authorization")))
                    scripted = fake.script.pop(0) if fake.script else None
                if scripted == "slow":
                    time.sleep(fake.slow_seconds)
                elif scripted in ("401", "403", "500"):
                    return self._json(int(scripted), {"error": "invalid management key"})
                elif scripted == "garbage":
                    return self._send(200, b"<html>not json", "text/html")
                if url.path in fake.files:  # plain files, e.g. an llm-prices.com stand-in
                    return self._send(200, fake.files[url.path])
                if self.headers.get("Authorization") != f"Bearer {fake.key}":
                    return self._json(401, {"error": "invalid management key"})
                if url.path == "/v0/management/usage" and fake.era == "legacy":
                    with fake.lock:
                        snap = fake.snapshot()
                    return self._json(
                        200, {"usage": snap, "failed_requests": snap["failure_count"]}
                    )
                if url.path == "/v0/management/usage-queue" and fake.era == "queue":
                    raw = parse_qs(url.query).get("count", ["1"])[0]
                    if not raw.isdigit() or int(raw) < 1:
                        return self._json(400, {"error": "count must be a positive integer"})
                    with fake.lock:
                        records = fake.pop(int(raw))
                    return self._json(200, records)
                return self._json(404, {"error": "not found"})

        return Handler

    def start(self) -> FakeCLIProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self.closed = True
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running(era: str = "legacy", **kw: Any) -> Iterator[FakeCLIProxy]:
    fake = FakeCLIProxy(era, **kw).start()
    try:
        yield fake
    finally:
        fake.close()
