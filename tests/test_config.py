"""The configuration table: converters, defaults, relative paths, and failing closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.config import asbool, asport, aszone, load_settings
from collector.errors import ConfigError


class TestAsbool:
    @pytest.mark.parametrize("text", ["1", "true", "Yes", " ON "])
    def test_true(self, text: str) -> None:
        assert asbool(text) is True

    @pytest.mark.parametrize("text", ["0", "false", "No", "off", ""])
    def test_false(self, text: str) -> None:
        assert asbool(text) is False

    def test_other(self) -> None:
        with pytest.raises(ValueError, match="boolean"):
            asbool("maybe")


def test_asport_range() -> None:
    assert asport("0") == 0 and asport("65535") == 65535
    with pytest.raises(ValueError):
        asport("70000")


def test_aszone() -> None:
    assert aszone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(ValueError, match="Mars/Olympus"):
        aszone("Mars/Olympus")


def test_missing_key_fails_closed_with_how_to() -> None:
    with pytest.raises(ConfigError, match=r"API_KEY is not set.*keysetup"):
        load_settings({})
    with pytest.raises(ConfigError, match="API_KEY"):
        load_settings({"API_KEY": "   "})


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    settings = load_settings({"API_KEY": "k", "STATE_PATH": "data/s.json"}, base_dir=tmp_path)
    assert (settings.host, settings.port) == ("127.0.0.1", 9000)
    assert settings.state_path == tmp_path / "data" / "s.json"
    assert settings.journal_path == tmp_path / "data" / "s.json.journal"
    assert settings.snap_dir == tmp_path / "snapshots"
    assert settings.db_path == tmp_path / "data" / "collector.db"
    assert settings.max_body_bytes == 1024 * 1024
    assert not settings.cliproxy_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("BUCKET_TIMEZONE", "Nowhere/Town"),
        ("LOG_LEVEL", "LOUD"),
        ("THREADS", "0"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}: "):
        load_settings({"API_KEY": "k", name: value})


@pytest.mark.parametrize(
    ("env", "zone"),
    [
        ({"TIMEZONE_OFFSET_HOURS": "7"}, "Etc/GMT-7"),
        ({"TIMEZONE_OFFSET_HOURS": "-5"}, "Etc/GMT+5"),
        ({"TIMEZONE_OFFSET_HOURS": "0"}, "UTC"),
        ({"TIMEZONE_OFFSET_HOURS": "7", "CLIPROXY_TIMEZONE": "Asia/Bangkok"}, "Asia/Bangkok"),
    ],
)
def test_cliproxy_zone_from_offset_or_name(env: dict[str, str], zone: str) -> None:
    assert load_settings({"API_KEY": "k", **env}).cliproxy_timezone == zone


def test_fractional_offset_asks_for_a_zone_name() -> None:
    with pytest.raises(ConfigError, match="CLIPROXY_TIMEZONE"):
        load_settings({"API_KEY": "k", "TIMEZONE_OFFSET_HOURS": "5.5"})


def test_cliproxy_enabled_needs_both() -> None:
    assert not load_settings({"API_KEY": "k", "CLIPROXY_URL": "http://x"}).cliproxy_enabled
    both = {"API_KEY": "k", "CLIPROXY_URL": "http://x", "CLIPROXY_MANAGEMENT_KEY": "m"}
    assert load_settings(both).cliproxy_enabled
