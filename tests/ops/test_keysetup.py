"""The set-up step: one key, kept on re-runs, stored 0600, copied into the extension's config."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from collector import keysetup

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def run(tmp_path: Path, *extra: str) -> int:
    return keysetup.main(
        [
            "--non-interactive",
            "--env-file",
            str(tmp_path / ".env"),
            "--extension-config",
            str(tmp_path / "ext" / "config.local.json"),
            *extra,
        ],
        environ={},
    )


def env_key(tmp_path: Path) -> str:
    lines = (tmp_path / ".env").read_text().splitlines()
    return keysetup.read_setting(lines, keysetup._KEY_LINE)


def test_creates_key_and_extension_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path) == 0
    key = env_key(tmp_path)
    assert len(key) >= 40
    assert mode(tmp_path / ".env") == "0o600"
    config_path = tmp_path / "ext" / "config.local.json"
    assert json.loads(config_path.read_text()) == {
        "collectorUrl": "http://127.0.0.1:9000",
        "apiKey": key,
    }
    assert mode(config_path) == "0o600"
    out = capsys.readouterr().out
    assert str(tmp_path / ".env") in out
    assert key not in out


def test_rerun_keeps_the_key(tmp_path: Path) -> None:
    assert run(tmp_path) == 0
    first = env_key(tmp_path)
    assert run(tmp_path) == 0
    assert env_key(tmp_path) == first
    assert json.loads((tmp_path / "ext" / "config.local.json").read_text())["apiKey"] == first


def test_keeps_other_lines_and_fixes_a_loose_mode(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# mine\nBUCKET_TIMEZONE=Europe/Berlin\nAPI_KEY=\nPORT=9100\n")
    env.chmod(0o644)
    assert run(tmp_path) == 0
    lines = env.read_text().splitlines()
    assert lines[:2] == ["# mine", "BUCKET_TIMEZONE=Europe/Berlin"]
    assert lines[2].startswith("API_KEY=") and len(lines[2]) > 40
    assert lines[3] == "PORT=9100"
    assert mode(env) == "0o600"
    config = json.loads((tmp_path / "ext" / "config.local.json").read_text())
    assert config["collectorUrl"] == "http://127.0.0.1:9100"


def test_existing_quoted_key_is_kept_and_mode_fixed(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('export API_KEY="my-own-key"\n')
    env.chmod(0o664)
    assert run(tmp_path, "--url", "http://127.0.0.1:9555") == 0
    assert env.read_text() == 'export API_KEY="my-own-key"\n'
    assert mode(env) == "0o600"
    config = json.loads((tmp_path / "ext" / "config.local.json").read_text())
    assert config == {"collectorUrl": "http://127.0.0.1:9555", "apiKey": "my-own-key"}


def test_show_key_prints_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".env").write_text("API_KEY=abc123\n")
    assert run(tmp_path, "--show-key") == 0
    assert "API_KEY=abc123" in capsys.readouterr().out


def test_extension_config_keeps_other_fields(tmp_path: Path) -> None:
    config_path = tmp_path / "ext" / "config.local.json"
    config_path.parent.mkdir()
    config_path.write_text('{"apiKey": "old", "debug": true}')
    (tmp_path / ".env").write_text("API_KEY=new\n")
    assert run(tmp_path) == 0
    assert json.loads(config_path.read_text()) == {
        "apiKey": "new",
        "debug": True,
        "collectorUrl": "http://127.0.0.1:9000",
    }


def test_unwritable_folder_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = keysetup.main(
        [
            "--non-interactive",
            "--env-file",
            str(blocker / ".env"),
            "--extension-config",
            str(tmp_path / "c.json"),
        ],
        environ={},
    )
    assert code == 1
    assert "keysetup: cannot write" in capsys.readouterr().err


def test_runs_as_a_plain_script_without_packages(tmp_path: Path) -> None:
    """up.sh runs it with the system python3, before any package is installed."""
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-I",
            str(REPO / "collector" / "keysetup.py"),
            "--non-interactive",
            "--env-file",
            str(tmp_path / ".env"),
            "--extension-config",
            str(tmp_path / "c.json"),
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / ".env") == "0o600"
    assert json.loads((tmp_path / "c.json").read_text())["apiKey"] == env_key(tmp_path)


def test_env_file_variable_is_the_default(tmp_path: Path) -> None:
    """Like `python -m collector`, the set-up step uses $ENV_FILE when no --env-file is given."""
    target = tmp_path / "elsewhere.env"
    code = keysetup.main(
        ["--non-interactive", "--extension-config", str(tmp_path / "c.json")],
        environ={"ENV_FILE": str(target)},
    )
    assert code == 0
    assert keysetup.stored_key(target)
    assert json.loads((tmp_path / "c.json").read_text())["apiKey"] == keysetup.stored_key(target)


def test_environment_key_wins_for_the_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("API_KEY=file-key\n")
    code = keysetup.main(
        [
            "--non-interactive",
            "--env-file",
            str(tmp_path / ".env"),
            "--extension-config",
            str(tmp_path / "c.json"),
        ],
        environ={"API_KEY": "env-key"},
    )
    assert code == 0
    assert json.loads((tmp_path / "c.json").read_text())["apiKey"] == "env-key"
    assert "wins over" in capsys.readouterr().out


def test_interactive_mode_asks_before_creating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["n", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    argv = ["--env-file", str(tmp_path / ".env"), "--extension-config", str(tmp_path / "c.json")]
    assert keysetup.main(argv, environ={}) == 1
    assert not (tmp_path / ".env").exists()
    assert "no key created" in capsys.readouterr().err
    assert keysetup.main(argv, environ={}) == 0
    assert keysetup.stored_key(tmp_path / ".env")


def test_crlf_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"API_KEY=abc\r\nPORT=9200\r\n")
    assert run(tmp_path) == 0
    config = json.loads((tmp_path / "ext" / "config.local.json").read_text())
    assert config == {"collectorUrl": "http://127.0.0.1:9200", "apiKey": "abc"}
