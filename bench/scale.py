"""The mock at scale: 100,000 catalogs, and workspaces holding 10,000 stores, deliveries, AOIs.

Part a (``--part search``): builds 100,000 synthetic catalogs from the 240 default fixture
catalogs (each copy gets a new id and STAC item id, an acquisition time and a footprint shifted
deterministically; the large shared parts, assets and links, are the template's), builds the app
on them with ``create_app(Settings(), fixtures=FixtureSet(...))``, then times 200 searches with a
datetime + bbox filter, both on the search index alone and through the app's HTTP stack
(in-process test client, request validation on), and prints the process's resident memory.

Part b (``--part lists``): in one workspace, creates stores, deliveries and AOIs through
``MockService`` directly (fast), and times ListStores, ListDeliveries and ListAOIs pages through
the HTTP stack as the workspace grows to 100, 1,000 and 10,000 of each.

    python bench/scale.py [--catalogs 100000] [--searches 200] [--sizes 100,1000,10000]
                          [--part all|search|lists] [--keep-list] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore")

from mockserver.app import create_app  # noqa: E402
from mockserver.data.loader import FixtureSet, load_fixtures  # noqa: E402
from mockserver.settings import Settings  # noqa: E402

KEY = "scale-key"
HEADERS = {"Authorization": KEY}


def rss_mb() -> float:
    """Current resident memory of this process."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM; getrusage can lag behind it)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- part a: 100,000 catalogs -----------------------------------------------------------------


def _shift_coords(coords: Any, dx: float, dy: float) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(coords[0] + dx, 6), round(coords[1] + dy, 6), *coords[2:]]
    return [_shift_coords(c, dx, dy) for c in coords]


class SyntheticCatalogs:
    """``n`` catalogs made from the fixture catalogs, generated on demand (deterministic).

    Copy 0 of each template is the template itself; copy k > 0 is moved by up to +-2 years and
    +-5 degrees of longitude / +-2.5 of latitude (footprints crossing the antimeridian, or that
    would leave the map, keep their longitude).
    """

    def __init__(self, templates: list[dict[str, Any]], n: int) -> None:
        self.templates = templates
        self.n = n
        self._times = [
            datetime.fromisoformat(t["details"]["properties"]["datetime"].replace("Z", "+00:00"))
            for t in templates
        ]

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n):
            yield self[i]

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < self.n:
            raise IndexError(i)
        count = len(self.templates)
        template, copy = self.templates[i % count], i // count
        if copy == 0:
            return template
        details = template["details"]
        west, south, east, north = details["bbox"]
        dx = ((copy * 37) % 41 - 20) * 0.25
        dy = ((copy * 53) % 21 - 10) * 0.25
        if west > east or west + dx < -180 or east + dx > 180:
            dx = 0.0
        if south + dy < -85 or north + dy > 85:
            dy = 0.0
        when = self._times[i % count] + timedelta(days=(copy * 7919) % 1461 - 730)
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {
            **template,
            "id": str(uuid.UUID(int=(0x5CA1E << 96) | i, version=4)),
            "details": {
                **details,
                "id": f"{details['id']}_S{copy:04d}",
                "bbox": [west + dx, south + dy, east + dx, north + dy],
                "geometry": {
                    "type": details["geometry"]["type"],
                    "coordinates": _shift_coords(details["geometry"]["coordinates"], dx, dy),
                },
                "properties": {**details["properties"], "datetime": stamp},
            },
        }


def search_bodies(catalogs: SyntheticCatalogs, n: int, seed: int = 5) -> list[dict[str, Any]]:
    """``n`` datetime + bbox searches: a 10 x 10 degree box around some catalog's footprint and a
    half-year interval, 10 results a page."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(n):
        box = catalogs[rng.randrange(len(catalogs))]["details"]["bbox"]
        lon = (box[0] + box[2]) / 2 if box[0] <= box[2] else box[0]
        lat = (box[1] + box[3]) / 2
        start = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(5 * 365))
        end = start + timedelta(days=182)
        bodies.append(
            {
                "datetime": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
                "bbox": [
                    round(max(-180.0, lon - 5), 4),
                    round(max(-90.0, lat - 5), 4),
                    round(min(180.0, lon + 5), 4),
                    round(min(90.0, lat + 5), 4),
                ],
                "limit": 10,
            }
        )
    return bodies


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def part_search(n_catalogs: int, n_searches: int, keep_list: bool) -> dict[str, Any]:
    print(f"== part a: search over {n_catalogs:,} catalogs ==", flush=True)
    fixtures = load_fixtures()
    rss_start = rss_mb()
    catalogs = SyntheticCatalogs(fixtures.catalogs, n_catalogs)
    source: Any = catalogs
    list_ms = 0.0
    if keep_list:
        list_ms, source = timed(lambda: list(catalogs))
        print(f"  materialised the list: {list_ms / 1000:.1f} s, RSS {rss_mb():.0f} MB", flush=True)
    synthetic = FixtureSet(
        satellites=fixtures.satellites,
        projects=fixtures.projects,
        order_items=fixtures.order_items,
        catalogs=source,
        stores=fixtures.stores,
        aois=fixtures.aois,
        manifest=fixtures.manifest,
    )
    build_ms, app = timed(lambda: create_app(Settings(), fixtures=synthetic))
    rss_built = rss_mb()
    print(
        f"  create_app with {n_catalogs:,} catalogs: {build_ms / 1000:.1f} s;"
        f" RSS {rss_start:.0f} MB before, {rss_built:.0f} MB after",
        flush=True,
    )
    index = app.service.catalogs.index
    bodies = search_bodies(catalogs, n_searches)
    client = app.test_client()
    # One of each first: lazily built parts of the index and the first request's set-up.
    index.search(bodies[0])
    client.post("/v0/catalogs/search", json=bodies[0], headers=HEADERS)

    index_ms, http_ms, totals = [], [], []
    for body in bodies:
        ms, (_, total) = timed(lambda b=body: index.search(b))
        index_ms.append(ms)
        totals.append(total)
        ms, response = timed(
            lambda b=body: client.post("/v0/catalogs/search", json=b, headers=HEADERS)
        )
        if response.status_code != 200:
            raise RuntimeError(f"search answered {response.status_code}: {response.text[:300]}")
        http_ms.append(ms)
    result = {
        "catalogs": n_catalogs,
        "searches": n_searches,
        "list_materialised": keep_list,
        "create_app_s": round(build_ms / 1000, 2),
        "matches_median": statistics.median(totals),
        "index_p50_ms": round(percentile(index_ms, 50), 3),
        "index_p95_ms": round(percentile(index_ms, 95), 3),
        "http_p50_ms": round(percentile(http_ms, 50), 3),
        "http_p95_ms": round(percentile(http_ms, 95), 3),
        "rss_before_mb": round(rss_start, 1),
        "rss_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(
        f"\n  {n_searches} searches, datetime (half a year) + bbox (10 x 10 degrees), limit 10;"
        f" median {result['matches_median']:,.0f} matches each:"
    )
    print("    path                                p50 ms    p95 ms")
    print(
        f"    index alone (CatalogIndex.search)  {result['index_p50_ms']:7.2f}"
        f"   {result['index_p95_ms']:7.2f}"
    )
    print(
        f"    HTTP stack (in-process client)     {result['http_p50_ms']:7.2f}"
        f"   {result['http_p95_ms']:7.2f}"
    )
    print(
        f"  RSS: {result['rss_mb']:.0f} MB now, {result['peak_rss_mb']:.0f} MB peak"
        f" (process start to here; {rss_start:.0f} MB before the catalogs were built)"
    )
    if not keep_list:
        print(
            f"  (catalogs streamed into the index as generated: no list of {n_catalogs:,} dicts is"
            " kept; --keep-list keeps one, as a FixtureSet loaded from files would)"
        )
    return result


# -- part b: long lists -----------------------------------------------------------------------


def _polygon(i: int) -> dict[str, Any]:
    lon = -170 + (i % 340) + 0.01
    lat = -60 + (i // 340) % 120 + 0.01
    ring = [[lon, lat], [lon + 0.05, lat], [lon + 0.05, lat + 0.05], [lon, lat + 0.05]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def part_lists(sizes: list[int]) -> dict[str, Any]:
    print(f"\n== part b: lists of {', '.join(f'{s:,}' for s in sizes)} ==", flush=True)
    fixtures = load_fixtures()
    app = create_app(Settings(), fixtures=fixtures)
    service = app.service
    client = app.test_client()
    ws = service.open_workspace(KEY)
    catalog_ids = [c["id"] for c in fixtures.catalogs]
    store_body = {
        "type": "S3",
        "configs": {"bucket": "scale-bucket", "region": "ap-south-1"},
        "secrets": {"access_key_id": "a", "secret_access_key": "b"},
    }
    aoi_body = {
        "description": "scale test",
        "provider": "planetary",
        "satellite_id": fixtures.satellites[0]["id"],
        "project_id": fixtures.projects[0]["id"],
        "item_ids": [],
    }
    made = {"stores": 0, "deliveries": 0, "aois": 0}
    first_store = service.stores.create(ws, {**store_body, "name": "scale-0"})["id"]
    made["stores"] = 1
    probe_catalog = catalog_ids[0]

    def grow(size: int) -> float:
        started = time.perf_counter()
        while made["stores"] < size:
            service.stores.create(ws, {**store_body, "name": f"scale-{made['stores']}"})
            made["stores"] += 1
        while made["deliveries"] < size:
            count = min(100, size - made["deliveries"])
            start = made["deliveries"] % len(catalog_ids)
            ids = (catalog_ids * 2)[start : start + count]
            entry = {"catalog_ids": ids, "cloud_info": {"config": first_store, "path": "x/"}}
            made["deliveries"] += len(
                service.deliveries.create(ws, {"deliveries": [entry]})["deliveries"]
            )
        while made["aois"] < size:
            i = made["aois"]
            service.aois.create(ws, {**aoi_body, "name": f"scale-aoi-{i}", "geometry": _polygon(i)})
            made["aois"] += 1
        return time.perf_counter() - started

    def median_ms(path: str, repeats: int) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(repeats):
            ms, response = timed(lambda: client.get(path, headers=HEADERS))
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            times.append(ms)
            size = len(response.content)
        return statistics.median(times), size

    rows = []
    for size in sizes:
        seconds = grow(size)
        repeats = 5 if size >= 5000 else 20
        aoi_total = size + len(fixtures.aois)
        row: dict[str, Any] = {"size": size, "create_s": round(seconds, 1)}
        probes = {
            "stores_all": "/v0/stores",
            "deliveries_all": "/v0/catalogs/deliveries",
            "deliveries_by_catalog": f"/v0/catalogs/deliveries?catalog_id={probe_catalog}",
            "aois_first": "/v0/aois?limit=10&offset=0",
            "aois_middle": f"/v0/aois?limit=10&offset={aoi_total // 2}",
            "aois_last": f"/v0/aois?limit=10&offset={aoi_total - 10}",
        }
        for name, path in probes.items():
            ms, nbytes = median_ms(path, repeats)
            row[f"{name}_ms"] = round(ms, 2)
            row[f"{name}_bytes"] = nbytes
        rows.append(row)
        print(f"  {size:>6,} of each created in {seconds:.1f} s; timed", flush=True)

    print(
        "\n  median ms per request through the HTTP stack (in-process client); the workspace also"
        f" holds its {len(fixtures.stores)} seed stores and {len(fixtures.aois)} seed AOIs"
    )
    header = (
        "    size     ListStores   ListDeliveries  ListDeliveries   ListAOIs  ListAOIs  ListAOIs\n"
        "             (all)        (all)           ?catalog_id=     first     middle    last"
    )
    print(header)
    for r in rows:
        print(
            f"    {r['size']:>6,}  {r['stores_all_ms']:9.2f}   {r['deliveries_all_ms']:12.2f}"
            f"   {r['deliveries_by_catalog_ms']:12.2f}   {r['aois_first_ms']:8.2f}"
            f"  {r['aois_middle_ms']:8.2f}  {r['aois_last_ms']:8.2f}"
        )
    last = rows[-1]
    print(
        f"  at {last['size']:,}: ListStores answers {last['stores_all_bytes'] / 1e6:.1f} MB and"
        f" ListDeliveries {last['deliveries_all_bytes'] / 1e6:.1f} MB (the contract gives them no"
        " pagination); a ListAOIs page is"
        f" {last['aois_first_bytes'] / 1e3:.1f} kB"
    )
    return {"rows": rows, "rss_mb": round(rss_mb(), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogs", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--part", choices=("all", "search", "lists"), default="all")
    parser.add_argument(
        "--keep-list",
        action="store_true",
        help="keep the synthetic catalogs in a list (as a loaded FixtureSet would) instead of"
        " streaming them into the index",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)

    started = time.perf_counter()
    out: dict[str, Any] = {}
    if args.part in ("all", "search"):
        out["search"] = part_search(args.catalogs, args.searches, args.keep_list)
    if args.part in ("all", "lists"):
        out["lists"] = part_lists(sizes)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(
        f"\ndone in {out['elapsed_s']:.0f} s; peak RSS of this process {out['peak_rss_mb']:.0f} MB"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=2) + "\n")
        print(f"results written to {args.json_out}")


if __name__ == "__main__":
    main()
