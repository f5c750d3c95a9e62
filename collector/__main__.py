"""`python -m collector`: load `.env`, bind the port, take the data folder, serve.

The order is the contract of start-up: the port is bound before any state is touched (a busy port
changes no file), and the folder lock is taken before anything is read. Every failure on the way is
one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import load_dotenv

from . import create_app, logs
from .config import load_settings
from .errors import CollectorError
from .fsio import restrict_to_owner
from .listen import bind


def fail(message: str, code: int = 1) -> int:
    print(f"collector: {message}", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    del argv  # no options: everything is configured by the environment or .env
    # The environment wins over .env (load_dotenv never overrides what is set).
    load_dotenv(Path(os.environ.get("ENV_FILE", ".env")), override=False)
    try:
        settings = load_settings(os.environ)
    except CollectorError as exc:
        return fail(str(exc), 2)
    logs.configure(settings.log_level)
    # Files this process creates (state, journal, snapshots, CSV, collector.db) are the owner's only.
    os.umask(0o077)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        return fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
    try:
        app = create_app(settings)
    except CollectorError as exc:
        sock.close()
        return fail(str(exc))
    except OSError as exc:
        sock.close()
        return fail(f"cannot open the data folder: {exc}")
    restrict_to_owner(settings.data_files())
    from .server import serve

    return serve(app, sock)


if __name__ == "__main__":
    sys.exit(main())
