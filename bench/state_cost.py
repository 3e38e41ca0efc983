"""What SQLite-file state costs per request, next to the in-memory default.

Runs the same request mix through the app in-process (Starlette's test client, no network, so
the state store's share is not drowned by socket time), once with state in memory and once with
a WAL-mode state file, alternating rounds so machine noise hits both alike. Prints the mean time
per request for each and the difference.

    python bench/state_cost.py [--rounds 5] [--requests 400]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

from mockserver.app import create_app  # noqa: E402
from mockserver.data.loader import load_fixtures  # noqa: E402
from mockserver.settings import Settings  # noqa: E402


def request_mix(client, catalog_ids: list[str], n: int) -> float:
    """Seconds per request over ``n`` requests of a read-heavy mix with some writes."""
    headers = {"Authorization": "bench"}
    download = client.post(
        "/v0/catalogs/download", json={"catalog_ids": catalog_ids[:1]}, headers=headers
    ).json()["id"]
    started = time.perf_counter()
    for i in range(n):
        step = i % 4
        if step == 0:
            body = {
                "name": f"bench-{time.perf_counter_ns()}",
                "type": "S3",
                "configs": {"bucket": "bench-bucket", "region": "ap-south-1"},
                "secrets": {"access_key_id": "a", "secret_access_key": "b"},
            }
            response = client.post("/v0/stores", json=body, headers=headers)
        elif step == 1:
            response = client.get("/v0/stores", headers=headers)
        elif step == 2:
            response = client.get(f"/v0/catalogs/download/{download}", headers=headers)
        else:
            response = client.post("/v0/catalogs/search", json={"limit": 10}, headers=headers)
        assert response.status_code < 300, response.text
    return (time.perf_counter() - started) / n


def store_ops(state_file: Path | None, fixtures, n: int) -> tuple[float, float]:
    """Microseconds per write (create a store) and per read (get a store), state store alone."""
    from mockserver.service import MockService

    service = MockService(Settings(state_file=state_file), fixtures)
    ws = service.open_workspace("bench")
    body = {
        "type": "S3",
        "configs": {"bucket": "bench-bucket", "region": "ap-south-1"},
        "secrets": {"access_key_id": "a", "secret_access_key": "b"},
    }
    started = time.perf_counter()
    ids = [service.stores.create(ws, {**body, "name": f"s{i}"})["id"] for i in range(n)]
    write = (time.perf_counter() - started) / n
    started = time.perf_counter()
    for store_id in ids:
        service.state.get_store(ws.id, store_id)
    read = (time.perf_counter() - started) / n
    service.state.close()
    return write * 1e6, read * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    fixtures = load_fixtures()
    catalog_ids = [c["id"] for c in fixtures.catalogs]
    results: dict[str, list[float]] = {"memory": [], "file (WAL)": []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_no in range(args.rounds):
            for label in results:
                state = None if label == "memory" else Path(scratch) / f"r{round_no}.sqlite3"
                app = create_app(Settings(state_file=state), fixtures=fixtures)
                results[label].append(request_mix(app.test_client(), catalog_ids, args.requests))
                app.service.state.close()
            print(f"round {round_no + 1}/{args.rounds} done", flush=True)

    print(
        f"\n{args.rounds} rounds x {args.requests} requests (create store, list stores,"
        " get download, search), in-process:"
    )
    medians = {label: statistics.median(values) * 1e6 for label, values in results.items()}
    for label, value in medians.items():
        print(f"  state {label:<11} {value:8.0f} us per request (median of rounds)")
    extra = medians["file (WAL)"] - medians["memory"]
    print(f"  file costs {extra:+.0f} us per request ({extra / medians['memory'] * 100:+.1f} %)")

    print("\nstate store alone, 2000 operations each:")
    with tempfile.TemporaryDirectory() as scratch:
        for label, state in (("memory", None), ("file (WAL)", Path(scratch) / "ops.sqlite3")):
            write, read = store_ops(state, fixtures, 2000)
            print(f"  state {label:<11} write {write:6.1f} us   read {read:6.1f} us")


if __name__ == "__main__":
    main()
