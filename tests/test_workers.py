"""`serve --workers N`: workers forked from the process that built the app, and supervised by it.

Real servers in subprocesses on 127.0.0.1; the bounds below only catch a hang.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from tests.live_server import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]

BOUND = 30


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != b"Z":
            found.add(int(entry.name))
    return found


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _until(condition, what: str):
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {BOUND} s")


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=BOUND)
    return process.returncode, out


def test_workers_are_forked_from_the_server_and_log_their_requests():
    process, base = _serve("--workers", "2")
    try:
        assert "2 workers" in process.stdout.readline()
        workers = _until(lambda: len(_children(process.pid)) == 2 and _children(process.pid), "2")
        # Forked, not spawned: a worker runs the very command line of the server that built the
        # app, where a spawned one would be a fresh interpreter started to import it again.
        for pid in workers:
            assert _cmdline(pid) == _cmdline(process.pid)
        for _ in range(6):
            assert requests.get(f"{base}/ping", timeout=BOUND).status_code == 200
        status, out = _stop(process)
        assert status == 0, out
        assert '"GET /ping"' in out, out
    finally:
        _kill_group(process)


def test_a_worker_that_dies_is_replaced_and_the_server_stops_with_0():
    process, base = _serve("--workers", "2", "--shutdown-timeout-seconds", "1")
    try:
        assert "serving" in process.stdout.readline()
        before = _until(lambda: len(_children(process.pid)) == 2 and _children(process.pid), "2")
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        after = _until(
            lambda: (kids := _children(process.pid)) - {victim} == kids and len(kids) == 2 and kids,
            "a replacement worker",
        )
        assert victim not in after
        for _ in range(6):
            assert requests.get(f"{base}/ping", timeout=BOUND).status_code == 200
        status, out = _stop(process)
        assert status == 0, out
        assert "Traceback" not in out, out
    finally:
        _kill_group(process)


_FAILING_WORKERS = """
from mockserver import server
from mockserver.settings import Settings

async def app(scope, receive, send):
    # An app whose start-up fails in every worker.
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no"})

status = server.run_workers(
    Settings(host="127.0.0.1", port={port}, workers=2), app, lambda: print("ANNOUNCED")
)
raise SystemExit(status)
"""


def test_a_worker_that_cannot_start_stops_the_server_with_a_non_zero_status():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_FAILING_WORKERS).replace("{port}", str(port))],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=BOUND)
        assert process.returncode not in (0, None), out
        assert "ANNOUNCED" not in out and "Traceback" not in out, out
        _until(lambda: not _group_alive(process.pid), "the workers to exit")
    finally:
        _kill_group(process)
