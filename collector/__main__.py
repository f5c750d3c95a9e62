"""`python -m collector`: load `.env`, configure logging, build the app and serve it."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

from . import create_app, logs
from .config import load_settings
from .errors import CollectorError


def main(argv: list[str] | None = None) -> int:
    del argv  # no options: everything is configured by the environment or .env
    # The environment wins over .env (load_dotenv never overrides what is set).
    load_dotenv(Path(os.environ.get("ENV_FILE", ".env")), override=False)
    try:
        settings = load_settings(os.environ)
    except CollectorError as exc:
        print(f"collector: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    try:
        app = create_app(settings)
    except CollectorError as exc:
        logging.getLogger("collector").critical("%s", exc)
        return 1
    from .server import serve

    return serve(app)


if __name__ == "__main__":
    sys.exit(main())
