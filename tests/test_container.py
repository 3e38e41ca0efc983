"""The container follows its settings: the image's command line, run here with the image's
environment (there is no container engine in the test run), and the compose file."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.live_server import free_port, running_process

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _stages(text: str) -> dict[str, dict]:
    """Each stage's ENV, ENTRYPOINT, CMD and HEALTHCHECK, inherited from the stage it builds on;
    the default image is under ``""`` (the last stage)."""
    stages: dict[str, dict] = {}
    current: dict = {}
    for word, rest in _instructions(text):
        if word == "FROM":
            parts = rest.split()
            base = stages.get(parts[0], {})
            current = {"env": dict(base.get("env", {}))}
            for key in ("entrypoint", "cmd", "healthcheck"):
                if key in base:
                    current[key] = base[key]
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages[name or ""] = current
            if name:
                stages[""] = current
        elif word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                current["env"][key] = value
        elif word in ("ENTRYPOINT", "CMD"):
            current[word.lower()] = json.loads(rest)
            if word == "ENTRYPOINT":
                current.pop("cmd", None)  # a new entrypoint resets an inherited CMD
        elif word == "HEALTHCHECK":
            current["healthcheck"] = json.loads(rest[rest.index("CMD") + 3 :].strip())
    return stages


IMAGE = _stages((ROOT / "Dockerfile").read_text())


def _local(command: list[str]) -> list[str]:
    """The image's command, with its programs taken from this environment."""
    program = command[0]
    if program == "python":
        return [sys.executable, *command[1:]]
    return [str(BIN / program), *command[1:]]


def _image_environment(**run_env: str) -> dict[str, str]:
    """This process's environment without PIXXEL_MOCK_*, plus the image's ENV, plus -e values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXXEL_MOCK_")}
    return {**env, **IMAGE[""]["env"], **run_env}


def test_default_command_passes_no_flag_so_every_variable_applies():
    default = IMAGE[""]
    assert default["entrypoint"] == ["pixxel-mock"]
    assert not [arg for arg in default["cmd"] if arg.startswith("-")], default["cmd"]
    assert default["env"]["PIXXEL_MOCK_HOST"] == "0.0.0.0"
    assert default["env"]["PIXXEL_MOCK_PORT"] == "8080"


@pytest.mark.slow
def test_image_command_listens_where_the_environment_says_and_the_health_check_follows():
    port = free_port()
    # As `docker run -e PIXXEL_MOCK_HOST=127.0.0.1 -e PIXXEL_MOCK_PORT=<port> pixxel-mock`.
    env = _image_environment(PIXXEL_MOCK_HOST="127.0.0.1", PIXXEL_MOCK_PORT=str(port))
    command = _local(IMAGE[""]["entrypoint"] + IMAGE[""]["cmd"])
    health = _local(IMAGE[""]["healthcheck"])
    with running_process(command, port, env) as (_base, banner):
        assert f":{port}" in banner[0]
        assert subprocess.run(health, env=env, timeout=30).returncode == 0
        elsewhere = {**env, "PIXXEL_MOCK_PORT": str(free_port())}
        assert subprocess.run(health, env=elsewhere, timeout=30).returncode == 1


def test_contract_stage_runs_the_kit():
    assert IMAGE["contract"]["entrypoint"] == ["pixxel-contract"]
    assert (BIN / "pixxel-contract").exists()


def test_compose_runs_the_mock_and_a_contract_job_against_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    mock, job = compose["mock"], compose["contract"]
    port = mock["environment"]["PIXXEL_MOCK_PORT"]
    assert job["build"]["target"] == "contract"
    assert job["command"] == ["--base-url", f"http://mock:{port}"]
    assert job["depends_on"]["mock"]["condition"] == "service_healthy"
    assert f"{port}:{port}" in mock["ports"]
