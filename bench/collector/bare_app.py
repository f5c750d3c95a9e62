"""The ceiling for /add: Flask on waitress that parses the same JSON and keeps nothing.

Started the same way as the collector (waitress.create_server, same thread count), so the
difference between the two is exactly what the collector does: validation, journal, state.
"""

from __future__ import annotations

import json
import sys

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from waitress import create_server


def create_bare_app() -> Flask:
    app = Flask(__name__)

    @app.post("/add")
    def add() -> ResponseReturnValue:
        body = json.loads(request.get_data())
        return jsonify(ok=True, applied=sum(body["deltas"].values()), last_seq=body["seq"])

    return app


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 0
    server = create_server(create_bare_app(), host="127.0.0.1", port=port, threads=8)
    print(f"bare listening on http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
