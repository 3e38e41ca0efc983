"""Deterministic generator of the default fixture data set.

Everything comes from one seed: a ``random.Random`` for numbers, ids and timestamps, and a seeded
``Faker`` for the few human words (names, titles, descriptions). There is no wall-clock time:
every timestamp is drawn inside fixed ranges, so the same seed (and Faker version) always gives
byte-identical files. Run ``python -m mockserver.data.generate`` to rewrite ``fixtures/``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faker
from pyproj import Transformer
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from mockserver import geo
from mockserver.aoi_assets import ASSET_HOST
from mockserver.package_data import default_fixtures_dir

DEFAULT_SEED = 20240527

FIXTURE_FILES = (
    "satellites.json",
    "projects.json",
    "order_items.json",
    "catalogs.json",
    "workspace.json",
    "manifest.json",
)

CATALOG_COUNT = 240
ORDER_COUNT = 15
CATALOG_ORDER_ITEMS = 34
EMPTY_ORDER_ITEM_STATUSES = ("DRAFT", "DRAFT", "CANCELLED", "CANCELLED", "FAILED", "FAILED")
MIN_CATALOGS_PER_ITEM = 3
MAX_CATALOGS_PER_ITEM = 10

GSD_M = 5  # metres; an integer on the wire, as the reference types `gsd`

STAC_EXTENSIONS = [
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "https://stac-extensions.github.io/view/v1.0.0/schema.json",
    "https://stac-extensions.github.io/sat/v1.0.0/schema.json",
]

QUERYABLES = [
    "datetime",
    "eo:cloud_cover",
    "gsd",
    "view:off_nadir",
    "view:sun_elevation",
    "platform",
    "project_id",
    "usecase",
    "order_id",
    "order_item_id",
]

# Fixed time ranges (all UTC) that every drawn timestamp falls within.
ACQUISITION_START = datetime(2022, 7, 1, tzinfo=UTC)
ACQUISITION_END = datetime(2025, 10, 31, tzinfo=UTC)
TD2_FIRST_LIGHT = datetime(2022, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SatelliteDef:
    id: str
    name: str
    short: str
    first_wavelength_nm: float
    band_spacing_nm: float
    band_count: int


SATELLITES = (
    SatelliteDef("0004ab8d-0ad1-4d62-8a3f-fe18a7000e70", "Pixxel-TD1", "TD1", 470.0, 2.90, 150),
    SatelliteDef("0005c5bb-0bd2-4c80-9393-4a808341c54c", "Pixxel-TD2", "TD2", 472.5, 2.85, 150),
)


@dataclass(frozen=True)
class Anchor:
    """A point on land that footprints are scattered around."""

    name: str
    lat: float
    lon: float
    jitter_deg: float = 0.3
    max_side_km: float = 30.0


# Land anchors: farmland, forest, mines, deltas, cities and two sites next to the antimeridian.
# The jitter and maximum footprint side keep every footprint on land and off the ±180 line.
ANCHORS: dict[str, Anchor] = {
    a.name: a
    for a in (
        Anchor("Ludhiana, Punjab", 30.90, 75.85),
        Anchor("Bathinda, Punjab", 30.21, 74.95),
        Anchor("Karnal, Haryana", 29.69, 76.99),
        Anchor("Meerut, Uttar Pradesh", 28.98, 77.70),
        Anchor("Ahmednagar, Maharashtra", 19.09, 74.74),
        Anchor("Wardha, Maharashtra", 20.74, 78.60),
        Anchor("Story County, Iowa", 42.03, -93.62),
        Anchor("Saline County, Kansas", 38.84, -97.61),
        Anchor("Sorriso, Mato Grosso", -12.55, -55.72),
        Anchor("Poltava, Ukraine", 49.59, 34.55),
        Anchor("Pergamino, Buenos Aires", -33.89, -60.57),
        Anchor("Regina Plains, Saskatchewan", 50.30, -104.40),
        Anchor("Griffith, Murray-Darling Basin", -34.29, 146.05),
        Anchor("Eldoret, Kenyan Highlands", 0.51, 35.27),
        Anchor("Central Kalimantan, Borneo", -1.60, 113.50),
        Anchor("Tshopo, Congo Basin", 0.50, 25.20),
        Anchor("Ariquemes, Rondonia", -9.90, -63.00),
        Anchor("Riau, Sumatra", 0.50, 101.70),
        Anchor("Newman, Pilbara", -23.36, 119.73),
        Anchor("Calama, Atacama", -22.45, -68.90),
        Anchor("Kalgoorlie, Goldfields", -30.75, 121.47),
        Anchor("Kitwe, Copperbelt", -12.80, 28.20),
        Anchor("Sudbury Basin, Ontario", 46.55, -81.05, jitter_deg=0.2, max_side_km=20.0),
        Anchor("Tanta, Nile Delta", 30.79, 31.00, jitter_deg=0.25),
        Anchor("Can Tho, Mekong Delta", 10.03, 105.78, jitter_deg=0.2, max_side_km=20.0),
        Anchor("Jessore, Ganges Delta", 23.17, 89.21),
        Anchor("Okavango Delta, Botswana", -19.50, 22.90),
        Anchor("Bengaluru, Karnataka", 12.97, 77.59),
        Anchor("Ibadan, Oyo", 7.38, 3.90),
        Anchor("Mexico City Basin", 19.43, -99.13, jitter_deg=0.2),
        Anchor("Kuopio, North Savo", 62.89, 27.68, jitter_deg=0.2, max_side_km=20.0),
        Anchor("Vanua Levu, Fiji", -16.60, 179.30, jitter_deg=0.08, max_side_km=10.0),
        Anchor("Chukotka Peninsula", 66.00, -174.00, jitter_deg=0.25, max_side_km=20.0),
    )
}


@dataclass(frozen=True)
class ProjectDef:
    name: str
    region: str
    themes: tuple[tuple[str, tuple[str, ...]], ...]  # (usecase, anchor names)


PROJECTS = (
    ProjectDef(
        "punjab-crop-monitoring",
        "Punjab and Haryana, India",
        (
            (
                "agriculture",
                (
                    "Ludhiana, Punjab",
                    "Bathinda, Punjab",
                    "Karnal, Haryana",
                    "Meerut, Uttar Pradesh",
                ),
            ),
        ),
    ),
    ProjectDef(
        "global-grain-belt",
        "Americas, Europe, Africa, Oceania",
        (
            (
                "agriculture",
                (
                    "Story County, Iowa",
                    "Saline County, Kansas",
                    "Sorriso, Mato Grosso",
                    "Poltava, Ukraine",
                    "Pergamino, Buenos Aires",
                    "Regina Plains, Saskatchewan",
                    "Griffith, Murray-Darling Basin",
                    "Eldoret, Kenyan Highlands",
                    "Ahmednagar, Maharashtra",
                    "Wardha, Maharashtra",
                ),
            ),
        ),
    ),
    ProjectDef(
        "tropical-forest-watch",
        "Tropical belt",
        (
            (
                "forestry",
                (
                    "Central Kalimantan, Borneo",
                    "Tshopo, Congo Basin",
                    "Ariquemes, Rondonia",
                    "Riau, Sumatra",
                ),
            ),
        ),
    ),
    ProjectDef(
        "critical-minerals-survey",
        "Australia, South America, Africa, Canada",
        (
            (
                "mining",
                (
                    "Newman, Pilbara",
                    "Calama, Atacama",
                    "Kalgoorlie, Goldfields",
                    "Kitwe, Copperbelt",
                    "Sudbury Basin, Ontario",
                ),
            ),
        ),
    ),
    ProjectDef(
        "deltas-and-cities",
        "Nile, Mekong, Ganges and Okavango deltas; tropical cities",
        (
            (
                "water",
                (
                    "Tanta, Nile Delta",
                    "Can Tho, Mekong Delta",
                    "Jessore, Ganges Delta",
                    "Okavango Delta, Botswana",
                ),
            ),
            ("urban", ("Bengaluru, Karnataka", "Ibadan, Oyo", "Mexico City Basin")),
        ),
    ),
    ProjectDef(
        "remote-environment-watch",
        "Boreal Finland, Fiji and Chukotka",
        (
            (
                "environment",
                ("Kuopio, North Savo", "Vanua Levu, Fiji", "Chukotka Peninsula"),
            ),
        ),
    ),
)

_KIND_LABELS = {"TASKING": "tasking", "ARCHIVE": "archive purchase", "RECURRING": "monitoring"}

# STAC ``eo`` common names for the ranges they clearly apply to (micrometres); bands between these
# ranges carry no common name.
_COMMON_NAMES = (
    ("blue", 0.450, 0.515),
    ("green", 0.525, 0.600),
    ("red", 0.630, 0.690),
    ("rededge", 0.700, 0.790),
    ("nir", 0.800, 0.880),
)


# --------------------------------------------------------------------------------------------
# small deterministic helpers


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A instant in ``[start, end]`` with microsecond resolution."""
    span_us = int((end - start) / timedelta(microseconds=1))
    return start + timedelta(microseconds=rng.randint(0, max(span_us, 0)))


def _after(rng: random.Random, start: datetime, min_hours: float, max_hours: float) -> datetime:
    return _between(rng, start + timedelta(hours=min_hours), start + timedelta(hours=max_hours))


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and ``Z``: ``2024-05-27T06:50:20.056549Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _common_name(center_um: float) -> str | None:
    for name, low, high in _COMMON_NAMES:
        if low <= center_um <= high:
            return name
    return None


def utm_epsg(lon: float, lat: float) -> int:
    """The WGS 84 / UTM zone EPSG code for a point (326zz north, 327zz south)."""
    zone = min(max(int(math.floor((lon + 180.0) / 6.0)) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


@functools.lru_cache(maxsize=128)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)


def _ring_to_polygon(ring: list[list[float]]) -> Polygon:
    return Polygon([(x, y) for x, y in ring])


def _offset(lon: float, lat: float, east_km: float, north_km: float) -> tuple[float, float]:
    """A local tangent-plane offset, good to metres at footprint scale."""
    dlat = north_km / 110.574
    dlon = east_km / (111.320 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


def _closed_ccw_ring(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    rounded = [(round(x, 6), round(y, 6)) for x, y in points]
    polygon = orient(Polygon(rounded), sign=1.0)
    return [[x, y] for x, y in polygon.exterior.coords]


def _bbox(ring: list[list[float]]) -> list[float]:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _jittered_centre(rng: random.Random, anchor: Anchor) -> tuple[float, float]:
    radius = anchor.jitter_deg * math.sqrt(rng.random())
    angle = rng.uniform(0.0, 2.0 * math.pi)
    return anchor.lon + radius * math.cos(angle), anchor.lat + radius * math.sin(angle)


def _footprint(
    rng: random.Random, anchor: Anchor
) -> tuple[list[list[float]], tuple[float, float], float, float]:
    """A slightly rotated rectangle (closed, counter-clockwise) around a jittered centre."""
    lon0, lat0 = _jittered_centre(rng, anchor)
    side_max = anchor.max_side_km
    width = rng.uniform(5.0, min(side_max, 22.0))
    height = rng.uniform(max(5.0, width * 0.8), side_max)
    theta = math.radians(rng.uniform(-12.0, 12.0))
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * width / 2.0, sy * height / 2.0
        corners.append(_offset(lon0, lat0, x * cos_t - y * sin_t, x * sin_t + y * cos_t))
    return _closed_ccw_ring(corners), (lon0, lat0), width, height


def _sun_position(lat: float, moment_utc: datetime, lon: float) -> tuple[float, float]:
    """Approximate (azimuth, elevation) in degrees of the sun for a point and an instant."""
    doy = moment_utc.timetuple().tm_yday
    decl = math.radians(23.44) * math.sin(2.0 * math.pi * (doy - 81) / 365.0)
    solar_hours = moment_utc.hour + moment_utc.minute / 60.0 + lon / 15.0
    hour_angle = math.radians(15.0 * (((solar_hours - 12.0) + 12.0) % 24.0 - 12.0))
    phi = math.radians(lat)
    sin_el = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(hour_angle)
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, sin_el))))
    azimuth = math.degrees(
        math.atan2(
            -math.cos(decl) * math.sin(hour_angle),
            math.sin(decl) * math.cos(phi) - math.cos(decl) * math.sin(phi) * math.cos(hour_angle),
        )
    )
    return azimuth % 360.0, elevation


def _acquisition_time(
    rng: random.Random, lon: float, lat: float, start: datetime, end: datetime
) -> datetime:
    """A mid-morning local-solar-time pass between ``start`` and ``end`` with the sun up."""
    chosen = start
    for _attempt in range(40):
        day = _between(rng, start, end).date()
        local_hours = rng.uniform(9.75, 11.25)
        utc_hours = local_hours - lon / 15.0
        chosen = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=utc_hours)
        chosen += timedelta(microseconds=rng.randint(0, 999_999))
        if not start <= chosen <= end:
            continue
        if _sun_position(lat, chosen, lon)[1] >= 12.0:
            return chosen
    return min(max(chosen, start), end)


# --------------------------------------------------------------------------------------------
# satellites


def _satellite(sat: SatelliteDef) -> dict[str, Any]:
    bands: list[dict[str, Any]] = [
        {
            "name": f"B{i + 1:03d}",
            "wavelength": round(sat.first_wavelength_nm + i * sat.band_spacing_nm, 2),
            "spatial_resolution": GSD_M,
            "scale": 0.0001,
            "offset": 0.0,
        }
        for i in range(sat.band_count)
    ]

    def nearest(target_nm: float) -> str:
        name: str = min(bands, key=lambda b: abs(b["wavelength"] - target_nm))["name"]
        return name

    low = sat.short.lower()
    collections = [
        {
            "id": f"pixxel-{low}-l1c",
            "name": f"Pixxel {sat.short} L1C top-of-atmosphere radiance",
            "provider": "pixxel",
            "queryables": list(QUERYABLES),
            "rescale": [0, 4000],
        },
        {
            "id": f"pixxel-{low}-l2a",
            "name": f"Pixxel {sat.short} L2A surface reflectance",
            "provider": "pixxel",
            "queryables": list(QUERYABLES),
            "rescale": [0, 3000],
        },
    ]
    return {
        "id": sat.id,
        "name": sat.name,
        "bands": bands,
        "collections": collections,
        "rgb_composite": {"red": nearest(650.0), "green": nearest(550.0), "blue": nearest(470.0)},
    }


def _bandsets(
    rng: random.Random, satellites: list[dict[str, Any]], per_satellite: int = 3
) -> dict[str, list[tuple[str, list[dict[str, Any]]]]]:
    """Per satellite id: a few (bandset id, subset of 20-40 bands) pairs."""
    result: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    for sat in satellites:
        bands = sat["bands"]
        sets = []
        for _ in range(per_satellite):
            size = rng.randint(20, 40)
            picked = sorted(rng.sample(range(len(bands)), size))
            sets.append((_uuid(rng), [bands[i] for i in picked]))
        result[sat["id"]] = sets
    return result


def _eo_bands(bands: list[dict[str, Any]], spacing_nm: float) -> list[dict[str, Any]]:
    out = []
    for band in bands:
        center = round(band["wavelength"] / 1000.0, 5)
        entry: dict[str, Any] = {"name": band["name"]}
        common = _common_name(center)
        if common is not None:
            entry["common_name"] = common
        entry["center_wavelength"] = center
        entry["fwhm"] = round(spacing_nm * 1.2 / 1000.0, 5)
        out.append(entry)
    return out


# --------------------------------------------------------------------------------------------
# the data set


def generate(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The whole fixture data set: file name -> JSON document."""
    rng = random.Random(seed)
    fake = faker.Faker("en_US")
    fake.seed_instance(seed)

    satellites = [_satellite(s) for s in SATELLITES]
    sat_defs = {s.id: s for s in SATELLITES}
    org_id = _uuid(rng)
    users = [_uuid(rng) for _ in range(4)]
    bandsets = _bandsets(rng, satellites)

    # Workspace stores first: order items point their cloud delivery at them.
    stores = _stores(rng, fake, users)

    projects, project_defs = _projects(rng, fake, org_id)
    order_items, item_plans = _order_items(rng, org_id, projects, project_defs, stores, satellites)
    catalogs = _catalogs(rng, org_id, users, satellites, sat_defs, bandsets, item_plans)

    aois = _aois(rng, fake, users, catalogs, satellites)

    # Order-item details and tasks draw from a generator of their own, so that adding them
    # left every value drawn above unchanged.
    details_rng = random.Random(f"order-item-details-{seed}")
    _complete_order_items(details_rng, order_items, item_plans, catalogs, bandsets, users)
    stores, aois, projects, order_items, catalogs = _pin_documented_ids(
        stores, aois, projects, order_items, catalogs
    )

    catalogs.sort(key=lambda c: c["id"])
    order_items.sort(key=lambda o: o["id"])

    docs: dict[str, Any] = {
        "satellites.json": {"satellites": satellites},
        "projects.json": {"projects": projects},
        "order_items.json": {"order_items": order_items},
        "catalogs.json": {"catalogs": catalogs},
        "workspace.json": {"stores": stores, "aois": aois},
    }
    docs["manifest.json"] = {
        "seed": seed,
        "faker_version": faker.VERSION,
        "counts": {name: record_count(doc) for name, doc in docs.items()},
        # Downloads that include one of these catalogs end "failed" (a documented magic value).
        "unavailable_catalog_ids": [catalogs[0]["id"]],
    }
    return docs


def record_count(document: Any) -> int:
    """Number of records in a fixture document (the sum of its top-level lists)."""
    if isinstance(document, dict):
        return sum(len(v) for v in document.values() if isinstance(v, list))
    return 0


def _stores(rng: random.Random, fake: faker.Faker, users: list[str]) -> list[dict[str, Any]]:
    start = datetime(2022, 3, 1, tzinfo=UTC)
    end = datetime(2022, 5, 31, tzinfo=UTC)
    specs = (
        ("demo-s3-archive", "S3", "pixxel-mock-demo-archive", "ap-south-1", "deliveries/"),
        ("demo-gcs-analytics", "GCS", "pixxel-mock-demo-analytics", "asia-south1", None),
    )
    stores = []
    for name, kind, bucket, region, prefix in specs:
        created = _between(rng, start, end)
        configs: dict[str, Any] = {"bucket": bucket, "region": region}
        if prefix is not None:
            configs["path_prefix"] = prefix
        stores.append(
            {
                "id": _uuid(rng),
                "name": name,
                "type": kind,
                "configs": configs,
                "labels": {"environment": "demo", "owner": fake.user_name()},
                "created_at": timestamp(created),
                "updated_at": timestamp(_after(rng, created, 1, 24 * 60)),
                "created_by": rng.choice(users),
            }
        )
    return stores


def _projects(
    rng: random.Random, fake: faker.Faker, org_id: str
) -> tuple[list[dict[str, Any]], dict[str, ProjectDef]]:
    start = datetime(2022, 1, 3, tzinfo=UTC)
    end = datetime(2022, 5, 31, tzinfo=UTC)
    projects = []
    defs = {}
    for pdef in PROJECTS:
        created = _between(rng, start, end)
        updated = _between(rng, created, datetime(2025, 11, 15, tzinfo=UTC))
        usecases = [u for u, _ in pdef.themes]
        pid = _uuid(rng)
        projects.append(
            {
                "id": pid,
                "name": pdef.name,
                "title": pdef.name.replace("-", " ").title(),
                "org_id": org_id,
                "members_count": rng.randint(1, 12),
                "created_at": timestamp(created),
                "updated_at": timestamp(updated),
                "metadata": {
                    "region": pdef.region,
                    "usecase": usecases[0] if len(usecases) == 1 else ",".join(usecases),
                    "owner": fake.name(),
                    "description": fake.sentence(nb_words=10),
                },
            }
        )
        defs[pid] = pdef
    return projects, defs


@dataclass
class _ItemPlan:
    item: dict[str, Any]
    project: dict[str, Any]
    satellite_id: str
    usecase: str
    anchors: tuple[str, ...]
    primary_anchor: str
    window: tuple[datetime, datetime]
    catalog_count: int
    bandset_index: int


def _order_items(
    rng: random.Random,
    org_id: str,
    projects: list[dict[str, Any]],
    project_defs: dict[str, ProjectDef],
    stores: list[dict[str, Any]],
    satellites: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[_ItemPlan]]:
    # Orders: each project gets at least one, the rest are spread at random.
    order_projects = list(projects)
    while len(order_projects) < ORDER_COUNT:
        order_projects.append(rng.choice(projects))
    orders = [(_uuid(rng), p) for p in order_projects]

    total_items = CATALOG_ORDER_ITEMS + len(EMPTY_ORDER_ITEM_STATUSES)
    item_orders = list(orders) + [rng.choice(orders) for _ in range(total_items - len(orders))]
    rng.shuffle(item_orders)

    # Item types: a fixed mix for catalog-bearing items, shuffled; empty items come last.
    types = ["TASKING"] * 15 + ["ARCHIVE"] * 12 + ["RECURRING"] * 7
    rng.shuffle(types)
    types += [rng.choice(("TASKING", "ARCHIVE")) for _ in EMPTY_ORDER_ITEM_STATUSES]

    # Catalog counts: 3 each, the remainder spread with a cap of 10.
    counts = [MIN_CATALOGS_PER_ITEM] * CATALOG_ORDER_ITEMS
    remaining = CATALOG_COUNT - sum(counts)
    while remaining:
        i = rng.randrange(CATALOG_ORDER_ITEMS)
        if counts[i] < MAX_CATALOGS_PER_ITEM:
            counts[i] += 1
            remaining -= 1

    items: list[dict[str, Any]] = []
    plans: list[_ItemPlan] = []
    for index, (order_id, project) in enumerate(item_orders):
        kind = types[index]
        bears_catalogs = index < CATALOG_ORDER_ITEMS
        pdef = project_defs[project["id"]]
        usecase, anchors = rng.choice(pdef.themes)
        primary = rng.choice(anchors)

        if kind == "ARCHIVE":
            created = _between(
                rng, datetime(2023, 1, 10, tzinfo=UTC), datetime(2025, 10, 20, tzinfo=UTC)
            )
            window = (ACQUISITION_START, created - timedelta(days=2))
        elif kind == "TASKING":
            created = _between(
                rng, datetime(2022, 6, 1, tzinfo=UTC), datetime(2025, 8, 31, tzinfo=UTC)
            )
            window = (
                created + timedelta(days=3),
                min(created + timedelta(days=120), ACQUISITION_END),
            )
        else:
            created = _between(
                rng, datetime(2022, 6, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)
            )
            window = (
                created + timedelta(days=3),
                min(created + timedelta(days=420), ACQUISITION_END),
            )
        window = (max(window[0], ACQUISITION_START), window[1])

        if window[1] > TD2_FIRST_LIGHT + timedelta(days=30) and rng.random() < 0.55:
            satellite_id = SATELLITES[1].id
            window = (max(window[0], TD2_FIRST_LIGHT), window[1])
        else:
            satellite_id = SATELLITES[0].id

        if bears_catalogs:
            if kind == "RECURRING":
                status = rng.choice(("ACTIVE", "ACTIVE", "PARTIALLY_FULFILLED"))
            elif kind == "TASKING":
                status = rng.choice(("FULFILLED", "FULFILLED", "PARTIALLY_FULFILLED", "ACTIVE"))
            else:
                status = "FULFILLED"
        else:
            status = EMPTY_ORDER_ITEM_STATUSES[index - CATALOG_ORDER_ITEMS]

        cloud_delivery: dict[str, str] | None = None
        if rng.random() < 0.4:
            store = rng.choice(stores)
            cloud_delivery = {
                "config": store["id"],
                "path": f"orders/{project['name']}/{order_id[:8]}/",
            }

        image_type = rng.choices(("VNIR", "VSWIR", "SWIR"), weights=(6, 2, 1))[0]
        item = {
            "id": _uuid(rng),
            "order_id": order_id,
            "org_id": org_id,
            "project_id": project["id"],
            "name": f"{primary.split(',')[0]} {_KIND_LABELS[kind]} {created.year}"
            f"-Q{(created.month - 1) // 3 + 1}",
            "type": kind,
            "status": status,
            "image_type": image_type,
            "usecase": usecase,
            "created_at": timestamp(created),
            # provisional; raised below to cover the last catalog of the item
            "updated_at": timestamp(_after(rng, created, 0.5, 72)),
        }
        if cloud_delivery is not None:  # only items with automated delivery carry one
            item["cloud_delivery"] = cloud_delivery
        items.append(item)
        if bears_catalogs:
            plans.append(
                _ItemPlan(
                    item=item,
                    project=project,
                    satellite_id=satellite_id,
                    usecase=usecase,
                    anchors=anchors,
                    primary_anchor=primary,
                    window=window,
                    catalog_count=counts[index],
                    bandset_index=rng.randrange(3),
                )
            )
    return items, plans


def _catalogs(
    rng: random.Random,
    org_id: str,
    users: list[str],
    satellites: list[dict[str, Any]],
    sat_defs: dict[str, SatelliteDef],
    bandsets: dict[str, list[tuple[str, list[dict[str, Any]]]]],
    plans: list[_ItemPlan],
) -> list[dict[str, Any]]:
    scene_numbers: dict[str, int] = {s.id: rng.randint(150, 400) for s in SATELLITES}
    stac_ids: set[str] = set()
    catalogs: list[dict[str, Any]] = []

    for plan in plans:
        sdef = sat_defs[plan.satellite_id]
        bandset_id, bandset_bands = bandsets[plan.satellite_id][plan.bandset_index]
        eo_bands = _eo_bands(bandset_bands, sdef.band_spacing_nm)
        item = plan.item
        tasked = item["type"] in ("TASKING", "RECURRING")

        task_id: str | None = None
        task_left = 0
        latest_update = datetime.fromisoformat(item["updated_at"])
        for _ in range(plan.catalog_count):
            if tasked and task_left == 0:
                task_id, task_left = _uuid(rng), rng.randint(1, 4)
            if tasked:
                task_left -= 1

            anchor_name = plan.primary_anchor
            if len(plan.anchors) > 1 and rng.random() < 0.25:
                anchor_name = rng.choice(plan.anchors)
            anchor = ANCHORS[anchor_name]
            ring, (clon, clat), _w, _h = _footprint(rng, anchor)
            acquired = _acquisition_time(rng, clon, clat, *plan.window)
            processed = _after(rng, acquired, 2, 24 * 6)
            updated = _after(rng, processed, 0.1, 24 * 20)
            latest_update = max(latest_update, updated)

            scene_numbers[sdef.id] += rng.randint(1, 40)
            level = "L2A" if rng.random() < 0.6 else "L1C"
            while True:
                stac_id = (
                    f"{sdef.short}_{scene_numbers[sdef.id]:06d}_{acquired:%Y%m%d}_{level}_"
                    f"{processed:%Y%m%d}_{rng.randint(1_000_000, 1_999_999):08d}"
                )
                if stac_id not in stac_ids:
                    stac_ids.add(stac_id)
                    break

            catalog_id = _uuid(rng)
            polygon = _ring_to_polygon(ring)
            epsg = utm_epsg(clon, clat)
            properties = _properties(
                rng, sdef, plan, ring, epsg, acquired, processed, updated, clon, clat
            )
            collection_id = f"pixxel-{sdef.short.lower()}-{level.lower()}"
            base = f"{ASSET_HOST}/catalogs/{catalog_id}"
            level_title = "surface reflectance" if level == "L2A" else "top-of-atmosphere radiance"
            details = {
                "type": "Feature",
                "stac_version": "1.0.0",
                "stac_extensions": list(STAC_EXTENSIONS),
                "id": stac_id,
                "collection": collection_id,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "bbox": _bbox(ring),
                "properties": properties,
                "assets": {
                    "data": {
                        "href": f"{base}/{stac_id}.tif",
                        "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                        "title": f"{level} {level_title}, {len(eo_bands)} bands",
                        "roles": ["data"],
                        "eo:bands": eo_bands,
                    },
                    "thumbnail": {
                        "href": f"{base}/thumbnail.png",
                        "type": "image/png",
                        "title": "RGB preview",
                        "roles": ["thumbnail"],
                    },
                    "metadata": {
                        "href": f"{base}/metadata.json",
                        "type": "application/json",
                        "title": "Acquisition and processing metadata",
                        "roles": ["metadata"],
                    },
                },
                "links": [
                    {
                        "rel": "self",
                        "href": f"/v0/catalogs/{catalog_id}",
                        "type": "application/json",
                    },
                    {
                        "rel": "collection",
                        "href": f"/v0/collections/{collection_id}",
                        "type": "application/json",
                    },
                    {
                        "rel": "order-item",
                        "href": f"/v0/order-items/{item['id']}",
                        "type": "application/json",
                    },
                ],
            }
            creator = rng.choice(users)
            catalogs.append(
                {
                    "id": catalog_id,
                    "org_id": org_id,
                    "task_id": task_id if tasked else None,
                    "bandset_id": bandset_id,
                    "area": round(geo.geodesic_area_m2(polygon) / 1e6, 3),
                    "delivery_status": "UNSPECIFIED",
                    "details": details,
                    "created_at": timestamp(processed),
                    "created_by": creator,
                    "updated_at": timestamp(updated),
                    "updated_by": creator if rng.random() < 0.7 else rng.choice(users),
                }
            )
        item["updated_at"] = timestamp(_after(rng, latest_update, 0.2, 48))
    return catalogs


def _properties(
    rng: random.Random,
    sdef: SatelliteDef,
    plan: _ItemPlan,
    ring: list[list[float]],
    epsg: int,
    acquired: datetime,
    processed: datetime,
    updated: datetime,
    lon: float,
    lat: float,
) -> dict[str, Any]:
    xs, ys = _to_utm(epsg).transform([p[0] for p in ring], [p[1] for p in ring])
    x_min = math.floor(min(xs) / GSD_M) * GSD_M
    y_max = math.ceil(max(ys) / GSD_M) * GSD_M
    cols = math.ceil((max(xs) - x_min) / GSD_M)
    rows = math.ceil((y_max - min(ys)) / GSD_M)
    azimuth, elevation = _sun_position(lat, acquired, lon)
    item = plan.item
    return {
        "datetime": timestamp(acquired),
        "created": timestamp(processed),
        "updated": timestamp(updated),
        "platform": sdef.name,
        "constellation": "pixxel",
        "instruments": ["hyperspectral-imager"],
        "gsd": GSD_M,
        "eo:cloud_cover": round(100.0 * rng.betavariate(0.7, 6.0), 2),
        "proj:epsg": epsg,
        "proj:shape": [rows, cols],
        "proj:transform": [float(GSD_M), 0.0, float(x_min), 0.0, -float(GSD_M), float(y_max)],
        "view:off_nadir": round(min(30.0, abs(rng.gauss(0.0, 9.0))), 2),
        "view:sun_azimuth": round(azimuth, 2),
        "view:sun_elevation": round(min(80.0, max(10.0, elevation)), 2),
        "sat:orbit_state": "descending" if rng.random() < 0.85 else "ascending",
        "project_id": item["project_id"],
        "order_id": item["order_id"],
        "order_item_id": item["id"],
        "usecase": item["usecase"],
        "satellite_id": sdef.id,
    }


def _aois(
    rng: random.Random,
    fake: faker.Faker,
    users: list[str],
    catalogs: list[dict[str, Any]],
    satellites: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Two AOIs, each centred on an existing footprint so that it has images."""
    aois = []
    sat_bands = {s["id"]: s for s in satellites}
    for anchor_name, label in (
        ("Ludhiana, Punjab", "wheat belt"),
        ("Tanta, Nile Delta", "irrigation district"),
    ):
        anchor = ANCHORS[anchor_name]
        candidates = [c for c in catalogs if _near(c, anchor, 0.5)]
        chosen = rng.choice(candidates) if candidates else rng.choice(catalogs)
        props = chosen["details"]["properties"]
        centre = _ring_to_polygon(chosen["details"]["geometry"]["coordinates"][0]).centroid
        radius_km = rng.uniform(3.0, 7.0)
        vertices = rng.randint(6, 9)
        points = []
        for k in range(vertices):
            angle = 2.0 * math.pi * k / vertices + rng.uniform(-0.2, 0.2)
            r = radius_km * rng.uniform(0.75, 1.15)
            points.append(_offset(centre.x, centre.y, r * math.cos(angle), r * math.sin(angle)))
        ring = _closed_ccw_ring(points)
        polygon = _ring_to_polygon(ring)
        item_ids = sorted(
            c["details"]["id"]
            for c in catalogs
            if c["details"]["properties"]["satellite_id"] == props["satellite_id"]
            and _ring_to_polygon(c["details"]["geometry"]["coordinates"][0]).intersects(polygon)
        )
        sat = sat_bands[props["satellite_id"]]
        rgb = sat["rgb_composite"]
        nir = min(sat["bands"], key=lambda b: abs(b["wavelength"] - 860.0))["name"]
        created = _between(
            rng, datetime(2025, 11, 10, tzinfo=UTC), datetime(2025, 11, 25, tzinfo=UTC)
        )
        aois.append(
            {
                "aoi_id": _uuid(rng),
                "name": f"{anchor_name.split(',')[0]} {label}",
                "description": fake.sentence(nb_words=12),
                "satellite_id": props["satellite_id"],
                "provider": "pixxel",
                "project_id": props["project_id"],
                "images": {"item_ids": item_ids},
                "item_ids": list(item_ids),
                "eo_bands": [rgb["red"], rgb["green"], rgb["blue"], nir],
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "progress": 100,
                "status": "success",
                "is_favourite": rng.random() < 0.5,
                "created_at": timestamp(created),
                "updated_at": timestamp(_after(rng, created, 0.05, 2)),
                "user_id": rng.choice(users),
                "area_in_sq_m": round(geo.geodesic_area_m2(polygon), 2),
                "centroid": geo.centroid(polygon),
            }
        )
    return aois


# Ids that Pixxel's guide pages (and the reference's examples) use in their sample requests. The
# data set carries them, so that each sample works against the mock as it is printed.
DOCUMENTED_PROJECT_ID = "ce5dcc14-8291-4b0c-a278-8c05ec426d22"
DOCUMENTED_SEARCH_CATALOG_ID = "47435e2b-d8c4-41ff-9de9-2be3bfc92276"
DOCUMENTED_DOWNLOAD_CATALOG_ID = "47435e2b-d8c4-51ff-9de9-2be3bfc92276"
DOCUMENTED_ORDER_ID = "57435e2b-d8c4-41ff-9de9-2be3bfc92277"
DOCUMENTED_ORDER_ITEM_ID = "57435e2b-d8c4-41ff-9de9-2be3bfc92278"
DOCUMENTED_STAC_ITEM_ID = "TD2_00056_20230815_L2A_004010_01001001"
DOCUMENTED_STAC_ITEM_DATE = datetime(2023, 8, 15, tzinfo=UTC)
DOCUMENTED_AOI_ID = "e9767554-550e-4464-a677-b8cf096073ab"
DOCUMENTED_STORE_IDS = (
    "9af9ca14-8c0f-4b7b-ab5e-3a29fc7325b6",
    "576d8241-6e78-40ad-b3e6-295edbfe71f5",
)
# The guide's catalog search sample: an agriculture catalog acquired before this instant.
DOCUMENTED_SEARCH_END = datetime(2023, 6, 5, 11, 56, 49, tzinfo=UTC)

_TASK_STATUS = {
    "FULFILLED": "FULFILLED",
    "PARTIALLY_FULFILLED": "PARTIALLY_FULFILLED",
    "ACTIVE": "IN_PROGRESS",
    "DRAFT": "DRAFT",
    "CANCELLED": "CANCELLED",
    "FAILED": "FAILED",
}
_PAYMENT_STATUS = {
    "DRAFT": "UNPAID",
    "CANCELLED": "REFUND",
    "FAILED": "PARTIAL-REFUND",
    "PARTIALLY_FULFILLED": "PARTIAL-MONTHLY",
}
_UPLIFTS = (
    ("Cloud cover guarantee", "Capture retried until cloud cover is under the limit", 15),
    ("Priority tasking", "Capture scheduled ahead of standard requests", 25),
    ("Archive discount", "Imagery older than twelve months", -20),
    ("Volume discount", "More than 1,000 sq km in one order", -10),
)


def _complete_order_items(
    rng: random.Random,
    items: list[dict[str, Any]],
    plans: list[_ItemPlan],
    catalogs: list[dict[str, Any]],
    bandsets: dict[str, list[tuple[str, list[dict[str, Any]]]]],
    users: list[str],
) -> None:
    """Give every order item the reference's full set of fields and its tasks.

    Catalogs of an archive item get the id of the item's one archive task; catalogs of tasked
    items already carry their task's id. Each task is listed on its item.
    """
    plan_of = {plan.item["id"]: plan for plan in plans}
    by_item: dict[str, list[dict[str, Any]]] = {}
    for catalog in catalogs:
        by_item.setdefault(catalog["details"]["properties"]["order_item_id"], []).append(catalog)
    for item in items:
        kind, status = item["type"], item["status"]
        created = datetime.fromisoformat(item["created_at"])
        updated = datetime.fromisoformat(item["updated_at"])
        own = sorted(
            by_item.get(item["id"], []), key=lambda c: c["details"]["properties"]["datetime"]
        )
        plan = plan_of.get(item["id"])
        if plan is not None:
            sat_id = plan.satellite_id
            bandset_id, bands = bandsets[sat_id][plan.bandset_index]
        else:
            sat_id = rng.choice(sorted(bandsets))
            bandset_id, bands = rng.choice(bandsets[sat_id])
        if kind == "ARCHIVE" and own:
            archive_task = _uuid(rng)
            for catalog in own:
                catalog["task_id"] = archive_task
        task_ids: list[str] = []
        for catalog in own:
            if catalog["task_id"] not in task_ids:
                task_ids.append(catalog["task_id"])
        if not task_ids and status in ("CANCELLED", "FAILED"):
            task_ids.append(_uuid(rng))
        if own:
            area = max(25, round(sum(c["area"] for c in own)))
            start = datetime.fromisoformat(own[0]["details"]["properties"]["datetime"])
            end = datetime.fromisoformat(own[-1]["details"]["properties"]["datetime"])
        else:
            area = rng.randint(50, 1500)
            start = created + timedelta(days=3)
            end = start + timedelta(days=rng.choice((30, 60, 90)))
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        end = end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        tokens = area * rng.choice((8, 10, 12))
        base = float(area * rng.choice((18, 20, 24)))
        uplifts = []
        for title, subtitle, percentage in rng.sample(_UPLIFTS, rng.randint(0, 2)):
            if (percentage < 0) != (kind == "ARCHIVE") and title != "Volume discount":
                continue
            uplift: dict[str, Any] = {
                "title": title,
                "subtitle": subtitle,
                "percentage": percentage,
                "amount": round(base * percentage / 100),
            }
            if kind == "ARCHIVE" and own:
                uplift["item_id"] = own[0]["details"]["id"]
            uplifts.append(uplift)
        occurrences: list[dict[str, str]] = []
        if kind == "RECURRING":
            moment = start
            while moment < end and len(occurrences) < 24:
                following = moment + timedelta(days=30)
                occurrences.append({"start": timestamp(moment), "end": timestamp(following)})
                moment = following
        creator = rng.choice(users)
        tasked = kind != "ARCHIVE"
        item.update(
            {
                "area": area,
                "bandset": {
                    "bandset_id": bandset_id,
                    "bands": [{"name": b["name"], "wavelength": b["wavelength"]} for b in bands],
                    "custom": [],
                },
                "number_of_bands": len(bands),
                "base_amount": base,
                "final_amount": base + sum(u["amount"] for u in uplifts),
                "uplifts": uplifts,
                "cloud_cover": rng.choice((10, 20, 30)) if tasked else 100,
                "off_nadir": rng.choice((15, 20, 30)) if tasked else 45,
                "delivery_speed": "STANDARD" if tasked else "NOT_APPLICABLE",
                "feasibility_status": (
                    rng.choice(("SUCCESS", "SUCCESS", "WEAK_SUCCESS"))
                    if tasked
                    else "NOT_APPLICABLE"
                ),
                "last_feasibility_check": timestamp(_after(rng, created, 0.1, 6)),
                "recurrence": {"TASKING": "ONCE", "ARCHIVE": "NOT_APPLICABLE"}.get(kind, "MONTHLY"),
                "occurrences": occurrences,
                "no_of_occurrences": len(occurrences),
                "start_date": timestamp(start),
                "end_date": timestamp(end),
                "images": [
                    {"item_id": c["details"]["id"], "geometry": c["details"]["geometry"]}
                    for c in own
                ],
                "payment_status": _PAYMENT_STATUS.get(status, "PAID"),
                "tokens_used": 0 if status == "DRAFT" else tokens,
                "transaction_id": _uuid(rng),
                "user_id": creator,
                "created_by": creator,
                "updated_by": rng.choice(users),
                "validation_errors": (
                    [{"geometry": ["the area of interest is smaller than 25 sq km"]}]
                    if status == "FAILED"
                    else []
                ),
            }
        )
        tasks = []
        for n, task_id in enumerate(task_ids):
            task_catalogs = [c for c in own if c["task_id"] == task_id]
            first = (
                datetime.fromisoformat(task_catalogs[0]["details"]["properties"]["datetime"])
                if task_catalogs
                else start
            )
            task_created = created + timedelta(minutes=5 + n)
            task_status = _TASK_STATUS[status]
            if status == "PARTIALLY_FULFILLED" and n < len(task_ids) - 1:
                task_status = "FULFILLED"
            tasks.append(
                {
                    "id": task_id,
                    "order_item_id": item["id"],
                    "type": "TASKING" if tasked else "ARCHIVE",
                    "status": task_status,
                    "number_of_strips": max(1, len(task_catalogs)),
                    "tokens_used": 0 if status == "DRAFT" else tokens // max(1, len(task_ids)),
                    "transaction_id": item["transaction_id"],
                    "start_date": f"{first:%d-%m-%Y}",
                    "end_date": f"{first + timedelta(days=rng.randint(1, 10)):%d-%m-%Y}",
                    "created_at": timestamp(task_created),
                    "created_by": creator,
                    "updated_at": timestamp(max(updated, task_created)),
                    "updated_by": item["updated_by"],
                }
            )
        item["tasks"] = tasks


def _pin_documented_ids(
    stores: list[dict[str, Any]],
    aois: list[dict[str, Any]],
    projects: list[dict[str, Any]],
    order_items: list[dict[str, Any]],
    catalogs: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], ...]:
    """Rename a few generated records to the ids Pixxel's documents use in their samples.

    The records are chosen to fit each sample (the searched catalog is an agriculture catalog of
    the documented project acquired inside the sample's interval; the documented STAC item is a
    Pixxel-TD2 L2A capture); every reference to a renamed id follows it.
    """
    items_by_id = {o["id"]: o for o in order_items}
    search_candidates = sorted(
        (
            c
            for c in catalogs
            if c["details"]["properties"]["usecase"] == "agriculture"
            and datetime.fromisoformat(c["details"]["properties"]["datetime"])
            < DOCUMENTED_SEARCH_END
        ),
        key=lambda c: (c["details"]["properties"]["datetime"], c["id"]),
    )
    searched = search_candidates[-1]
    project_id = searched["details"]["properties"]["project_id"]
    downloadable = next(
        c for c in sorted(catalogs, key=lambda c: c["id"])[1:] if c["id"] != searched["id"]
    )
    td2_l2a = sorted(
        (
            c
            for c in catalogs
            if c["details"]["id"].startswith("TD2_")
            and "_L2A_" in c["details"]["id"]
            and datetime.fromisoformat(c["details"]["properties"]["datetime"])
            >= DOCUMENTED_STAC_ITEM_DATE
            and c["id"] not in (searched["id"], downloadable["id"])
        ),
        key=lambda c: (c["details"]["properties"]["datetime"], c["id"]),
    )[0]
    # The documented item id names its acquisition day: move the capture back to that day.
    props = td2_l2a["details"]["properties"]
    acquired = datetime.fromisoformat(props["datetime"])
    props["datetime"] = timestamp(
        acquired.replace(year=2023, month=8, day=DOCUMENTED_STAC_ITEM_DATE.day)
    )
    item = items_by_id[searched["details"]["properties"]["order_item_id"]]
    renames = {
        project_id: DOCUMENTED_PROJECT_ID,
        searched["id"]: DOCUMENTED_SEARCH_CATALOG_ID,
        downloadable["id"]: DOCUMENTED_DOWNLOAD_CATALOG_ID,
        item["id"]: DOCUMENTED_ORDER_ITEM_ID,
        item["order_id"]: DOCUMENTED_ORDER_ID,
        td2_l2a["details"]["id"]: DOCUMENTED_STAC_ITEM_ID,
        aois[0]["aoi_id"]: DOCUMENTED_AOI_ID,
    }
    renames.update(zip((s["id"] for s in stores), DOCUMENTED_STORE_IDS, strict=False))
    text = json.dumps([stores, aois, projects, order_items, catalogs])
    for old, new in renames.items():
        text = text.replace(old, new)
    return tuple(json.loads(text))


def _near(catalog: dict[str, Any], anchor: Anchor, degrees: float) -> bool:
    bbox: list[float] = catalog["details"]["bbox"]
    west, south, east, north = bbox
    lon, lat = (west + east) / 2.0, (south + north) / 2.0
    return abs(lon - anchor.lon) <= degrees and abs(lat - anchor.lat) <= degrees


# --------------------------------------------------------------------------------------------
# output


def render(document: Any) -> str:
    """The canonical text of a fixture file."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_fixtures(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the data set and write one file per document into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in generate(seed).items():
        path = out_dir / name
        path.write_text(render(document), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mockserver.data.generate",
        description="Regenerate the deterministic default fixture data set.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the fixtures folder)"
    )
    args = parser.parse_args(argv)
    out_dir = args.out if args.out is not None else default_fixtures_dir()
    for path in write_fixtures(out_dir, args.seed):
        document = json.loads(path.read_text(encoding="utf-8"))
        count = record_count(document) if path.name != "manifest.json" else "-"
        print(f"{path}  {count:>4} records  {path.stat().st_size:>9,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
