"""A stand-in for CLIProxyAPI's management API: a real HTTP server on 127.0.0.1, port 0.

Rebuilt from CLIProxyAPI's public source (router-for-me/CLIProxyAPI, read 2026-12-02 from a
snapshot at v7.2.140, commit a7e3596b7e351d800e58ed29529fbca3d1c18737, 2026-08-22, and its tags):
  - auth: `internal/api/handlers/management/handler.go` Middleware + AuthenticateManagementKey
    (Bearer in any case or the raw Authorization value, else X-Management-Key; missing 401,
    wrong 401, the fifth failure from one IP starts a 30-minute 403 ban, a success clears the
    count; X-CPA-VERSION/-COMMIT/-BUILD-DATE on every management answer, version without `v`);
  - legacy era (v6.0.0 … v6.9.49): `internal/usage/logger_plugin.go` (details appended per
    api key + model; v6.6.96 alone dropped the oldest past 1,000 while the counters went on);
  - queue era (v6.10.8 …): `internal/api/handlers/management/usage.go` (count parsing, 400),
    `internal/redisqueue/queue.go` (retention pruned on every enqueue and pop, default 60 s),
    `internal/redisqueue/plugin.go` (the record) and `sdk/cliproxy/usage/accounting.go` (which
    token rule a provider/executor gets, and `token_breakdown`);
  - removed routes: gin's plain-text `404 page not found` without a key check up to v7.1.46;
    from v7.1.47 (`server_management.go` pluginManagementNoRoute) the key is checked first,
    then an empty 404.
Records and their per-provider token fields are built in `fake_records.py`. The fake keeps its own
clock (`now`, seconds) for retention and bans.
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

from tests.cliproxy.fake_records import PROVIDERS, Req, default_provider, vtuple

__all__ = ["KEY", "PROVIDERS", "FakeCLIProxy", "Req", "default_provider", "running", "vtuple"]

KEY = "mgmt-secret"
SOURCE_COMMIT = "a7e3596b7e351d800e58ed29529fbca3d1c18737"
BAN_SECONDS = 30 * 60
MAX_FAILURES = 5
LEGACY_CAP = 1000  # v6.6.96 only


@dataclass
class _Model:
    total_requests: int = 0
    total_tokens: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)


class FakeCLIProxy:
    def __init__(
        self,
        era: str = "legacy",
        key: str = KEY,
        details: bool = True,
        version: str | None = None,
    ) -> None:
        self.version = version or ("6.9.49" if era == "legacy" else "7.2.140")
        v = vtuple(self.version)
        self.era = "legacy" if v < (6, 10) else "queue" if v >= (6, 10, 8) else "none"
        self.key, self.details = key, details
        self.lock = threading.Lock()
        self.stats: dict[str, dict[str, _Model]] = {}  # legacy: api key -> model -> counters
        self.totals = [0, 0, 0, 0]  # requests, success, failure, tokens
        self.queue: list[tuple[float, dict[str, Any]]] = []  # (enqueued at, record)
        self.script: list[str] = []  # next answers: "500", "garbage", "slow", "401", "403"
        self.log: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.now = 0.0  # the fake's clock: retention and bans
        self.retention = 60.0
        self.slow_seconds = 2.0
        self.failed_attempts: dict[str, int] = {}
        self.banned_until: dict[str, float] = {}
        self._ids = 0
        self.files: dict[str, bytes] = {}
        self.closed = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def vt(self) -> tuple[int, ...]:
        return vtuple(self.version)

    # --- recording, as the usage plugins do ------------------------------------------------------
    def add(self, *reqs: Req) -> None:
        with self.lock:
            for req in reqs:
                self._ids += 1
                if self.era == "legacy":
                    self._record_legacy(req)
                elif self.era == "queue":
                    self._prune()  # pruned on every enqueue, as queue.go does
                    record = req.queue_record(f"{self._ids:08x}", self.vt)
                    self.queue.append((self.now, record))

    def _record_legacy(self, req: Req) -> None:
        tokens = req.tokens(self.vt)
        total = tokens["total_tokens"]
        self.totals[0] += 1
        self.totals[2 if req.failed else 1] += 1
        self.totals[3] += total
        model = self.stats.setdefault(req.api_key, {}).setdefault(req.model or "unknown", _Model())
        model.total_requests += 1
        model.total_tokens += total
        model.details.append(req.detail(self.vt))
        if self.vt == (6, 6, 96) and len(model.details) > LEGACY_CAP:
            del model.details[: len(model.details) - LEGACY_CAP]

    def restart(self) -> None:
        """CLIProxy restarted: in-memory statistics, queue and failed-attempt counts are gone."""
        with self.lock:
            self.stats.clear()
            self.totals = [0, 0, 0, 0]
            self.queue.clear()
            self.failed_attempts.clear()
            self.banned_until.clear()

    def drop(self, n: int) -> None:
        """Lose the oldest n queue records (e.g. another consumer popped them)."""
        with self.lock:
            del self.queue[:n]

    def snapshot(self) -> dict[str, Any]:
        apis: dict[str, Any] = {}
        for api_key, models in self.stats.items():
            entry: dict[str, Any] = {"total_requests": 0, "total_tokens": 0, "models": {}}
            for name, m in models.items():
                shown: dict[str, Any] = {
                    "total_requests": m.total_requests,
                    "total_tokens": m.total_tokens,
                }
                if self.details:
                    shown["details"] = list(m.details)
                entry["models"][name] = shown
                entry["total_requests"] += m.total_requests
                entry["total_tokens"] += m.total_tokens
            apis[api_key] = entry
        return {
            "total_requests": self.totals[0],
            "success_count": self.totals[1],
            "failure_count": self.totals[2],
            "total_tokens": self.totals[3],
            "apis": apis,
            "requests_by_day": {},
            "requests_by_hour": {},
            "tokens_by_day": {},
            "tokens_by_hour": {},
        }

    def _prune(self) -> None:
        cutoff = self.now - self.retention
        self.queue = [(t, rec) for t, rec in self.queue if not t < cutoff]

    def pop(self, count: int) -> list[dict[str, Any]]:
        self._prune()
        out, self.queue = self.queue[:count], self.queue[count:]
        return [rec for _, rec in out]

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]

    # --- the auth middleware ----------------------------------------------------------------------
    def authenticate(
        self, ip: str, authorization: str | None, x_key: str | None
    ) -> tuple[int, str]:
        """(0, "") when allowed, else (status, error) exactly as AuthenticateManagementKey."""
        banned = self.banned_until.get(ip)
        if banned is not None:
            if self.now < banned:
                left = int(banned - self.now)
                return 403, (
                    "IP banned due to too many failed attempts. Try again in "
                    f"{left // 60}m{left % 60}s"
                )
            del self.banned_until[ip]
            self.failed_attempts.pop(ip, None)
        provided = ""
        if authorization:
            parts = authorization.split(" ", 1)
            bearer = len(parts) == 2 and parts[0].lower() == "bearer"
            provided = parts[1] if bearer else authorization
        if not provided:
            provided = x_key or ""
        if provided == self.key:
            self.failed_attempts.pop(ip, None)
            return 0, ""
        count = self.failed_attempts.get(ip, 0) + 1
        if count >= MAX_FAILURES:
            self.banned_until[ip] = self.now + BAN_SECONDS
            count = 0
        self.failed_attempts[ip] = count
        return 401, "invalid management key" if provided else "missing management key"

    def start(self) -> FakeCLIProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self.closed = True
        self.server.shutdown()
        self.server.server_close()


def _handler(fake: FakeCLIProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8"
        ) -> None:
            if fake.closed:
                return
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if self._management:
                self.send_header("X-CPA-VERSION", fake.version)
                self.send_header("X-CPA-COMMIT", SOURCE_COMMIT[:7])
                self.send_header("X-CPA-BUILD-DATE", "2026-08-22T14:39:03Z")
            self.end_headers()
            # the client may have given up (a "slow" answer past its timeout)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _json(self, status: int, obj: Any) -> None:
            self._send(status, json.dumps(obj).encode())

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            self._management = False
            with fake.lock:
                fake.log.append((url.path, self.headers.get("Authorization")))
                scripted = fake.script.pop(0) if fake.script else None
            if url.path in fake.files:  # plain files, e.g. an llm-prices.com stand-in
                return self._send(200, fake.files[url.path])
            routes = {
                "legacy": ("/v0/management/usage", "/v0/management/usage/export"),
                "queue": ("/v0/management/usage-queue",),
            }.get(fake.era, ())
            if url.path not in routes and fake.vt < (7, 1, 47):
                # gin's NoRoute: no middleware ran, so no key check and no X-CPA headers
                return self._send(404, b"404 page not found", "text/plain")
            self._management = True
            if scripted == "slow":
                time.sleep(fake.slow_seconds)
            elif scripted in ("401", "403", "500"):
                return self._json(int(scripted), {"error": f"scripted {scripted}"})
            elif scripted == "garbage":
                return self._send(200, b"<html>not json", "text/html")
            with fake.lock:
                status, error = fake.authenticate(
                    self.client_address[0],
                    self.headers.get("Authorization"),
                    self.headers.get("X-Management-Key"),
                )
            if status:
                return self._json(status, {"error": error})
            if url.path not in routes:
                return self._send(404, b"", "")  # v7.1.47+: the key passed, no such route
            if url.path == "/v0/management/usage-queue":
                raw = parse_qs(url.query).get("count", [""])[0].strip()
                count = int(raw) if raw.lstrip("-").isdecimal() and raw.isascii() else 0
                if raw == "":
                    count = 1
                if count <= 0:
                    return self._json(400, {"error": "count must be a positive integer"})
                with fake.lock:
                    return self._json(200, fake.pop(count))
            with fake.lock:
                snap = fake.snapshot()
            if url.path.endswith("/export"):
                return self._json(200, {"version": 1, "exported_at": "", "usage": snap})
            return self._json(200, {"usage": snap, "failed_requests": snap["failure_count"]})

    return Handler


@contextmanager
def running(era: str = "legacy", **kw: Any) -> Iterator[FakeCLIProxy]:
    fake = FakeCLIProxy(era, **kw).start()
    try:
        yield fake
    finally:
        fake.close()
