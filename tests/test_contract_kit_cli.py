"""How ``pixxel-contract`` fails and reports: clean errors, the preflight, stops, the report.

Every run is ``python -m contract_tests.cli`` in a subprocess; servers bind 127.0.0.1 only.
"""

from __future__ import annotations

import http.server
import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from contract_tests import interrupt
from contract_tests.cli import EXIT_PREFLIGHT, EXIT_TARGET, EXIT_USAGE, build_parser
from contract_tests.http import Throttle
from contract_tests.progress import Progress
from contract_tests.report import Report
from contract_tests.selftest.broken import Disguise, serve
from mockserver.app import create_app
from mockserver.settings import Settings


def kit(tmp: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cache = tmp / "cache"
    return subprocess.run(
        [sys.executable, "-m", "contract_tests.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp,
        env={**os.environ, "PIXXEL_CONTRACT_CACHE_DIR": str(cache), **(env or {})},
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- clean failures -----------------------------------------------------------------------------


def test_missing_extra_names_the_install_command(tmp_path):
    """A plain `pip install` lacks pytest & co.: the kit says what to install, no traceback."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["pytest"] = None  # as if the contract extra were not installed
        from contract_tests.cli import main
        sys.exit(main(["--base-url", "http://127.0.0.1:9", "--api-key", "k"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert 'pip install "pixxel-mock[contract]"' in done.stderr
    assert "pytest" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_target_is_one_line(tmp_path):
    base = f"http://127.0.0.1:{_closed_port()}"
    done = kit(tmp_path, "--base-url", base, "--api-key", "k")
    assert done.returncode == EXIT_TARGET
    out = lines(done.stdout + done.stderr)
    assert out == [f"pixxel-contract: cannot reach {base}: connection refused"], out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """`python3 -m http.server`, counting the requests it gets and logging nothing."""

    seen: list[str] = []

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - the base class's name
        _Quiet.seen.append(self.path)
        super().do_GET()


@pytest.mark.slow
def test_a_server_that_is_not_the_api_fails_the_preflight(tmp_path):
    """Against a plain file server the kit stops after a few requests, naming what came back."""
    _Quiet.seen = []
    handler = lambda *a: _Quiet(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        done = kit(tmp_path, "--base-url", base, "--api-key", "some-key")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == EXIT_PREFLIGHT, done.stdout + done.stderr
    out = lines(done.stdout + done.stderr)
    assert len(out) == 1, out
    assert "does not speak the contract" in out[0] and "GET /ping answered 404" in out[0]
    assert "some-key" not in out[0]
    # The probe that tells the mock apart, then /ping: nothing more was sent.
    assert _Quiet.seen == ["/_mock/clock", "/ping"]


@pytest.mark.slow
def test_a_refused_key_fails_the_preflight(fixture_set, tmp_path):
    server = Disguise(create_app(Settings(), fixtures=fixture_set))
    with serve(server) as base:
        done = kit(tmp_path, "--base-url", base, "--api-key", "not-a-known-key")
    assert done.returncode == EXIT_PREFLIGHT, done.stdout + done.stderr
    out = lines(done.stdout + done.stderr)
    assert len(out) == 1 and "refused the API key" in out[0] and "--api-key" in out[0], out
    assert "not-a-known-key" not in out[0]
    assert [path for _, path, _ in server.requests] == ["/_mock/clock", "/ping", "/v0/satellites"]


# -- the report ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_shows_progress_ends_with_the_verdict_and_leaves_no_caches(tmp_path):
    done = kit(
        tmp_path,
        *("--suites", "conformance", "--operations", "Ping,List Satellites"),
        *("--phases", "examples,fuzzing", "--max-examples", "2"),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = lines(done.stdout)
    assert out[-1].startswith("pixxel-contract: PASSED"), out[-5:]
    progress = [line for line in out if line.startswith("progress: ")]
    assert any("[conformance] List Satellites (GET /v0/satellites):" in p for p in progress)
    assert all("\x1b" not in line and "\r" not in line for line in out)  # not a terminal
    # Nothing of pytest's own output.
    assert not [line for line in out if " passed" in line or line.startswith("=")]
    assert not (tmp_path / ".hypothesis").exists()
    assert not (tmp_path / ".schemathesis").exists()
    assert not (tmp_path / ".pytest_cache").exists()


def test_progress_is_one_rewritten_line_on_a_terminal_and_plain_lines_elsewhere(monkeypatch):
    # A live line is cut to the terminal's width; give it one wide enough for the whole line.
    monkeypatch.setenv("COLUMNS", "200")
    operations = [("ListStores", "GET", "/v0/stores")]
    for live in (True, False):
        report, stream = Report(operations), io.StringIO()
        progress = Progress(report, stream, live=live)
        progress.pytest_runtest_logstart("suites/test_conformance.py::test_conformance", None)
        report.case("ListStores", 4)
        report.fail("ListStores", "response_schema_conformance", "a finding")
        progress.pytest_runtest_logfinish("suites/test_conformance.py::test_conformance", None)
        progress.clear()
        text = stream.getvalue()
        expected = "[conformance] ListStores (GET /v0/stores): 4 cases, 1 failures"
        assert expected in text
        assert "run: 4 cases, 1 failures" in text
        if live:
            assert text.startswith("\r\x1b[K") and text.endswith("\r\x1b[K")
            assert "\n" not in text
        else:
            assert "\x1b" not in text and "\r" not in text
            assert all(line.startswith("progress: ") for line in text.splitlines())


def test_help_shows_every_default():
    text = build_parser().format_help()
    for shown in ("default: 8", "default: pxct-", "default: 600", "default: start the mock"):
        assert shown in " ".join(text.split()), shown


# -- stopping -----------------------------------------------------------------------------------

GC_SCRIPT = """
import gc, os, signal, sys
from contract_tests import interrupt

if sys.argv[1] == "raise-in-handler":  # Python's own behaviour for Ctrl+C
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
else:
    interrupt.install()
fired = []

def callback(phase, info):  # like hypothesis's, which times the garbage collector
    if phase == "start" and not fired:
        fired.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(10_000))  # the handler runs here, inside the callback

gc.callbacks.append(callback)
try:
    gc.collect()
    interrupt.checkpoint()
    print("went on")
except KeyboardInterrupt:
    print("stopped")
"""


@pytest.mark.parametrize(("how", "outcome"), [("raise-in-handler", "went on"), ("kit", "stopped")])
@pytest.mark.slow
def test_a_signal_during_a_gc_callback_still_stops_the_run(how, outcome):
    """The root cause of lost SIGTERMs: an exception raised by the handler inside a garbage
    collector callback is swallowed. The kit's handler only records the stop, and the next
    checkpoint raises it."""
    done = subprocess.run(
        [sys.executable, "-c", GC_SCRIPT, how], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == outcome, done.stdout + done.stderr


def test_after_a_stop_requests_halt_but_clean_up_goes_on():
    throttle = Throttle(rate_per_second=None, max_requests=100)
    interrupt.reset()
    try:
        interrupt.handle(signal.SIGTERM, None)
        assert interrupt.requested() and interrupt.signal_name() == "SIGTERM"
        with pytest.raises(interrupt.Interrupted):
            throttle.acquire()
        with pytest.raises(interrupt.Interrupted):
            interrupt.sleep(3600)
        throttle.acquire(exempt=True)  # clean-up requests still go out
        with interrupt.cleaning():
            interrupt.checkpoint()
            throttle.acquire()
        assert throttle.sent == 1 and throttle.exempt_sent == 1
    finally:
        interrupt.reset()
    throttle.acquire()


@pytest.mark.slow
def test_ctrl_c_stops_the_run_and_deletes_what_it_created(fixture_set, tmp_path):
    """SIGINT (Ctrl+C) as SIGTERM: the run stops, deletes its stores and exits 130."""
    server = Disguise(create_app(Settings(), fixtures=fixture_set))
    with serve(server) as base:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "contract_tests.cli", "--base-url", base),
                *("--api-key", "live-key", "--allow-writes", "--suites", "stateful,lifecycle"),
                *("--rate-limit", "20"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PIXXEL_CONTRACT_CACHE_DIR": str(tmp_path / "cache")},
            # As from a terminal: Ctrl+C is not ignored, whatever the test runner's parent does.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        # Wait (bounded by the run itself) until the run has created a store of its own.
        while not any(m == "POST" and p == "/v0/stores" for m, p, _ in server.requests):
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        stores = requests.get(f"{base}/v0/stores", headers={"Authorization": "live-key"}).json()
    assert process.returncode == 130, out[-3000:]
    assert "SIGINT received" in out
    assert (
        out.strip().splitlines()[-1].startswith("pixxel-contract: INTERRUPTED (stopped by SIGINT)")
    )
    assert not [s["name"] for s in stores["stores"] if s["name"].startswith("pxct-")], out
