"""The default fixture data set: determinism, invariants, and the validating loader."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import faker
import pytest
from shapely.geometry import Polygon

from mockserver import geo
from mockserver.data.generate import (
    ANCHORS,
    DEFAULT_SEED,
    DOCUMENTED_AOI_ID,
    DOCUMENTED_DOWNLOAD_CATALOG_ID,
    DOCUMENTED_ORDER_ITEM_ID,
    DOCUMENTED_PROJECT_ID,
    DOCUMENTED_SEARCH_CATALOG_ID,
    DOCUMENTED_STAC_ITEM_ID,
    FIXTURE_FILES,
    SATELLITES,
    generate,
    main,
    render,
    utm_epsg,
)
from mockserver.data.loader import FixtureError, FixtureSet, load_fixtures
from mockserver.package_data import default_fixtures_dir

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
# Scene numbers and processing runs are shorter in the id Pixxel's guide uses.
STAC_ID = re.compile(r"^TD[12]_\d{5,6}_\d{8}_(L1C|L2A)_\d{6,8}_\d{8}$")
# Version 4, but for one id Pixxel's samples use (a version 5 one).
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return generate()


@pytest.fixture(scope="module")
def catalogs(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["catalogs.json"]["catalogs"]


@pytest.fixture(scope="module")
def order_items(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in data["order_items.json"]["order_items"]}


def _ring(feature_or_geometry: dict[str, Any]) -> list[list[float]]:
    geometry = feature_or_geometry.get("geometry", feature_or_geometry)
    return geometry["coordinates"][0]


# ---------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(data: dict[str, Any]) -> None:
    again = generate(DEFAULT_SEED)
    assert list(again) == list(data) == list(FIXTURE_FILES)
    for name in FIXTURE_FILES:
        assert render(again[name]) == render(data[name]), name


def test_other_seed_gives_other_catalogs(data: dict[str, Any]) -> None:
    other = generate(DEFAULT_SEED + 1)
    assert render(other["catalogs.json"]) != render(data["catalogs.json"])
    documented = {DOCUMENTED_SEARCH_CATALOG_ID, DOCUMENTED_DOWNLOAD_CATALOG_ID}
    ids = {c["id"] for c in data["catalogs.json"]["catalogs"]} - documented
    assert ids.isdisjoint(c["id"] for c in other["catalogs.json"]["catalogs"])
    assert len(other["catalogs.json"]["catalogs"]) == 240


def test_every_seed_holds_the_ids_of_pixxels_samples(data: dict[str, Any]) -> None:
    for docs in (data, generate(DEFAULT_SEED + 1)):
        catalogs = {c["id"]: c for c in docs["catalogs.json"]["catalogs"]}
        searched = catalogs[DOCUMENTED_SEARCH_CATALOG_ID]["details"]["properties"]
        assert searched["project_id"] == DOCUMENTED_PROJECT_ID
        assert searched["usecase"] == "agriculture"
        assert DOCUMENTED_DOWNLOAD_CATALOG_ID in catalogs
        items = [c for c in catalogs.values() if c["details"]["id"] == DOCUMENTED_STAC_ITEM_ID]
        assert [c["details"]["properties"]["datetime"][:10] for c in items] == ["2023-08-15"]
        assert DOCUMENTED_ORDER_ITEM_ID in {
            o["id"] for o in docs["order_items.json"]["order_items"]
        }
        assert docs["workspace.json"]["aois"][0]["aoi_id"] == DOCUMENTED_AOI_ID


def test_order_items_list_their_tasks_and_catalogs_name_one(data: dict[str, Any]) -> None:
    tasks = {
        t["id"]: item["id"]
        for item in data["order_items.json"]["order_items"]
        for t in item["tasks"]
    }
    for catalog in data["catalogs.json"]["catalogs"]:
        assert tasks[catalog["task_id"]] == catalog["details"]["properties"]["order_item_id"]


def test_committed_fixtures_equal_a_fresh_generation(data: dict[str, Any]) -> None:
    folder = default_fixtures_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # pyproject.toml pins Faker to this exact version: another one would write other names.
    assert manifest["faker_version"] == faker.VERSION, (
        f"fixtures were generated with Faker {manifest['faker_version']}, "
        f"this environment has {faker.VERSION}"
    )
    assert manifest["seed"] == DEFAULT_SEED
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(FIXTURE_FILES)
    for name in FIXTURE_FILES:
        committed = (folder / name).read_bytes()
        assert committed == render(data[name]).encode("utf-8"), (
            f"{name} is stale: run `python -m mockserver.data.generate`"
        )


def test_cli_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "7", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FIXTURE_FILES)
    out = capsys.readouterr().out
    assert "catalogs.json" in out and "240 records" in out
    assert json.loads((tmp_path / "manifest.json").read_text())["seed"] == 7


# ---------------------------------------------------------------------------- invariants


def test_counts_and_manifest(data: dict[str, Any], catalogs: list[dict[str, Any]]) -> None:
    assert len(catalogs) == 240
    assert [c["id"] for c in catalogs] == sorted(c["id"] for c in catalogs)
    assert len(data["projects.json"]["projects"]) == 6
    assert 35 <= len(data["order_items.json"]["order_items"]) <= 45
    assert len(data["workspace.json"]["stores"]) == 2
    assert len(data["workspace.json"]["aois"]) == 2
    manifest = data["manifest.json"]
    assert manifest["seed"] == DEFAULT_SEED
    assert manifest["faker_version"] == faker.VERSION
    assert manifest["counts"]["catalogs.json"] == 240


def test_satellites(data: dict[str, Any]) -> None:
    satellites = data["satellites.json"]["satellites"]
    assert {s["name"]: s["id"] for s in satellites} == {
        "Pixxel-TD1": "0004ab8d-0ad1-4d62-8a3f-fe18a7000e70",
        "Pixxel-TD2": "0005c5bb-0bd2-4c80-9393-4a808341c54c",
    }
    for sat in satellites:
        bands = sat["bands"]
        assert 140 <= len(bands) <= 160
        waves = [b["wavelength"] for b in bands]
        assert waves == sorted(waves) and waves[0] < 480 and waves[-1] > 890
        by_name = {b["name"]: b["wavelength"] for b in bands}
        for colour, target in (("red", 650), ("green", 550), ("blue", 470)):
            chosen = by_name[sat["rgb_composite"][colour]]
            assert all(abs(chosen - target) <= abs(w - target) for w in waves)
        short = sat["name"][-3:].lower()
        expected = [f"pixxel-{short}-l1c", f"pixxel-{short}-l2a"]
        assert [c["id"] for c in sat["collections"]] == expected


def test_ids_timestamps_and_one_org(data: dict[str, Any]) -> None:
    orgs: set[str] = set()
    for name in ("projects.json", "order_items.json", "catalogs.json"):
        for records in data[name].values():
            for record in records:
                assert UUID.match(record["id"])
                assert TIMESTAMP.match(record["created_at"])
                assert TIMESTAMP.match(record["updated_at"])
                assert record["updated_at"] >= record["created_at"]
                orgs.add(record["org_id"])
    assert len(orgs) == 1


def test_acquisitions_span_years(catalogs: list[dict[str, Any]]) -> None:
    years = Counter(c["details"]["properties"]["datetime"][:4] for c in catalogs)
    assert len(years) >= 3
    times = sorted(c["details"]["properties"]["datetime"] for c in catalogs)
    assert times[0] >= "2022-07-01" and times[-1] <= "2025-11"
    for c in catalogs:
        props = c["details"]["properties"]
        assert props["datetime"] < props["created"] <= props["updated"]
        assert props["created"] == c["created_at"]


def test_footprints(catalogs: list[dict[str, Any]]) -> None:
    anchors = list(ANCHORS.values())
    for c in catalogs:
        details = c["details"]
        ring = _ring(details)
        assert len(ring) == 5 and ring[0] == ring[-1], details["id"]
        polygon = Polygon(ring)
        assert polygon.is_valid and polygon.exterior.is_ccw, details["id"]
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        assert details["bbox"] == [min(lons), min(lats), max(lons), max(lats)]
        # a footprint crossing the antimeridian would span almost 360 degrees of longitude
        assert all(-180 < x < 180 for x in lons) and max(lons) - min(lons) < 1.0
        centre = polygon.centroid
        nearest = min(anchors, key=lambda a: math.hypot(a.lon - centre.x, a.lat - centre.y))
        assert math.hypot(nearest.lon - centre.x, nearest.lat - centre.y) < 1.0, details["id"]
        assert c["area"] == round(geo.geodesic_area_m2(polygon) / 1e6, 3)
        assert 20 < c["area"] < 1000
        assert details["properties"]["proj:epsg"] == utm_epsg(centre.x, centre.y)


def test_antimeridian_anchors_are_used(catalogs: list[dict[str, Any]]) -> None:
    west = [c for c in catalogs if c["details"]["bbox"][2] > 178.5]
    east = [c for c in catalogs if c["details"]["bbox"][0] < -172.0]
    assert west and east


def test_stac_items(catalogs: list[dict[str, Any]], data: dict[str, Any]) -> None:
    sats = {s["id"]: s for s in data["satellites.json"]["satellites"]}
    stac_ids = [c["details"]["id"] for c in catalogs]
    assert len(set(stac_ids)) == len(stac_ids)
    for c in catalogs:
        details = c["details"]
        props = details["properties"]
        sat = sats[props["satellite_id"]]
        assert STAC_ID.match(details["id"]), details["id"]
        sat_short, _scene, acquired, level, _processed, _n = details["id"].split("_")
        assert sat["name"] == props["platform"] == f"Pixxel-{sat_short}"
        assert acquired == props["datetime"][:10].replace("-", "")
        assert details["collection"] == f"pixxel-{sat_short.lower()}-{level.lower()}"
        assert 0 <= props["eo:cloud_cover"] <= 100
        assert 0 <= props["view:off_nadir"] <= 30
        assert 10 <= props["view:sun_elevation"] <= 80
        assert 0 <= props["view:sun_azimuth"] <= 360
        rows, cols = props["proj:shape"]
        # 5-30 km sides, rotated by up to 12 degrees, at 5 m a pixel
        assert min(rows, cols) >= 5_000 / 5 and max(rows, cols) <= 40_000 / 5
        bands = details["assets"]["data"]["eo:bands"]
        assert 20 <= len(bands) <= 40
        assert {b["name"] for b in bands} <= {b["name"] for b in sat["bands"]}
        assert details["assets"]["data"]["href"].startswith(
            f"https://assets.pixxel-mock.invalid/catalogs/{c['id']}/"
        )
        assert details["links"][0] == {
            "rel": "self",
            "href": f"/v0/catalogs/{c['id']}",
            "type": "application/json",
        }


def test_catalogs_belong_to_order_items(
    catalogs: list[dict[str, Any]], order_items: dict[str, dict[str, Any]], data: dict[str, Any]
) -> None:
    projects = {p["id"] for p in data["projects.json"]["projects"]}
    stores = {s["id"] for s in data["workspace.json"]["stores"]}
    per_item = Counter(c["details"]["properties"]["order_item_id"] for c in catalogs)
    assert set(per_item) <= set(order_items)
    assert all(3 <= n <= 10 for n in per_item.values())
    for c in catalogs:
        props = c["details"]["properties"]
        item = order_items[props["order_item_id"]]
        assert props["project_id"] == item["project_id"]
        assert props["order_id"] == item["order_id"]
        assert props["usecase"] == item["usecase"]
        task = next(t for t in item["tasks"] if t["id"] == c["task_id"])
        assert (task["type"] == "ARCHIVE") == (item["type"] == "ARCHIVE")
        assert item["status"] in ("FULFILLED", "PARTIALLY_FULFILLED", "ACTIVE")
    for item in order_items.values():
        assert item["project_id"] in projects
        if item["id"] not in per_item:
            assert item["status"] in ("DRAFT", "CANCELLED", "FAILED")
        if "cloud_delivery" in item:  # only items with automated delivery have one
            assert item["cloud_delivery"]["config"] in stores
    assert 12 <= len({o["order_id"] for o in order_items.values()}) <= 18
    # tasks are shared by a few catalogs
    assert max(Counter(c["task_id"] for c in catalogs if c["task_id"]).values()) > 1


def test_workspace_aois_cover_their_images(
    data: dict[str, Any], catalogs: list[dict[str, Any]]
) -> None:
    by_stac = {c["details"]["id"]: c for c in catalogs}
    for aoi in data["workspace.json"]["aois"]:
        polygon = Polygon(_ring(aoi["geometry"]))
        assert polygon.is_valid
        assert aoi["item_ids"] and aoi["item_ids"] == aoi["images"]["item_ids"]
        for item_id in aoi["item_ids"]:
            footprint = Polygon(_ring(by_stac[item_id]["details"]))
            assert footprint.intersects(polygon)
        assert aoi["area_in_sq_m"] == round(geo.geodesic_area_m2(polygon), 2)
        assert aoi["centroid"] == [round(polygon.centroid.x, 6), round(polygon.centroid.y, 6)]
        assert aoi["satellite_id"] in {s.id for s in SATELLITES}
    for store in data["workspace.json"]["stores"]:
        assert "secrets" not in store


# ---------------------------------------------------------------------------- loader


def test_loader_accepts_committed_fixtures() -> None:
    fixtures = load_fixtures()
    assert isinstance(fixtures, FixtureSet)
    assert len(fixtures.catalogs) == 240
    assert len(fixtures.satellites) == 2
    assert len(fixtures.stores) == 2 and len(fixtures.aois) == 2
    assert fixtures.manifest["seed"] == DEFAULT_SEED


@pytest.fixture()
def fixture_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), target)
    return target


def _edit(folder: Path, name: str, change: Any) -> dict[str, Any]:
    path = folder / name
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    return document


def _load_error(folder: Path) -> str:
    with pytest.raises(FixtureError) as caught:
        load_fixtures(folder)
    return str(caught.value)


def test_loader_names_a_wrongly_typed_catalog_field(fixture_copy: Path) -> None:
    doc = _edit(
        fixture_copy,
        "catalogs.json",
        lambda d: d["catalogs"][17]["details"]["properties"].update(gsd="five"),
    )
    message = _load_error(fixture_copy)
    assert message.startswith(
        f"fixtures/catalogs.json: record 17 (id {doc['catalogs'][17]['id']}): "
        "field details.properties.gsd: "
    )
    assert "'five' is not of type 'integer'" in message


def test_loader_names_a_bad_band_inside_a_catalog(fixture_copy: Path) -> None:
    def corrupt(d: dict[str, Any]) -> None:
        d["catalogs"][5]["details"]["assets"]["data"]["eo:bands"][3]["center_wavelength"] = "x"

    doc = _edit(fixture_copy, "catalogs.json", corrupt)
    message = _load_error(fixture_copy)
    assert message.startswith(
        f"fixtures/catalogs.json: record 5 (id {doc['catalogs'][5]['id']}): "
        "field details.assets.data.eo:bands.3.center_wavelength: "
    )


def test_loader_names_a_missing_store_name(fixture_copy: Path) -> None:
    doc = _edit(fixture_copy, "workspace.json", lambda d: d["stores"][1].pop("name"))
    message = _load_error(fixture_copy)
    assert message == (
        f"fixtures/workspace.json: record stores[1] (id {doc['stores'][1]['id']}): "
        "field name: is required but missing"
    )


def test_loader_names_a_dangling_project_id(fixture_copy: Path) -> None:
    dangling = "00000000-0000-4000-8000-000000000000"
    doc = _edit(
        fixture_copy, "order_items.json", lambda d: d["order_items"][3].update(project_id=dangling)
    )
    message = _load_error(fixture_copy)
    assert message == (
        f"fixtures/order_items.json: record 3 (id {doc['order_items'][3]['id']}): "
        f"field project_id: '{dangling}' is not a known project id"
    )


def test_loader_names_a_dangling_order_item(fixture_copy: Path) -> None:
    dangling = "00000000-0000-4000-8000-000000000001"
    doc = _edit(
        fixture_copy,
        "catalogs.json",
        lambda d: d["catalogs"][200]["details"]["properties"].update(order_item_id=dangling),
    )
    message = _load_error(fixture_copy)
    assert message == (
        f"fixtures/catalogs.json: record 200 (id {doc['catalogs'][200]['id']}): "
        f"field details.properties.order_item_id: '{dangling}' is not a known order item id"
    )


def test_loader_rejects_duplicate_ids(fixture_copy: Path) -> None:
    def duplicate(d: dict[str, Any]) -> None:
        d["projects"][4]["id"] = d["projects"][1]["id"]

    _edit(fixture_copy, "projects.json", duplicate)
    message = _load_error(fixture_copy)
    assert message.startswith("fixtures/projects.json: record 4 (id ")
    assert "field id: duplicate id, already used by record 1" in message


def test_loader_rejects_broken_json(fixture_copy: Path) -> None:
    path = fixture_copy / "projects.json"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    message = _load_error(fixture_copy)
    assert message.startswith("fixtures/projects.json: invalid JSON at line ")


def test_loader_rejects_a_missing_file(fixture_copy: Path) -> None:
    (fixture_copy / "satellites.json").unlink()
    assert _load_error(fixture_copy) == "fixtures/satellites.json: file not found"
