"""A command that serves the mock, run in its own process group on 127.0.0.1 and stopped after."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

__all__ = ["free_port", "running_process"]

BANNER = "pixxel-mock serving"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_process(
    command: list[str], port: int, env: dict[str, str], banner_lines: int = 3
) -> Iterator[tuple[str, list[str]]]:
    """Run ``command``, wait until ``/ping`` on ``port`` answers, yield (base URL, the
    ``banner_lines`` lines of output from the banner on); always stop the process group.

    Access-log lines of the probes may come before the banner (with several workers the banner
    waits for the last one), so the banner is found by what it says."""
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
        line = process.stdout.readline()
        while line and BANNER not in line:
            line = process.stdout.readline()
        yield base, [line, *(process.stdout.readline() for _ in range(banner_lines - 1))]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
