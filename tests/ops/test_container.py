"""llm_collector_container/: Dockerfile lint and facts, the compose file's structure, the image's
command line run on the host, and up.sh/update.sh driven against a real collector.

Docker cannot run on the machines these tests run on, so the image itself is never built here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.ops import compose_subset
from tests.support.collector_proc import CollectorProcess

REPO = Path(__file__).resolve().parents[2]

CONTAINER = REPO / "llm_collector_container"
DOCKERFILE = CONTAINER / "Dockerfile"
LISTENING = re.compile(r"collector listening on http://[\d.]+:(\d+)")


def final_stage() -> list[str]:
    """The Dockerfile's instructions after the last FROM, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    last_from = max(i for i, ln in enumerate(lines) if ln.startswith("FROM "))
    return lines[last_from:]


def instruction(name: str) -> list[str]:
    return [ln[len(name) + 1 :] for ln in final_stage() if ln.startswith(name + " ")]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in instruction("ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def test_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_facts() -> None:
    froms = re.findall(r"^FROM (\S+)", DOCKERFILE.read_text(), re.M)
    assert froms == ["node:20.19.5-bookworm-slim", "python:3.11.14-slim-bookworm"]
    user = instruction("USER")
    assert user and not user[-1].startswith(("0", "root"))
    assert any("pip install --no-cache-dir -r requirements.txt" in r for r in instruction("RUN"))
    assert re.search(r"^tzdata==\S+$", (REPO / "requirements.txt").read_text(), re.M)
    assert instruction("HEALTHCHECK") and "/health" in instruction("HEALTHCHECK")[0]
    assert json.loads(instruction("CMD")[0]) == ["python", "-m", "collector"]
    env = image_env()
    assert env["HOST"] == "0.0.0.0" and env["PORT"] == "9000"
    assert all(env[k].startswith("/data/") for k in ("STATE_PATH", "SNAP_DIR", "DB_PATH"))


def test_dockerignore_keeps_secrets_out() -> None:
    rules = (CONTAINER / "Dockerfile.dockerignore").read_text().splitlines()
    assert rules[rules.index("*") + 1 :].count("!.env") == 0
    assert "*" in rules  # deny by default; .env, state and extension/config.local.json stay out


def compose() -> dict[str, Any]:
    return compose_subset.parse((CONTAINER / "docker-compose.yml").read_text())


def test_compose_structure() -> None:
    service = compose()["services"]["collector"]
    assert service["restart"] == "unless-stopped"
    assert service["ports"] == ["127.0.0.1:${COLLECTOR_PORT:-9000}:9000"]
    assert service["build"] == {
        "context": "..",
        "dockerfile": "llm_collector_container/Dockerfile",
    }
    assert (CONTAINER / ".." / service["build"]["dockerfile"]).exists()
    # data: one mounted folder, from a variable that must be set (up.sh refuses the source tree)
    [volume] = service["volumes"]
    host, _, target = volume.rpartition(":")
    assert target == "/data" and host.startswith("${COLLECTOR_DATA_DIR:?")
    # the key: an env file that git ignores
    assert service["env_file"] == ["${COLLECTOR_ENV_FILE:-../.env}"]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=REPO, check=False, timeout=30
    )
    assert ignored.returncode == 0
    # the service's paths agree with the image's
    env = service["environment"]
    image = image_env()
    for key in ("HOST", "PORT", "STATE_PATH", "SNAP_DIR", "DB_PATH"):
        assert env[key] == image[key], key


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: &x 1\n", id="anchor"),
        pytest.param("a: {b: 1}\n", id="flow-mapping"),
        pytest.param("a: |\n  x\n", id="block-scalar"),
        pytest.param("a:\n\tb: 1\n", id="tab"),
        pytest.param("a: 1 # note\n", id="trailing-comment"),
        pytest.param("a:\n", id="no-value"),
        pytest.param("a: 1\na: 2\n", id="duplicate"),
    ],
)
def test_compose_reader_refuses_what_it_does_not_check(text: str) -> None:
    with pytest.raises(compose_subset.SubsetError):
        compose_subset.parse(text)


def test_compose_reader_reads_nesting() -> None:
    parsed = compose_subset.parse('a:\n  b:\n    - "x: y"\n    - z\n  c: d\ne: f\n')
    assert parsed == {"a": {"b": ["x: y", "z"], "c": "d"}, "e": "f"}


def http_get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_image_command_serves_on_the_host(tmp_path: Path) -> None:
    """The image's CMD with the image's ENV, /data moved to a temp folder, HOST and PORT changed
    to loopback and a free port; then the HEALTHCHECK command, then a clean SIGTERM."""
    app = tmp_path / "app"  # like /app in the image: the package, and no .env
    app.mkdir()
    (app / "collector").symlink_to(REPO / "collector")
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v.replace("/data", str(data), 1) for k, v in image_env().items()}
    env |= {"HOST": "127.0.0.1", "PORT": "0", "API_KEY": "k", "BUCKET_TIMEZONE": "UTC"}
    env |= {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    cmd = json.loads(instruction("CMD")[0])
    assert cmd[0] == "python"
    log_path = tmp_path / "collector.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, *cmd[1:]], cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        port = wait_for_port(proc, log_path)
        assert http_get(f"http://127.0.0.1:{port}/health")["ok"] is True
        healthcheck = json.loads(instruction("HEALTHCHECK")[0].split(" CMD ", 1)[1])
        probe = [sys.executable, *healthcheck[1:]]
        probe[-1] = probe[-1].replace("127.0.0.1:9000", f"127.0.0.1:{port}")
        assert subprocess.run(probe, timeout=30, check=False).returncode == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, log_path.read_text()
    assert (data / "state.json").exists()


def wait_for_port(proc: subprocess.Popen[bytes], log_path: Path) -> int:
    for _ in range(400):  # bounded: about 20 s
        match = LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            return int(match.group(1))
        if proc.poll() is not None:
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    raise AssertionError(f"the collector did not start:\n{log_path.read_text()}")


def fake_docker(tmp_path: Path) -> Path:
    """A `docker` that records its arguments: the scripts' logic runs, no container does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/bash\necho "$*" >> "{tmp_path}/docker.calls"\n')
    docker.chmod(0o755)
    return bin_dir


def run_script(
    name: str, tmp_path: Path, port: str, env_file: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{fake_docker(tmp_path)}:{os.environ['PATH']}",
        "COLLECTOR_PORT": port,
        "COLLECTOR_ENV_FILE": str(env_file),
        "COLLECTOR_EXTENSION_CONFIG": str(tmp_path / "config.local.json"),
        "COLLECTOR_HEALTH_TRIES": "3",
    }
    return subprocess.run(
        ["/bin/bash", str(CONTAINER / name)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def test_up_and_update_against_a_running_collector(
    collector_process: CollectorProcess, tmp_path: Path
) -> None:
    port = collector_process.url.rsplit(":", 1)[1]
    env_file = tmp_path / "collector.env"
    env_file.write_text(f"API_KEY={collector_process.api_key}\n")
    up = run_script("up.sh", tmp_path, port, env_file)
    assert up.returncode == 0, up.stderr
    assert f"collector is up at http://127.0.0.1:{port}" in up.stdout
    assert (tmp_path / "llm-usage-collector-data").is_dir()
    config = json.loads((tmp_path / "config.local.json").read_text())
    assert config == {"collectorUrl": f"http://127.0.0.1:{port}", "apiKey": "test-key"}
    update = run_script("update.sh", tmp_path, port, env_file)
    assert update.returncode == 0, update.stderr
    assert "counters ok" in update.stdout
    calls = (tmp_path / "docker.calls").read_text().splitlines()
    compose_file = CONTAINER / "docker-compose.yml"
    assert f"compose -f {compose_file} up -d --build" in calls
    assert f"compose -f {compose_file} build --pull" in calls


def test_update_fails_on_a_wrong_key(collector_process: CollectorProcess, tmp_path: Path) -> None:
    port = collector_process.url.rsplit(":", 1)[1]
    env_file = tmp_path / "collector.env"
    env_file.write_text("API_KEY=wrong\n")
    update = run_script("update.sh", tmp_path, port, env_file)
    assert update.returncode == 1
    assert "authenticated GET /counters failed" in update.stderr


def test_up_refuses_a_data_folder_in_the_source_tree(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{fake_docker(tmp_path)}:{os.environ['PATH']}",
        "COLLECTOR_DATA_DIR": str(REPO / "snapshots"),
    }
    result = subprocess.run(
        ["/bin/bash", str(CONTAINER / "up.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "inside the source tree" in result.stderr
