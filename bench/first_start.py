"""From ``git clone`` to the first 200 on /ping with ``bash scripts/serve.sh``.

Clones the repository (its committed HEAD) into a temporary folder, starts
``bash scripts/serve.sh --port <free port>`` there (which creates .venv and installs only what
serving needs) and polls ``http://127.0.0.1:<port>/ping`` until it answers 200. Prints the time of
the clone, and of the clone to the first 200. pip's cache is whatever the machine has: say whether
it was warm when recording a figure.

    python bench/first_start.py [--source PATH_OR_URL] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def one_run(source: str, timeout: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as scratch:
        checkout = Path(scratch) / "pixxel-mock"
        started = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", source, str(checkout)], check=True)
        cloned = time.perf_counter() - started
        port = free_port()
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh", "--host", "127.0.0.1", "--port", str(port)],
            cwd=checkout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/ping"
            while not answers_200(url):
                if process.poll() is not None:
                    raise SystemExit(f"serve.sh exited with {process.returncode} before serving")
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"no 200 on {url} within {timeout:g} s")
                time.sleep(0.05)
            return cloned, time.perf_counter() - started
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(ROOT), help="what to clone (default: this repo)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        cloned, first_200 = one_run(args.source, args.timeout)
        print(f"run {run}: clone {cloned:.1f} s; clone to first 200 on /ping {first_200:.1f} s")


if __name__ == "__main__":
    main()
