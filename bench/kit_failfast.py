"""How fast pixxel-contract gives up on a target it cannot test, and stops when told to.

Three cases, each run ``--runs`` times, every server on 127.0.0.1:

* a plain file server (Python's ``http.server``) given as ``--base-url``: from start to exit
  (the preflight stops the run, exit status 4);
* a closed port: from start to exit (exit status 3);
* SIGTERM during a run with writes against the mock disguised as a real server: from the signal to
  the exit (the run's stores deleted, exit status 130).

Prints the median and the slowest of each.

    python bench/kit_failfast.py [--runs 5]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

warnings.filterwarnings("ignore")

from contract_tests.selftest.broken import Disguise, serve  # noqa: E402
from mockserver.app import create_app  # noqa: E402
from mockserver.settings import Settings  # noqa: E402

KIT = [sys.executable, "-m", "contract_tests.cli"]


class _Silent(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def _timed(command: list[str], expected: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode != expected:
        raise SystemExit(f"expected exit {expected}, got {done.returncode}: {done.stderr[-500:]}")
    return seconds


def file_server(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        handler = functools.partial(_Silent, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            return [_timed([*KIT, "--base-url", base, "--api-key", "k"], 4) for _ in range(runs)]
        finally:
            server.shutdown()
            server.server_close()


def closed_port(runs: int) -> list[float]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    return [_timed([*KIT, "--base-url", base, "--api-key", "k"], 3) for _ in range(runs)]


def sigterm(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        server = Disguise(create_app(Settings()))
        with serve(server) as base:
            process = subprocess.Popen(
                [*KIT, "--base-url", base, "--api-key", "live-key", "--allow-writes"]
                + ["--suites", "stateful,lifecycle", "--rate-limit", "20"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while not any(m == "POST" and p == "/v0/stores" for m, p, _ in server.requests):
                if process.poll() is not None:
                    raise SystemExit("the run ended before it created a store")
                time.sleep(0.02)
            time.sleep(0.5)
            started = time.perf_counter()
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=120)
            out.append(time.perf_counter() - started)
            if code != 130:
                raise SystemExit(f"expected exit 130 after SIGTERM, got {code}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, case in (
        ("plain file server, start to exit 4", file_server),
        ("closed port, start to exit 3", closed_port),
        ("SIGTERM to exit 130 (stores deleted)", sigterm),
    ):
        times = case(args.runs)
        print(f"{name}: median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")


if __name__ == "__main__":
    main()
