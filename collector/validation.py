"""Validation of `/add` bodies: every rule of the design, each failure a short code and a detail.

Nothing here touches state, so a rejected body changes nothing, `last_seq` included.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from .hostnames import normalise_hostname
from .usage_detail import UsageRow, parse_unparsed, parse_usage

MAX_CLIENT_ID_LENGTH = 128
MAX_SEQ = 2**53 - 1  # the largest integer a JavaScript client can hold exactly
MAX_DELTA = 1_000_000_000  # tokens in one batch from one host; more is a bug, not usage
EARLIEST_TS_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
FUTURE_SLACK_MS = 2 * 86_400_000  # clocks drift; a batch dated two days ahead is not a clock


@dataclasses.dataclass(frozen=True)
class AddRequest:
    client_id: str
    seq: int
    deltas: dict[str, int]
    ts_ms: int | None
    # The optional detail (design.md "POST /add: the optional usage detail"); empty when absent.
    usage: tuple[UsageRow, ...] = ()
    unparsed: dict[str, int] = dataclasses.field(default_factory=dict)


class Invalid(Exception):
    """A body broke a rule: `code` is the short error, `detail` says what and where."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _is_int(value: Any) -> bool:
    # bool is a subclass of int in Python; JSON true is not a number.
    return isinstance(value, int) and not isinstance(value, bool)


def _client_id(body: dict[str, Any]) -> str:
    if "client_id" not in body:
        raise Invalid("missing_client_id", "client_id is required")
    value = body["client_id"]
    if not isinstance(value, str) or not value.strip():
        raise Invalid("invalid_client_id", "client_id must be a non-empty string")
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise Invalid("invalid_client_id", f"client_id is longer than {MAX_CLIENT_ID_LENGTH}")
    if not value.isprintable():
        raise Invalid("invalid_client_id", "client_id has control characters")
    return value


def _seq(body: dict[str, Any]) -> int:
    if "seq" not in body:
        raise Invalid("missing_seq", "seq is required")
    value = body["seq"]
    if not _is_int(value) or not 1 <= value <= MAX_SEQ:
        raise Invalid("invalid_seq", f"seq must be an integer from 1 to {MAX_SEQ}, got {value!r}")
    return int(value)


def _deltas(body: dict[str, Any], max_hosts: int) -> dict[str, int]:
    if "deltas" not in body:
        raise Invalid("missing_deltas", "deltas is required")
    raw = body["deltas"]
    if not isinstance(raw, dict):
        raise Invalid("invalid_deltas", "deltas must be an object of hostname to token count")
    if len(raw) > max_hosts:
        raise Invalid("too_many_hosts", f"deltas has {len(raw)} hosts, the limit is {max_hosts}")
    deltas: dict[str, int] = {}
    for key, value in raw.items():
        host = normalise_hostname(key)
        if host is None:
            raise Invalid("invalid_host", f"deltas key {key[:80]!r} is not a hostname")
        if not _is_int(value) or not 0 <= value <= MAX_DELTA:
            raise Invalid(
                "invalid_count",
                f"deltas[{key[:80]!r}] must be an integer from 0 to {MAX_DELTA}, got {value!r}",
            )
        deltas[host] = deltas.get(host, 0) + value
    if any(total > MAX_DELTA for total in deltas.values()):
        raise Invalid("invalid_count", f"a host's total in one batch is over {MAX_DELTA}")
    return deltas


def _ts(body: dict[str, Any], now_ms: int) -> int | None:
    if body.get("ts") is None:
        return None
    value = body["ts"]
    if not _is_int(value):
        raise Invalid("invalid_ts", f"ts must be an integer of milliseconds, got {value!r}")
    if not EARLIEST_TS_MS <= value <= now_ms + FUTURE_SLACK_MS:
        raise Invalid("ts_out_of_range", f"ts {value} is before 2000 or more than 2 days ahead")
    return int(value)


def parse_add(body: Any, max_hosts: int, now_ms: int | None = None) -> AddRequest:
    """Check an `/add` body already decoded from JSON.

    :raise Invalid: the first rule the body breaks.
    """
    if not isinstance(body, dict):
        raise Invalid("body_not_object", "the body must be a JSON object")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    client_id, seq = _client_id(body), _seq(body)
    deltas = _deltas(body, max_hosts)
    ts_ms = _ts(body, now)
    if body.get("usage") is None and body.get("unparsed") is None:
        return AddRequest(client_id, seq, deltas, ts_ms)  # the original extension's body
    return AddRequest(
        client_id,
        seq,
        deltas,
        ts_ms,
        usage=parse_usage(body.get("usage"), deltas),
        unparsed=parse_unparsed(body.get("unparsed"), max_hosts),
    )
