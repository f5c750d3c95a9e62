"""LLM Usage Collector: a small Flask service that keeps per-host token counts durably.

`create_app` builds an app and opens its state; it starts no thread and installs no signal handler
(the entry point in `server.py` does that), so tests can build as many apps as they like.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

try:
    from flask import Flask
except ModuleNotFoundError as _missing:  # run with a Python that lacks the pinned packages
    if sys.argv and (sys.argv[0] == "-m" or sys.argv[0].endswith("collector.py")):
        raise SystemExit(
            f"collector: this Python ({sys.executable}) lacks the package {_missing.name!r}. "
            "Run `make run` from the project folder (it sets up .venv), or `.venv/bin/python -m "
            "collector`, or install the pins with `pip install -r requirements.txt`."
        ) from None
    raise

from . import (
    add_views,
    admin,
    agents,
    cliproxy,
    dashboard,
    http_errors,
    metrics,
    pricing,
    request_log,
    store,
)
from .config import Settings, load_settings
from .version import __version__

__all__ = ["Settings", "__version__", "create_app"]


def create_app(config: Settings | Mapping[str, str] | None = None) -> Flask:
    """Build the collector app.

    :param config: a `Settings`, or a mapping of the environment variables in the configuration table
        (tests pass a dict), or None to read `os.environ`.
    :raise ConfigError: a setting is missing or malformed.
    """
    if isinstance(config, Settings):
        settings = config
    else:
        settings = load_settings(os.environ if config is None else config)

    app = Flask(__name__)
    app.config.from_mapping(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    settings.state_path.parent.mkdir(parents=True, exist_ok=True)
    settings.snap_dir.mkdir(parents=True, exist_ok=True)

    http_errors.init_app(app)
    app.wsgi_app = request_log.AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    metrics.init_app(app)
    store.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(add_views.bp)
    pricing.init_app(app)
    dashboard.init_app(app)
    cliproxy.init_app(app)
    agents.init_app(app)
    return app
