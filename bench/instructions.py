"""Machine instructions per request, in-process, with and without the departures from stock
Connexion: a measure that does not move with the machine's load.

Wall and CPU time per request swing by 20 % or more on a shared machine, which hides changes of
a few percent. This script counts instructions instead, under valgrind's callgrind tool: the
same code on the same input executes the same instructions (to within about 0.5 %), whatever
else the machine is doing. For each app (``stock``: ``create_app(departures=())``; ``mock``: the
app as shipped) it runs one child process under callgrind that builds the app, warms each route
up, then runs ``--requests`` requests per route, marking the boundaries with a call callgrind
is told to dump its counters at. The ASGI app is called directly, as in ``bench/hot_path.py``
(same routes), so what is counted is the server's own work per request.

    python bench/instructions.py [--requests 100] [--apps stock,mock]

Needs valgrind (Debian: ``apt-get install valgrind``). Each app takes about a minute: the
interpreter runs about 50 times slower under callgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import hot_path

HERE = Path(__file__).resolve()
# Callgrind dumps its counters whenever this C function starts; the child calls it (through
# os.getpgrp) only between two routes, never while serving.
MARKER = "os_getpgrp*"
APPS = {"stock": hot_path.stock_app, "mock": hot_path.tuned_app}


def child(app_name: str, requests: int) -> None:
    from mockserver.data.loader import load_fixtures

    app = APPS[app_name](load_fixtures())

    async def run() -> None:
        for route in hot_path.ROUTES:
            for _ in range(20):
                status = await hot_path.call(app, *route[1:])
                assert status == 200, (route[0], status)
        for route in hot_path.ROUTES:
            os.getpgrp()
            for _ in range(requests):
                await hot_path.call(app, *route[1:])
        os.getpgrp()

    asyncio.run(run())


def count(app_name: str, requests: int) -> list[int]:
    """Instructions per request for each route of ``hot_path.ROUTES``, for one app."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--dump-before={MARKER}",
                f"--callgrind-out-file={out}",
                sys.executable,
                str(HERE),
                "--child",
                app_name,
                "--requests",
                str(requests),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        # Dump 1 is everything up to the first marker (start-up, warm-up); dump k+1 is route k.
        dumps = sorted(Path(scratch).glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:]))
        totals = []
        for dump in dumps[1 : 1 + len(hot_path.ROUTES)]:
            for line in dump.read_text().splitlines():
                if line.startswith("totals:"):
                    totals.append(int(line.split()[1]) // requests)
        if len(totals) != len(hot_path.ROUTES):
            raise SystemExit(f"expected {len(hot_path.ROUTES)} counts, got {len(totals)}")
        return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per route (default: 100)")
    parser.add_argument("--apps", default="stock,mock", help="comma-separated: stock, mock")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    apps = [a for a in args.apps.split(",") if a]
    results = {}
    for app_name in apps:
        print(f"counting {app_name} ({args.requests} requests per route)...", flush=True)
        results[app_name] = count(app_name, args.requests)
    print("\ninstructions per request (thousands), in-process:")
    print(f"  {'route':<36} " + " ".join(f"{a:>8}" for a in apps))
    for i, route in enumerate(hot_path.ROUTES):
        row = " ".join(f"{results[a][i] / 1000:8.0f}" for a in apps)
        ratio = ""
        if "stock" in results and "mock" in results:
            ratio = f"  {results['stock'][i] / results['mock'][i]:5.2f}x fewer"
        print(f"  {route[0]:<36} {row}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
