"""Day bucketing by timestamp in the bucket zone, across zones and DST changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collector.days import day_of


def ms(text: str, zone: str = "UTC") -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


@pytest.mark.parametrize(
    ("instant_utc", "zone", "day"),
    [
        ("2026-11-24T23:30:00", "UTC", "2026-11-24"),
        ("2026-11-24T23:30:00", "Europe/Berlin", "2026-11-25"),  # 00:30 local
        ("2026-11-25T04:59:00", "America/New_York", "2026-11-24"),  # 23:59 local
        ("2026-11-25T05:00:00", "America/New_York", "2026-11-25"),
        ("2026-11-24T15:00:00", "Pacific/Kiritimati", "2026-11-25"),  # UTC+14
        ("2026-11-25T10:59:00", "Pacific/Pago_Pago", "2026-11-24"),  # UTC-11
    ],
)
def test_day_in_zone(instant_utc: str, zone: str, day: str) -> None:
    assert day_of(ms(instant_utc), zone) == day


def test_dst_spring_forward_day_has_23_hours() -> None:
    # Europe/Berlin moved clocks from 02:00 to 03:00 on 2026-03-29.
    zone = "Europe/Berlin"
    start = ms("2026-03-29T00:00:00", zone)
    end = ms("2026-03-30T00:00:00", zone)
    assert (end - start) / 3_600_000 == 23
    assert day_of(start, zone) == "2026-03-29"
    assert day_of(end - 1, zone) == "2026-03-29"
    assert day_of(end, zone) == "2026-03-30"


def test_dst_fall_back_day_has_25_hours() -> None:
    # America/New_York moved clocks from 02:00 back to 01:00 on 2026-11-01.
    zone = "America/New_York"
    start = ms("2026-11-01T00:00:00", zone)
    end = ms("2026-11-02T00:00:00", zone)
    assert (end - start) / 3_600_000 == 25
    both_one_oclocks = [ms("2026-11-01T05:30:00"), ms("2026-11-01T06:30:00")]
    assert [day_of(t, zone) for t in both_one_oclocks] == ["2026-11-01", "2026-11-01"]
    assert day_of(end - 1, zone) == "2026-11-01"
