"""HTTP to CLIProxy's management API, both eras. Errors are sorted into three kinds the poller
treats differently: `AuthFailed` (stop, never retry in a loop), `NotFound` (era detection) and
`Transient` (retry with backoff)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any

BASE = "/v0/management"
MAX_BODY = 512 * 1024 * 1024


class ClientError(Exception):
    """Base of the errors below; the message is safe to show on health (no key in it)."""


class AuthFailed(ClientError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status} from CLIProxy: {detail}")
        self.status = status


class NotFound(ClientError):
    """404: the route does not exist on this CLIProxy version (or management is off)."""


class Transient(ClientError):
    """Timeout, refused connection, 5xx, malformed JSON: try again later."""


class Client:
    def __init__(self, base_url: str, key: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self.timeout = timeout
        self.version: str | None = None

    def get_json(self, path: str) -> Any:
        """GET `BASE + path` with the Bearer key and return the parsed JSON body."""
        request = urllib.request.Request(
            self.base_url + BASE + path,
            headers={"Authorization": f"Bearer {self._key}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                self.version = response.headers.get("X-CPA-VERSION") or self.version
                body = response.read(MAX_BODY)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            exc.close()
            if exc.code in (401, 403):
                raise AuthFailed(exc.code, detail) from None
            if exc.code == 404:
                raise NotFound(f"{path}: HTTP 404") from None
            raise Transient(f"{path}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            raise Transient(f"{path}: {getattr(exc, 'reason', exc)}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise Transient(f"{path}: the answer is not JSON ({len(body)} bytes)") from None

    def legacy_usage(self) -> dict[str, Any]:
        """`GET /usage` (CLIProxy 6.0 – 6.9): the `usage` object of the cumulative snapshot."""
        payload = self.get_json("/usage")
        if not isinstance(payload, dict) or not isinstance(payload.get("usage"), dict):
            raise Transient("/usage: the answer has no 'usage' object")
        usage: dict[str, Any] = payload["usage"]
        return usage

    def pop_queue(self, count: int) -> list[Any]:
        """`GET /usage-queue?count=N` (6.10.8 and later): pops up to N records, oldest first."""
        payload = self.get_json(f"/usage-queue?count={count}")
        if not isinstance(payload, list):
            raise Transient("/usage-queue: the answer is not a JSON array")
        return payload


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(2048).decode("utf-8", "replace")
        parsed = json.loads(body)
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
            return str(parsed["error"])[:200]
        return body[:200]
    except (OSError, ValueError):
        return str(exc.reason) if isinstance(exc.reason, str) else ""
