"""Over raw sockets against a real collector: stalled connections, oversized uploads, malformed
HTTP. Every socket has a timeout and every loop a bound."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.support.collector_proc import CollectorProcess

STALLED = 500


def address(proc: CollectorProcess) -> tuple[str, int]:
    parts = urlsplit(proc.url)
    return parts.hostname or "127.0.0.1", parts.port or 0


def exchange(
    proc: CollectorProcess, head: bytes, body_size: int = 0
) -> tuple[int, dict[str, str], bytes]:
    """Send `head` then `body_size` bytes, read the whole answer: (status, headers, body).

    :raise ConnectionResetError: the server reset the connection instead of answering.
    """
    with socket.create_connection(address(proc), timeout=20) as sock:
        sock.sendall(head)
        chunk = b"x" * 65536
        sent = 0
        with contextlib.suppress(BrokenPipeError):  # the server may stop reading once it answered
            while sent < body_size:
                sent += sock.send(chunk[: body_size - sent])
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + content_length(
            data
        ):
            more = sock.recv(65536)
            if not more:
                break
            data += more
    head_text, _, body = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def content_length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def post_head(proc: CollectorProcess, length: int) -> bytes:
    return (
        f"POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: {proc.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(("megabytes", "uploads"), [(2, 20), (20, 3)])
def test_an_oversized_upload_gets_a_json_413_never_a_reset(
    collector_process: CollectorProcess, megabytes: int, uploads: int
) -> None:
    size = megabytes * 1024 * 1024
    answers = []
    for _ in range(uploads):
        try:
            status, headers, body = exchange(
                collector_process, post_head(collector_process, size), size
            )
        except ConnectionResetError:
            answers.append("reset")
            continue
        assert headers["content-type"] == "application/json"
        answers.append(f"{status} {json.loads(body)['error']}")
    assert answers == ["413 payload_too_large"] * uploads


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(
            b"POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", id="bad-length"
        ),
        pytest.param(
            b"POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            id="two-lengths",
        ),
        pytest.param(
            b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", id="bad-encoding"
        ),
        pytest.param(b"GET /\x00 HTTP/1.1 extra\r\nHost: x\r\n\r\n", id="bad-request-line"),
    ],
)
def test_malformed_http_gets_json(collector_process: CollectorProcess, head: bytes) -> None:
    status, headers, body = exchange(collector_process, head)
    assert 400 <= status < 600
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["error"] and len(answer["detail"]) <= 300


@contextlib.contextmanager
def stalled_connections(proc: CollectorProcess, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that each sent half a request and then nothing."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(address(proc), timeout=5)
            sock.sendall(post_head(proc, 100) + b'{"client_id"')
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def test_stalled_connections_do_not_lock_out_clients(collector_process: CollectorProcess) -> None:
    proc = collector_process
    with stalled_connections(proc, STALLED):
        started = time.monotonic()
        health = proc.request("GET", "/health", key=None, timeout=5)
        health_seconds = time.monotonic() - started
        started = time.monotonic()
        added = proc.request(
            "POST", "/add", {"client_id": "c", "seq": 1, "deltas": {"a.com": 1}}, timeout=5
        )
        add_seconds = time.monotonic() - started
    assert health[0] == 200 and added[0] == 200
    # The figure for docs; the speed target itself is checked by bench/, not by this test.
    print(
        f"with {STALLED} stalled connections: /health {health_seconds:.3f} s, /add {add_seconds:.3f} s"
    )
