"""The real thing: `pixxel-mock serve` in a subprocess, reached over TCP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_mock(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start the mock, wait for /ping, yield (base URL, output lines so far); always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port), *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the mock exited early:\n{process.stdout.read()}")
            try:
                if requests.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the mock did not answer /ping within 30 s")
            time.sleep(0.05)
        yield base, [process.stdout.readline() for _ in range(3)]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_serve_prints_url_and_a_sample_curl_and_answers():
    with running_mock() as (base, banner):
        port = base.rsplit(":", 1)[1]
        assert f"http://localhost:{port}" in banner[0]
        assert "curl -H 'Authorization: my-key'" in banner[1]
        stores = requests.get(f"{base}/v0/stores", headers={"Authorization": "Bearer e2e"})
        assert stores.status_code == 200
        assert stores.headers["content-type"].startswith("application/json")
        assert "stores" in stores.json()
        assert requests.get(f"{base}/v0/stores").status_code == 401


def test_environment_configures_serve(tmp_path):
    state = tmp_path / "state.sqlite3"
    body = {
        "name": "from-env",
        "type": "S3",
        "configs": {"bucket": "acme-imagery", "region": "ap-south-1"},
        "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
    }
    headers = {"Authorization": "restart-key"}
    with running_mock(env={"PIXXEL_MOCK_STATE_FILE": str(state)}) as (base, banner):
        assert str(state) in banner[0]
        created = requests.post(f"{base}/v0/stores", json=body, headers=headers).json()
    with running_mock(env={"PIXXEL_MOCK_STATE_FILE": str(state)}) as (base, _):
        listed = requests.get(f"{base}/v0/stores", headers=headers).json()["stores"]
    assert created in listed
