"""A command that serves the mock, run in its own process group on 127.0.0.1 and stopped after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from tests.test_serve import free_port

__all__ = ["free_port", "running_process"]


@contextmanager
def running_process(
    command: list[str], port: int, env: dict[str, str], banner_lines: int = 3
) -> Iterator[tuple[str, list[str]]]:
    """Run ``command``, wait until ``/ping`` on ``port`` answers, yield (base URL, the first
    ``banner_lines`` lines of output); always stop the process group."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the command exited early:\n{process.stdout.read()}")
            try:
                if requests.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("nothing answered /ping within 30 s")
            time.sleep(0.05)
        yield base, [process.stdout.readline() for _ in range(banner_lines)]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
