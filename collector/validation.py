"""Validation of `/add` bodies: every rule of the design, each failure a short code and a detail.

Nothing here touches state, so a rejected body changes nothing, `last_seq` included.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection
from typing import Any

from .hostnames import normalise_hostname
from .http_errors import ApiError, shown
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

    def hosts(self) -> Collection[str]:
        """Every host the batch names: the data folder keeps a bounded number of them. (`usage`
        hosts are among the deltas' hosts: `parse_usage` refuses any other.)"""
        return {*self.deltas, *self.unparsed} if self.unparsed else self.deltas.keys()


def invalid(code: str, detail: str) -> ApiError:
    """A body broke a rule: 400 with the short `code`; `detail` says what and where."""
    return ApiError(400, code, detail)


def _is_int(value: Any) -> bool:
    # bool is a subclass of int in Python; JSON true is not a number.
    return isinstance(value, int) and not isinstance(value, bool)


def _client_id(body: dict[str, Any]) -> str:
    if "client_id" not in body:
        raise invalid("missing_client_id", "client_id is required")
    return check_client_id(body["client_id"])


def check_client_id(value: Any) -> str:
    """The rules for a client id, the same for `/add` and `/client_status`.

    :raise ApiError: 400 naming the rule broken.
    """
    if not isinstance(value, str) or not value.strip():
        raise invalid("invalid_client_id", "client_id must be a non-empty string")
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise invalid("invalid_client_id", f"client_id is longer than {MAX_CLIENT_ID_LENGTH}")
    if not value.isprintable():
        raise invalid("invalid_client_id", "client_id has control characters")
    return value


def _seq(body: dict[str, Any]) -> int:
    if "seq" not in body:
        raise invalid("missing_seq", "seq is required")
    value = body["seq"]
    if not _is_int(value) or not 1 <= value <= MAX_SEQ:
        raise invalid(
            "invalid_seq", f"seq must be an integer from 1 to {MAX_SEQ}, got {shown(value)}"
        )
    return int(value)


def _deltas(body: dict[str, Any], max_hosts: int) -> dict[str, int]:
    if "deltas" not in body:
        raise invalid("missing_deltas", "deltas is required")
    raw = body["deltas"]
    if not isinstance(raw, dict):
        raise invalid("invalid_deltas", "deltas must be an object of hostname to token count")
    if len(raw) > max_hosts:
        raise invalid("too_many_hosts", f"deltas has {len(raw)} hosts, the limit is {max_hosts}")
    deltas: dict[str, int] = {}
    for key, value in raw.items():
        host = normalise_hostname(key)
        if host is None:
            raise invalid("invalid_host", f"deltas key {key[:80]!r} is not a hostname")
        if not _is_int(value) or not 0 <= value <= MAX_DELTA:
            raise invalid(
                "invalid_count",
                f"deltas[{key[:80]!r}] must be an integer from 0 to {MAX_DELTA}, got {shown(value)}",
            )
        deltas[host] = deltas.get(host, 0) + value
    if any(total > MAX_DELTA for total in deltas.values()):
        raise invalid("invalid_count", f"a host's total in one batch is over {MAX_DELTA}")
    return deltas


def _ts(body: dict[str, Any], now_ms: int) -> int | None:
    if body.get("ts") is None:
        return None
    value = body["ts"]
    if not _is_int(value):
        raise invalid("invalid_ts", f"ts must be an integer of milliseconds, got {shown(value)}")
    if not EARLIEST_TS_MS <= value <= now_ms + FUTURE_SLACK_MS:
        raise invalid(
            "ts_out_of_range", f"ts {shown(value)} is before 2000 or more than 2 days ahead"
        )
    return int(value)


def parse_add(body: Any, max_hosts: int, now_ms: int | None = None) -> AddRequest:
    """Check an `/add` body already decoded from JSON.

    :raise ApiError: 400, the first rule the body breaks.
    """
    if not isinstance(body, dict):
        raise invalid("body_not_object", "the body must be a JSON object")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    client_id, seq = _client_id(body), _seq(body)
    deltas = _deltas(body, max_hosts)
    ts_ms = _ts(body, now)
    usage, unparsed = body.get("usage"), body.get("unparsed")
    if usage is None and unparsed is None:
        return AddRequest(client_id, seq, deltas, ts_ms)  # the original extension's body
    return AddRequest(
        client_id,
        seq,
        deltas,
        ts_ms,
        parse_usage(usage, deltas),
        parse_unparsed(unparsed, max_hosts) if unparsed is not None else {},
    )
