"""The ceiling for /add: Flask on waitress that parses the same JSON and keeps nothing.

Started the same way as the collector (waitress.create_server, same thread count and connection
limits), so the difference between the two is exactly what the collector does: validation, journal,
state.

With `--durable` it also appends each body to a file and flushes it (one write, one fdatasync)
before answering: the least any stack that promises "a 200 is on disk" must do, so the benchmark
can tell the price of durability on this machine from the price of the collector's own work.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from waitress import create_server

from collector.server import connection_options


def create_bare_app(journal_fd: int | None = None) -> Flask:
    app = Flask(__name__)

    @app.post("/add")
    def add() -> ResponseReturnValue:
        raw = request.get_data()
        body = json.loads(raw)
        if journal_fd is not None:
            os.write(journal_fd, raw + b"\n")
            os.fdatasync(journal_fd)
        return jsonify(ok=True, applied=sum(body["deltas"].values()), last_seq=body["seq"])

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--durable", action="store_true", help="append and flush each body")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # waitress closes on SystemExit
    with tempfile.TemporaryDirectory() as tmp:
        fd = None
        if args.durable:
            fd = os.open(os.path.join(tmp, "journal"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        app = create_bare_app(fd)
        server = create_server(
            app, host="127.0.0.1", port=args.port, threads=args.threads, **connection_options()
        )
        print(f"bare listening on http://127.0.0.1:{server.effective_port}", flush=True)
        server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
