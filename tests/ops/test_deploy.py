"""launchd and systemd files: templates fill in to valid files pointing at this checkout."""

from __future__ import annotations

import configparser
import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SYSTEMD_UNITS = [
    "llm-usage-collector-reset.service",
    "llm-usage-collector-reset.timer",
    "llm-usage-collector.service",
]


def run_installer(
    script: str, home: Path, *args: str, env: dict[str, str] | None = None, repo: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(repo / "deploy" / script), *args],
        env={"HOME": str(home), "PATH": os.environ["PATH"], **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def install(script: str, dest: Path, home: Path, repo: Path = REPO) -> str:
    result = run_installer(
        script, home, "--with-collector", "--dry-run", "--dest", str(dest), repo=repo
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "deploy/launchd").glob("*.in")))
def test_plist_templates_are_valid_plists(name: str) -> None:
    plistlib.loads((REPO / "deploy/launchd" / name).read_bytes())


def test_launchd_install_fills_in_this_checkout(tmp_path: Path) -> None:
    out = install("install_launchd.sh", tmp_path / "agents", tmp_path)
    assert "launchctl bootstrap gui/" in out
    reset = plistlib.loads((tmp_path / "agents/com.llm-usage-collector.reset.plist").read_bytes())
    assert reset["Label"] == "com.llm-usage-collector.reset"
    assert reset["ProgramArguments"] == ["/bin/bash", str(REPO / "reset_collector.sh")]
    assert reset["StartCalendarInterval"] == {"Hour": 0, "Minute": 0}
    assert reset["RunAtLoad"] is True
    env = reset["EnvironmentVariables"]
    assert env["RESET_ENV_FILE"] == str(REPO / ".env")
    for tool in ("RESET_CURL", "RESET_PYTHON"):
        assert os.path.isabs(env[tool]) and os.access(env[tool], os.X_OK), env[tool]
    collector = plistlib.loads((tmp_path / "agents/com.llm-usage-collector.plist").read_bytes())
    assert collector["ProgramArguments"] == [str(REPO / ".venv/bin/python"), "-m", "collector"]
    assert collector["WorkingDirectory"] == str(REPO)
    assert collector["EnvironmentVariables"] == {"ENV_FILE": str(REPO / ".env")}


def test_launchd_install_escapes_odd_paths(tmp_path: Path) -> None:
    repo = tmp_path / "a & <b> folder"
    shutil.copytree(REPO / "deploy", repo / "deploy")
    (repo / ".venv/bin").mkdir(parents=True)
    (repo / ".venv/bin/python").symlink_to(REPO / ".venv/bin/python")
    install("install_launchd.sh", tmp_path / "agents", tmp_path, repo)
    reset = plistlib.loads((tmp_path / "agents/com.llm-usage-collector.reset.plist").read_bytes())
    assert reset["ProgramArguments"][1] == f"{repo}/reset_collector.sh"


def render_systemd(tmp_path: Path) -> Path:
    dest = tmp_path / "units"
    out = install("install_systemd.sh", dest, tmp_path)
    assert "systemctl --user enable --now llm-usage-collector-reset.timer" in out
    return dest


def read_unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_systemd_units_parse(tmp_path: Path) -> None:
    """A parser check that runs everywhere: sections, the schedule and absolute paths."""
    dest = render_systemd(tmp_path)
    timer = read_unit(dest / "llm-usage-collector-reset.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 00:00:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "llm-usage-collector-reset.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = read_unit(dest / "llm-usage-collector-reset.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"] == f'/bin/bash "{REPO}/reset_collector.sh"'
    collector = read_unit(dest / "llm-usage-collector.service")
    assert collector["Service"]["WorkingDirectory"] == str(REPO)
    assert collector["Service"]["Environment"] == f'"ENV_FILE={REPO}/.env"'
    for unit in SYSTEMD_UNITS:
        assert "@" not in (dest / unit).read_text().replace("@...@", "")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    dest = render_systemd(tmp_path)
    runtime = tmp_path / "runtime"  # `--user` needs a runtime folder even to verify
    runtime.mkdir(mode=0o700)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--user", *(str(dest / u) for u in SYSTEMD_UNITS)],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # unknown keys are only warnings


def test_env_file_outside_the_tree_reaches_both_units(tmp_path: Path) -> None:
    dest = tmp_path / "units"
    secrets = tmp_path / "secrets.env"
    result = run_installer(
        "install_systemd.sh", tmp_path, "--with-collector", "--dry-run", "--dest", str(dest),
        env={"ENV_FILE": str(secrets)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f'"RESET_ENV_FILE={secrets}"' in (dest / "llm-usage-collector-reset.service").read_text()
    assert f'"ENV_FILE={secrets}"' in (dest / "llm-usage-collector.service").read_text()


@pytest.mark.parametrize(
    ("script", "names"),
    [
        pytest.param(
            "install_launchd.sh",
            ["com.llm-usage-collector.reset.plist", "com.llm-usage-collector.plist"],
            id="launchd",
        ),
        pytest.param("install_systemd.sh", SYSTEMD_UNITS, id="systemd"),
    ],
)
def test_uninstall_removes_what_install_wrote(
    script: str, names: list[str], tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    install(script, dest, tmp_path)
    assert sorted(p.name for p in dest.iterdir()) == sorted(names)
    result = run_installer(script, tmp_path, "--uninstall", "--dry-run", "--dest", str(dest))
    assert result.returncode == 0, result.stderr
    assert list(dest.iterdir()) == []
