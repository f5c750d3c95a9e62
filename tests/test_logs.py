"""The access log line and the buffered handler that carries it."""

from __future__ import annotations

import io
import logging

import pytest
from flask.testing import FlaskClient

from collector.logs import BufferedAccessHandler
from collector.request_log import ACCESS_LOGGER
from tests.conftest import API_KEY


def test_one_line_per_request_with_status_and_no_secrets(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    body = {"client_id": "c", "seq": 1, "deltas": {"a.com": 1}}
    client.post("/add", json=body, headers={"X-API-KEY": API_KEY})
    client.get("/counters")  # no key: 401
    client.get("/line%0Aforged%20INFO%20line")
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 3
    assert lines[0].startswith("POST /add 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /counters 401 ")
    assert lines[2].startswith("GET /line\\nforged INFO line 404 ")  # a newline cannot forge a line
    assert all(API_KEY not in line for line in lines)


def test_access_lines_wait_for_a_flush_other_records_do_not() -> None:
    stream = io.StringIO()
    buffered = io.TextIOWrapper(io.BufferedWriter(_Sink(stream), buffer_size=4096), "utf-8")
    handler = BufferedAccessHandler(buffered)
    access = logging.makeLogRecord({"name": ACCESS_LOGGER, "msg": "POST /add 200 1.0ms"})
    handler.handle(access)
    assert stream.getvalue() == ""
    handler.handle(logging.makeLogRecord({"name": "collector.store", "msg": "disk trouble"}))
    assert stream.getvalue() == "POST /add 200 1.0ms\ndisk trouble\n"  # in order, at once
    handler.handle(access)
    handler.flush()
    assert stream.getvalue().endswith("disk trouble\nPOST /add 200 1.0ms\n")


class _Sink(io.RawIOBase):
    """A raw stream that decodes what reaches it into a StringIO, so the test sees each flush."""

    def __init__(self, target: io.StringIO) -> None:
        self.target = target

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.target.write(bytes(data).decode())
        return len(data)
