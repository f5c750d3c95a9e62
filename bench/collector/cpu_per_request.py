"""CPU per /add request, in-process: the collector's WSGI app against the bare app, interleaved.

    .venv/bin/python -m bench.collector.cpu_per_request [--requests 10000] [--rounds 5]

The journal flush is switched off (it is I/O, not CPU, and the same for every durable stack) and
the apps are called directly, without waitress, so what is left is each app's own Python work. CPU
time of the process (`time.process_time`), which other processes on the machine disturb far less
than wall time. Prints a Markdown table; the difference is the price of the collector's own work.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from bench.collector.bare_app import create_bare_app
from collector import create_app, journal

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(n: int) -> dict[str, Any]:
    """A new client's first batch, as add.lua sends it."""
    body = json.dumps(
        {"client_id": f"cpu-{n}", "seq": 1, "deltas": {"chatgpt.com": 5, "claude.ai": 3}}
    ).encode()
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/add", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "9000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_API_KEY": "bench-key", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
    }  # fmt: skip


def cpu_us_per_request(app: WsgiApp, requests: int, first: int) -> float:
    environs = [environ(first + n) for n in range(requests)]  # built outside the timing
    started = time.process_time()
    for env in environs:
        for _chunk in app(env, lambda *_args: None):
            pass
    return (time.process_time() - started) / requests * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    journal.sync_data = lambda _fd: None  # no flush: CPU only
    # The access log at INFO, as the collector runs, into memory.
    logging.basicConfig(level=logging.INFO, stream=io.StringIO())
    with tempfile.TemporaryDirectory() as tmp:
        collector = create_app(
            {"API_KEY": "bench-key", "STATE_PATH": f"{tmp}/state.json", "SNAP_DIR": f"{tmp}/snap",
             "DB_PATH": f"{tmp}/collector.db", "BUCKET_TIMEZONE": "UTC"}
        )  # fmt: skip
        bare = create_bare_app()
        cpu_us_per_request(bare.wsgi_app, 1000, 10**8)  # warm-up
        cpu_us_per_request(collector.wsgi_app, 1000, 10**8)
        print("| round | bare µs | collector µs | collector's own work µs |")
        print("|---|---|---|---|")
        for rnd in range(1, args.rounds + 1):
            first = rnd * args.requests
            b = cpu_us_per_request(bare.wsgi_app, args.requests, first)
            c = cpu_us_per_request(collector.wsgi_app, args.requests, first)
            print(f"| {rnd} | {b:.1f} | {c:.1f} | {c - b:.1f} |")
        collector.extensions["collector"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
