"""Validation of /add bodies: a table of bad bodies and the code each must get."""

from __future__ import annotations

from typing import Any

import pytest

from collector.hostnames import normalise_hostname
from collector.http_errors import ApiError
from collector.validation import MAX_DELTA, MAX_SEQ, parse_add

NOW_MS = 1_795_000_000_000
GOOD = {"client_id": "c1", "seq": 1, "deltas": {"chatgpt.com": 3}}


def body(**changes: Any) -> dict[str, Any]:
    merged = dict(GOOD, **changes)
    return {k: v for k, v in merged.items() if v is not ...}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param([1, 2], "body_not_object", id="array"),
        pytest.param("text", "body_not_object", id="string"),
        pytest.param(None, "body_not_object", id="null"),
        pytest.param(body(client_id=...), "missing_client_id", id="no-client"),
        pytest.param(body(client_id=""), "invalid_client_id", id="empty-client"),
        pytest.param(body(client_id="   "), "invalid_client_id", id="blank-client"),
        pytest.param(body(client_id="x" * 129), "invalid_client_id", id="long-client"),
        pytest.param(body(client_id=7), "invalid_client_id", id="number-client"),
        pytest.param(body(client_id="a\nb"), "invalid_client_id", id="control-char-client"),
        pytest.param(body(seq=...), "missing_seq", id="no-seq"),
        pytest.param(body(seq=0), "invalid_seq", id="seq-zero"),
        pytest.param(body(seq=-1), "invalid_seq", id="seq-negative"),
        pytest.param(body(seq=1.0), "invalid_seq", id="seq-float"),
        pytest.param(body(seq=True), "invalid_seq", id="seq-bool"),
        pytest.param(body(seq="1"), "invalid_seq", id="seq-string"),
        pytest.param(body(seq=MAX_SEQ + 1), "invalid_seq", id="seq-too-big"),
        pytest.param(body(deltas=...), "missing_deltas", id="no-deltas"),
        pytest.param(body(deltas=[1]), "invalid_deltas", id="deltas-array"),
        pytest.param(body(deltas=None), "invalid_deltas", id="deltas-null"),
        pytest.param(body(deltas={"": 1}), "invalid_host", id="host-empty"),
        pytest.param(body(deltas={"a b.com": 1}), "invalid_host", id="host-space"),
        pytest.param(body(deltas={"https://x.com": 1}), "invalid_host", id="host-url"),
        pytest.param(body(deltas={"a" * 64 + ".com": 1}), "invalid_host", id="label-too-long"),
        pytest.param(body(deltas={("a" * 60 + ".") * 5: 1}), "invalid_host", id="host-too-long"),
        pytest.param(body(deltas={"x.com": -1}), "invalid_count", id="count-negative"),
        pytest.param(body(deltas={"x.com": 1.5}), "invalid_count", id="count-float"),
        pytest.param(body(deltas={"x.com": True}), "invalid_count", id="count-bool"),
        pytest.param(body(deltas={"x.com": "5"}), "invalid_count", id="count-string"),
        pytest.param(body(deltas={"x.com": MAX_DELTA + 1}), "invalid_count", id="count-absurd"),
        pytest.param(
            body(deltas={"X.com": MAX_DELTA, "x.com": 1}), "invalid_count", id="count-absurd-merged"
        ),
        pytest.param(
            body(deltas={f"h{i}.com": 1 for i in range(257)}), "too_many_hosts", id="too-many-hosts"
        ),
        pytest.param(body(ts="now"), "invalid_ts", id="ts-string"),
        pytest.param(body(ts=1.5e12), "invalid_ts", id="ts-float"),
        pytest.param(body(ts=True), "invalid_ts", id="ts-bool"),
        pytest.param(body(ts=1000), "ts_out_of_range", id="ts-1970"),
        pytest.param(body(ts=NOW_MS + 3 * 86_400_000), "ts_out_of_range", id="ts-future"),
    ],
)
def test_bad_bodies_get_their_code(payload: Any, code: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_add(payload, max_hosts=256, now_ms=NOW_MS)
    assert caught.value.code == code
    assert caught.value.detail


def test_good_body_is_normalised() -> None:
    parsed = parse_add(
        body(deltas={"ChatGPT.com": 2, "chatgpt.com.": 3, "claude.ai:443": 0}, ts=NOW_MS),
        max_hosts=256,
        now_ms=NOW_MS,
    )
    assert parsed.deltas == {"chatgpt.com": 5, "claude.ai": 0}
    assert (parsed.client_id, parsed.seq, parsed.ts_ms) == ("c1", 1, NOW_MS)


def test_empty_deltas_and_null_ts_are_accepted() -> None:
    parsed = parse_add(body(deltas={}, ts=None), max_hosts=256, now_ms=NOW_MS)
    assert parsed.deltas == {} and parsed.ts_ms is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ChatGPT.com", "chatgpt.com"),
        ("chatgpt.com.", "chatgpt.com"),
        ("CHAT.OPENAI.COM:443", "chat.openai.com"),
        ("  claude.ai ", "claude.ai"),
        ("localhost", "localhost"),
        ("127.0.0.1:9000", "127.0.0.1"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("", None),
        (".", None),
        ("a..b", None),
        ("-bad.com", None),
        ("bad-.com", None),
        ("exa mple.com", None),
        ("[::1]", None),
    ],
)
def test_normalise_hostname(raw: str, expected: str | None) -> None:
    assert normalise_hostname(raw) == expected
