"""The page at / and /dashboard: open (it holds no data), served with a strict CSP, no CDN."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers


@dataclass
class Page:
    status: int
    mimetype: str | None
    headers: Headers
    text: str


def fetch(client: FlaskClient, path: str) -> Page:
    """GET and close the answer (a served file stays open until then)."""
    with client.get(path) as answer:
        return Page(
            answer.status_code, answer.mimetype, answer.headers, answer.get_data(as_text=True)
        )


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_the_page_is_open_and_locked_down(client: FlaskClient, path: str) -> None:
    page = fetch(client, path)
    assert page.status == 200
    assert page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert 'id="key-form"' in page.text and 'id="chart"' in page.text


def test_the_page_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    html = fetch(client, "/").text
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    for path in re.findall(r"(?:src|href)=\"(/dashboard/static/[^\"]+)\"", html):
        # The chart code is copied in by `npm run build`; the page works without it.
        if "/vendor/" in path:
            continue
        assert fetch(client, path).status == 200, path


def test_scripts_are_served_as_javascript(client: FlaskClient) -> None:
    page = fetch(client, "/dashboard/static/js/main.js")
    assert page.status == 200
    assert page.mimetype == "text/javascript"
    assert "import" in page.text


def test_unknown_static_file_is_a_json_404(client: FlaskClient) -> None:
    page = fetch(client, "/dashboard/static/nope.js")
    assert page.status == 404
    assert '"not_found"' in page.text
