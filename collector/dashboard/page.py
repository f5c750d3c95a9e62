"""The dashboard page at `/` and `/dashboard`, and its static files.

The page holds no data (it asks for the key and then calls the keyed JSON endpoints), so it is open.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint(
    "dashboard", __name__, static_folder=str(STATIC_DIR), static_url_path="/dashboard/static"
)

# Everything the page loads comes from this collector: no CDN, no inline script.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.get("/")
@bp.get("/dashboard")
def index() -> ResponseReturnValue:
    response = send_from_directory(STATIC_DIR, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
