"""Hardening of `pixxel-mock serve` itself: start-up, state files, slow clients, shutdown.

A real server in a subprocess, reached over loopback; each test names the defect of issue 9 it
reproduces.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live_server import free_port
from tests.support import s3_store_body
from tests.test_serve import running_mock

# Every test here starts real server processes: seconds each.
pytestmark = pytest.mark.slow

# Generous bounds that only catch a hang; nothing here measures speed.
EXIT_BOUND = 30


def _start(*args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port), *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, port


def _stop_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _raw(port: int, data: bytes, read_timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _wait_until_serving(port: int) -> None:
    deadline = time.monotonic() + EXIT_BOUND
    while time.monotonic() < deadline:
        try:
            if _status(_raw(port, b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")) == 200:
                return
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError("the mock never answered /ping")


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


# -- defect 12: the banner comes after the port is bound ------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_banner_is_printed_once_the_port_accepts_connections(workers):
    process, port = _start("--workers", workers)
    try:
        first = process.stdout.readline()
        assert "serving" in first, first
        assert _connects(port)
    finally:
        _stop_group(process)


# -- defects 5 and 4: shutdown with a slow request in flight; chunked bodies ----------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_stops_within_the_shutdown_timeout_and_exits_0(workers):
    process, port = _start("--workers", workers, "--shutdown-timeout-seconds", "1")
    try:
        assert "serving" in process.stdout.readline()
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(
            b"POST /v0/stores HTTP/1.1\r\nHost: x\r\nAuthorization: k\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na'
        )
        time.sleep(0.5)  # let a worker take the request in
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=EXIT_BOUND) == 0
        slow.close()
    finally:
        _stop_group(process)


def test_chunked_bodies_are_read_and_limited_over_a_real_socket():
    with running_mock() as (base, _):
        port = int(base.rsplit(":", 1)[1])
        body = json.dumps(s3_store_body("chunky")).encode()
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(body[i : i + 9]), body[i : i + 9])
            for i in range(0, len(body), 9)
        )
        head = (
            b"POST /v0/stores HTTP/1.1\r\nHost: x\r\nAuthorization: chunk-key\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        response = _raw(port, head + chunks + b"0\r\n\r\n")
        assert _status(response) == 200, response[:300]
        big = b"x" * (3 * 1024 * 1024)
        frames = b"".join(
            b"%x\r\n%s\r\n" % (65536, big[i : i + 65536]) for i in range(0, len(big), 65536)
        )
        response = _raw(port, head + frames + b"0\r\n\r\n")
        assert _status(response) == 413, response[:300]
        assert b"PAYLOAD_TOO_LARGE" in response


# -- defect 6: state files are checked at start ---------------------------------------------------


def _fail_to_start(*args: str) -> str:
    process, _ = _start(*args)
    try:
        out, _ = process.communicate(timeout=EXIT_BOUND)
    finally:
        _stop_group(process)
    assert process.returncode not in (0, None), out
    return out


def _populated_state(path: Path) -> None:
    from mockserver.app import create_app
    from mockserver.settings import Settings

    service = create_app(Settings(state_file=path)).service
    for i in range(40):
        service.open_workspace(f"corrupt-key-{i}")
    service.state.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _corrupt_middle(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        for offset in range(size // 3, size // 3 + 8192 * 4, 8192):
            handle.seek(offset)
            handle.write(b"\xde\xad\xbe\xef" * 256)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("damage", ["garbage", "partly-corrupt", "missing-directory"])
def test_a_bad_state_file_stops_the_server_with_one_line_naming_it(tmp_path, workers, damage):
    path = tmp_path / "state.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 1000)
    elif damage == "partly-corrupt":
        _populated_state(path)
        _corrupt_middle(path)
    else:
        path = tmp_path / "no-such-dir" / "state.sqlite3"
    out = _fail_to_start("--workers", workers, "--state-file", str(path))
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert str(path) in lines[0]
    assert "serving" not in out and "Traceback" not in out


# -- defect 7: workers die with their parent ------------------------------------------------------


def test_workers_exit_when_the_parent_is_killed_and_the_port_is_free_again():
    process, port = _start("--workers", "2")
    try:
        assert "serving" in process.stdout.readline()
        _wait_until_serving(port)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + EXIT_BOUND
        while _connects(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _connects(port)
        again = subprocess.Popen(
            [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            assert "serving" in again.stdout.readline()
        finally:
            _stop_group(again)
    finally:
        _stop_group(process)


# -- defect 11: incomplete requests are timed out --------------------------------------------------


@pytest.mark.parametrize(
    "partial",
    [
        b"GET /ping HTTP/1.1\r\nHost: x\r\n",  # headers never finish
        b"POST /v0/stores HTTP/1.1\r\nHost: x\r\nAuthorization: k\r\n"
        b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{",  # nor does the body
    ],
    ids=["headers", "body"],
)
def test_an_incomplete_request_is_timed_out(partial):
    with running_mock("--request-timeout-seconds", "1") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=EXIT_BOUND) as sock:
            sock.sendall(partial)
            answer = sock.recv(65536)
        # The server answers 408 and closes the connection instead of waiting forever.
        assert _status(answer) == 408, answer
        assert b"REQUEST_TIMEOUT" in answer
