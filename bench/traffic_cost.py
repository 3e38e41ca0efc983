"""What the traffic layer costs per request, and how fast the test fixture starts.

1. The same requests through the app as shipped (faults, Prefer, journal and access log in
   front) and through the same app with that layer left out, called as ASGI apps in-process.
2. ``mockserver.testing.pixxel_mock()``: time from entering the block to a server that answers,
   in a thread (the default) and as a subprocess.

Run from the repository root: ``python bench/traffic_cost.py [--requests 400] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import urllib.request
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hot_path import call  # noqa: E402 - the same in-process ASGI request as hot_path.py

from mockserver.app import create_app  # noqa: E402
from mockserver.data.loader import load_fixtures  # noqa: E402
from mockserver.limits import BodyLimit  # noqa: E402
from mockserver.testing import pixxel_mock  # noqa: E402

ROUTES = [
    ("GET /ping", "GET", "/ping", None),
    ("GET /v0/stores", "GET", "/v0/stores", None),
    ("POST /v0/catalogs/search limit 10", "POST", "/v0/catalogs/search", {"limit": 10}),
]


async def per_request(app, route, n: int) -> float:
    _, method, path, body = route
    started = time.perf_counter()
    for _ in range(n):
        status = await call(app, method, path, body, b"")
    assert status == 200, status
    return (time.perf_counter() - started) / n * 1e6


async def request_cost(requests: int, rounds: int) -> None:
    app = create_app(fixtures=load_fixtures())
    apps = {
        "shipped": app,
        "without": BodyLimit(app.middleware, app.service.settings.max_body_bytes),
    }
    for candidate in apps.values():
        await call(candidate, "GET", "/v0/stores", None, b"")
    results = {(label, r[0]): [] for label in apps for r in ROUTES}
    for _ in range(rounds):
        for route in ROUTES:
            for label, candidate in apps.items():
                results[(label, route[0])].append(await per_request(candidate, route, requests))
    print(f"microseconds per request, in-process (median of {rounds} rounds x {requests}):")
    print(f"  {'route':<36} {'without':>8} {'shipped':>8} {'added':>7}")
    for route in ROUTES:
        without = statistics.median(results[("without", route[0])])
        shipped = statistics.median(results[("shipped", route[0])])
        print(f"  {route[0]:<36} {without:8.0f} {shipped:8.0f} {shipped - without:7.0f}")


def start_up(runs: int) -> None:
    with pixxel_mock():  # the first one pays for imports, as a test session's first test does
        pass
    for label, subprocess in (("thread", False), ("subprocess", True)):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            with pixxel_mock(subprocess=subprocess) as mock:
                with urllib.request.urlopen(mock.url("/ping")) as answer:
                    assert answer.status == 200
                times.append(time.perf_counter() - started)
        print(
            f"pixxel_mock() in a {label}: ready and answering in {statistics.median(times):.3f} s"
            f" (median of {runs}; min {min(times):.3f}, max {max(times):.3f})"
        )


_FIRST_START = """
import time, urllib.request, warnings
warnings.filterwarnings("ignore")
started = time.perf_counter()
from mockserver.testing import pixxel_mock
with pixxel_mock() as mock:
    urllib.request.urlopen(mock.url("/ping")).read()
    print(time.perf_counter() - started)
"""


def first_start(runs: int) -> None:
    """The first mock of a fresh process, imports and fixture loading included."""
    import subprocess

    root = str(Path(__file__).resolve().parent.parent)
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_START], cwd=root, capture_output=True, text=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    print(
        f"first pixxel_mock() of a fresh process, imports included:"
        f" {statistics.median(times):.3f} s"
        f" (median of {runs}; min {min(times):.3f}, max {max(times):.3f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--start-runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(request_cost(args.requests, args.rounds))
    start_up(args.start_runs)
    first_start(args.start_runs)
