"""Per-request cost of the mock's HTTP stack, in-process, with and without its departures from
stock Connexion.

Calls the ASGI app directly (no sockets, no load generator), so what is measured is the server's
own work per request: Connexion's middleware, validation, the Flask handler and serialisation.
Two apps run side by side, alternating, in one process:

- ``stock``: the app built with no departure installed (``create_app(departures=())``), so
  Connexion runs exactly as released: a2wsgi's thread hand-off, the decorator chain rebuilt per
  request, each body definition rebuilt per use;
- ``mock``: the app as shipped, every departure of ``mockserver/connexion_tuning.py`` installed.

Both use the mock's public extension points alike (its validators, security handler and orjson
jsonifier), so the difference is what the departures buy.

    python bench/hot_path.py [--requests 400] [--rounds 3] [--clock cpu]

``--clock cpu`` counts the process's CPU time instead of wall time: on a shared machine the
wall clock also counts the time other processes hold the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import warnings

warnings.filterwarnings("ignore")

from mockserver.app import create_app  # noqa: E402
from mockserver.data.loader import load_fixtures  # noqa: E402

ROUTES = [
    ("GET /ping", "GET", "/ping", None, b""),
    ("GET /v0/stores", "GET", "/v0/stores", None, b""),
    ("POST /v0/catalogs/search", "POST", "/v0/catalogs/search", {}, b""),
    (
        "POST /v0/catalogs/search (filters)",
        "POST",
        "/v0/catalogs/search",
        {"datetime": "2023-01-01T00:00:00Z/..", "bbox": [60, 5, 100, 40], "limit": 10},
        b"",
    ),
    ("GET /v0/aois?limit=10", "GET", "/v0/aois", None, b"limit=10"),
]


def stock_app(fixtures):
    """The same app with no departure from stock Connexion installed."""
    app = create_app(fixtures=fixtures, departures=())
    assert not app.tuning.installed, app.tuning
    return app


def tuned_app(fixtures):
    app = create_app(fixtures=fixtures)
    assert not app.tuning.stock, f"a departure fell back: {app.tuning.stock}"
    return app


async def call(app, method, path, body, query):
    payload = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", b"localhost"), (b"authorization", b"bench")]
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    messages = [{"type": "http.request", "body": payload, "more_body": False}]
    status = []

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


async def per_request(app, route, n):
    _, method, path, body, query = route
    started = clock()
    for _ in range(n):
        status = await call(app, method, path, body, query)
    assert status == 200, status
    return (clock() - started) / n * 1e6


async def main(requests: int, rounds: int) -> None:
    fixtures = load_fixtures()
    apps = {"stock": stock_app(fixtures), "mock": tuned_app(fixtures)}
    for app in apps.values():
        await call(app, "GET", "/v0/stores", None, b"")
    results = {(label, r[0]): [] for label in apps for r in ROUTES}
    for round_no in range(rounds):
        for route in ROUTES:
            for label, app in apps.items():
                results[(label, route[0])].append(await per_request(app, route, requests))
        print(f"round {round_no + 1}/{rounds} done", flush=True)
    print(
        f"\nmicroseconds per request ({clock.__name__}), in-process"
        f" (median of {rounds} rounds x {requests}):"
    )
    print(f"  {'route':<36} {'stock':>8} {'mock':>8} {'speed-up':>9}")
    for route in ROUTES:
        stock = statistics.median(results[("stock", route[0])])
        mock = statistics.median(results[("mock", route[0])])
        print(f"  {route[0]:<36} {stock:8.0f} {mock:8.0f} {stock / mock:8.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    asyncio.run(main(args.requests, args.rounds))
