"""AOIs over HTTP: create (201), validation, names, lifecycle under a fake clock, get, list."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from pyproj import Geod

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.support import CheckedClient, FakeTime, error_of

TD1 = "0004ab8d-0ad1-4d62-8a3f-fe18a7000e70"
TD2 = "0005c5bb-0bd2-4c80-9393-4a808341c54c"
_fresh_keys = itertools.count(1)
UNKNOWN = "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"

# 0.1 degree by 0.1 degree at the equator.
BOX = [[10.0, 0.0], [10.1, 0.0], [10.1, 0.1], [10.0, 0.1], [10.0, 0.0]]


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def td2_item_ids(fixture_set, n: int = 2) -> list[str]:
    found = [
        c["details"]["id"]
        for c in fixture_set.catalogs
        if c["details"]["properties"]["satellite_id"] == TD2
    ]
    return found[:n]


def aoi_body(fixture_set, name: str = "Wheat field", **changes: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "description": "Winter wheat north of the river",
        "satellite_id": TD2,
        "provider": "pixxel",
        "project_id": fixture_set.projects[0]["id"],
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in BOX]]},
        "item_ids": td2_item_ids(fixture_set),
    }
    body.update(changes)
    return body


def create(client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v0/aois", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def list_all(client, **params: Any) -> dict[str, Any]:
    response = client.get("/v0/aois", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def shared(fixture_set, checker):
    """A spec-checked client on one app shared by this module's tests that leave time alone.

    Building an app per test would dominate the run time. Rejected requests change no state;
    tests that create use ``fresh`` (a new API key, so a new seeded workspace, on this app);
    tests that move time use ``client`` and ``fake_time``.
    """
    app = create_app(Settings(), fixtures=fixture_set, time_source=FakeTime())
    return CheckedClient(app.test_client(), checker, "aoi-validation")


@pytest.fixture
def fresh(shared):
    """A client with a key of its own, so a freshly seeded workspace, on the shared app."""
    return shared.as_key(f"aoi-fresh-{next(_fresh_keys)}")


# -- create -------------------------------------------------------------------------------------


def test_create_returns_the_aoi(client, fixture_set, fake_time):
    body = aoi_body(fixture_set)
    aoi = create(client, body)
    for key in ("name", "description", "satellite_id", "project_id", "provider", "item_ids"):
        assert aoi[key] == body[key]
    assert aoi["geometry"] == body["geometry"]
    assert aoi["status"] == "started"
    assert aoi["progress"] == 0
    assert aoi["is_favourite"] is False
    expected = datetime.fromtimestamp(fake_time.now, UTC)
    assert abs((parse(aoi["created_at"]) - expected).total_seconds()) < 0.001
    assert aoi["updated_at"] == aoi["created_at"]
    satellite = next(s for s in fixture_set.satellites if s["id"] == TD2)
    band_names = {b["name"] for b in satellite["bands"]}
    assert aoi["eo_bands"] and set(aoi["eo_bands"]) <= band_names
    assert aoi["aoi_id"] not in {a["aoi_id"] for a in fixture_set.aois}


def test_area_and_centroid(fresh, fixture_set):
    aoi = create(fresh, aoi_body(fixture_set))
    lons, lats = zip(*BOX, strict=True)
    geodesic, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert aoi["area_in_sq_m"] == pytest.approx(abs(geodesic), rel=1e-4)
    # A 0.1 x 0.1 degree box at the equator is about 123.6 km^2 (on a sphere).
    assert aoi["area_in_sq_m"] == pytest.approx(123.6e6, rel=0.01)
    assert aoi["centroid"] == pytest.approx([10.05, 0.05], abs=1e-6)


def test_area_ignores_winding_and_excludes_holes(fresh, fixture_set):
    clockwise = [list(p) for p in reversed(BOX)]
    hole = [[10.04, 0.04], [10.06, 0.04], [10.06, 0.06], [10.04, 0.06], [10.04, 0.04]]
    cw = create(fresh, aoi_body(fixture_set, name="cw", geometry=_polygon(clockwise)))
    holed = create(fresh, aoi_body(fixture_set, name="holed", geometry=_polygon(BOX, hole)))
    geod = Geod(ellps="WGS84")
    outer = abs(geod.polygon_area_perimeter(*zip(*BOX, strict=True))[0])
    inner = abs(geod.polygon_area_perimeter(*zip(*hole, strict=True))[0])
    assert cw["area_in_sq_m"] == pytest.approx(outer, rel=1e-4)
    assert holed["area_in_sq_m"] == pytest.approx(outer - inner, rel=1e-4)


def _polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in rings]}


def test_td1_satellite_and_other_project(fresh, fixture_set):
    item = next(
        c["details"]["id"]
        for c in fixture_set.catalogs
        if c["details"]["properties"]["satellite_id"] == TD1
    )
    project = fixture_set.projects[-1]["id"]
    aoi = create(
        fresh,
        aoi_body(fixture_set, satellite_id=TD1, project_id=project, item_ids=[item]),
    )
    assert (aoi["satellite_id"], aoi["project_id"], aoi["item_ids"]) == (TD1, project, [item])


def test_planetary_accepts_item_ids_outside_the_catalog(fresh, fixture_set):
    outside = ["LC08_L2SP_148039_20240105_02_T1", "S2B_MSIL2A_20240110T053219"]
    body = aoi_body(fixture_set, provider="planetary", item_ids=outside)
    aoi = create(fresh, body)
    assert aoi["provider"] == "planetary"
    assert aoi["item_ids"] == outside
    # The same ids are refused for Pixxel imagery.
    refused = fresh.post("/v0/aois", json={**body, "name": "px", "provider": "pixxel"})
    assert refused.status_code == 400
    assert error_of(refused)["details"]["field"] == "item_ids[0]"


def _replace_ring(ring):
    def mutate(body):
        body["geometry"]["coordinates"] = [ring]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            _replace_ring([[10.0, 0.0], [10.1, 0.0], [10.1, 0.1], [10.0, 0.1], [10.0, 0.05]]),
            "geometry.coordinates[0]",
        ),
        (_replace_ring([[10.0, 0.0], [10.1, 0.0], [10.0, 0.0]]), "geometry.coordinates[0]"),
        (
            _replace_ring([[10.0, 0.0], [181.0, 0.0], [10.1, 0.1], [10.0, 0.0]]),
            "geometry.coordinates[0][1]",
        ),
        (
            _replace_ring([[10.0, 0.0], [10.1, 0.0], [10.1, -91.0], [10.0, 0.0]]),
            "geometry.coordinates[0][2]",
        ),
        (
            _replace_ring([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
            "geometry.coordinates[0]",
        ),
        (
            lambda b: b.update(geometry={"type": "Point", "coordinates": [10.0, 0.0]}),
            "geometry.type",
        ),
        (lambda b: b.update(satellite_id=UNKNOWN), "satellite_id"),
        (lambda b: b.update(satellite_id="TD2"), "satellite_id"),
        (lambda b: b.update(project_id=UNKNOWN), "project_id"),
        (lambda b: b.update(provider="nasa"), "provider"),
        (
            lambda b: b["item_ids"].append("TD2_999999_20240101_L2A_20240102_00000000"),
            "item_ids[2]",
        ),
        (lambda b: b.pop("description"), "description"),
        (lambda b: b.pop("geometry"), "geometry"),
        (lambda b: b.update(colour="green"), "colour"),
        (lambda b: b.update(name=""), "name"),
    ],
    ids=[
        "ring-not-closed",
        "three-positions",
        "lon-181",
        "lat-minus-91",
        "bow-tie",
        "point",
        "unknown-satellite",
        "non-uuid-satellite",
        "unknown-project",
        "provider-nasa",
        "unknown-pixxel-item",
        "missing-description",
        "missing-geometry",
        "extra-field",
        "empty-name",
    ],
)
def test_invalid_aoi_is_400_naming_the_field(shared, fixture_set, mutate, field):
    body = aoi_body(fixture_set)
    mutate(body)
    response = shared.post("/v0/aois", json=body)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_rejected_aois_are_not_stored(shared, fixture_set):
    before = list_all(shared)["pagination"]["total"]
    body = aoi_body(fixture_set, name="never-stored", project_id=UNKNOWN)
    assert shared.post("/v0/aois", json=body).status_code == 400
    after = list_all(shared, aoi_name="never-stored")
    assert after["aois"] == []
    assert list_all(shared)["pagination"]["total"] == before


# -- names --------------------------------------------------------------------------------------


def test_duplicate_name_is_409(fresh, fixture_set):
    first = create(fresh, aoi_body(fixture_set, name="Rice paddies"))
    again = fresh.post("/v0/aois", json=aoi_body(fixture_set, name="Rice paddies"))
    assert again.status_code == 409
    error = error_of(again)
    assert error["code"] == "ALREADY_EXISTS"
    assert error["details"]["field"] == "name"
    listed = list_all(fresh, aoi_name="Rice paddies")["aois"]
    assert [a["aoi_id"] for a in listed] == [first["aoi_id"]]


def test_seeded_name_is_taken_too(fresh, fixture_set):
    name = fixture_set.aois[0]["name"]
    response = fresh.post("/v0/aois", json=aoi_body(fixture_set, name=name))
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"


def test_same_name_in_another_workspace_is_fine(fresh, fixture_set):
    create(fresh, aoi_body(fixture_set, name="Shared name"))
    other = fresh.as_key(f"aoi-other-{next(_fresh_keys)}")
    aoi = create(other, aoi_body(fixture_set, name="Shared name"))
    assert aoi["name"] == "Shared name"


# -- lifecycle ----------------------------------------------------------------------------------


def test_lifecycle_started_running_success(client, app, fixture_set, fake_time):
    settings = app.service.settings
    queue, processing = settings.aoi_queue_seconds, settings.aoi_processing_seconds
    assert queue > 0 and processing > 0
    aoi = create(client, aoi_body(fixture_set))
    url = f"/v0/aoi/{aoi['aoi_id']}"
    assert (aoi["status"], aoi["progress"]) == ("started", 0)

    def sample():
        got = client.get(url)
        assert got.status_code == 200
        listed = list_all(client, aoi_id=aoi["aoi_id"])["aois"]
        assert listed == [got.json()]
        return got.json()

    elapsed = 0.0

    def at(seconds):
        nonlocal elapsed
        fake_time.advance(seconds - elapsed)
        elapsed = seconds
        return sample()

    queued = at(queue / 2)
    assert (queued["status"], queued["progress"]) == ("started", 0)
    assert queued["updated_at"] == aoi["created_at"]

    running = [at(queue + processing * f) for f in (0.05, 0.3, 0.6, 0.95)]
    progress = [r["progress"] for r in running]
    assert all(r["status"] == "running" for r in running)
    assert all(0 < p < 100 for p in progress), progress
    assert progress == sorted(progress) and progress[0] < progress[-1]
    assert all(parse(r["updated_at"]) > parse(aoi["created_at"]) for r in running)

    done = at(queue + processing + 0.01)
    assert (done["status"], done["progress"]) == ("success", 100)
    assert parse(done["updated_at"]) > parse(running[-1]["updated_at"])
    assert parse(done["updated_at"]).timestamp() <= fake_time.now
    assert done["created_at"] == aoi["created_at"]

    later = at(queue + processing + 3600)
    assert later == done


# -- get ----------------------------------------------------------------------------------------


def test_get_aoi(fresh, fixture_set):
    aoi = create(fresh, aoi_body(fixture_set))
    response = fresh.get(f"/v0/aoi/{aoi['aoi_id']}")
    assert response.status_code == 200
    assert response.json() == aoi


def test_get_seeded_aoi(fresh, fixture_set):
    seeded = fixture_set.aois[1]
    response = fresh.get(f"/v0/aoi/{seeded['aoi_id']}")
    assert response.status_code == 200
    assert response.json() == seeded


def test_get_unknown_aoi_is_404(fresh):
    response = fresh.get(f"/v0/aoi/{UNKNOWN}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["details"]["id"] == UNKNOWN


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "42"])
def test_get_malformed_aoi_id_is_400(shared, bad_id):
    response = shared.get(f"/v0/aoi/{bad_id}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"


# -- list ---------------------------------------------------------------------------------------


def seeded_newest_first(fixture_set) -> list[str]:
    return [
        a["aoi_id"]
        for a in sorted(fixture_set.aois, key=lambda a: parse(a["created_at"]), reverse=True)
    ]


def test_fresh_workspace_lists_the_seeded_aois(fresh, fixture_set):
    body = fresh.get("/v0/aois").json()
    assert len(fixture_set.aois) == 2
    assert [a["aoi_id"] for a in body["aois"]] == seeded_newest_first(fixture_set)
    assert body["pagination"] == {"limit": 10, "offset": 0, "total": 2}
    by_id = {a["aoi_id"]: a for a in fixture_set.aois}
    for aoi in body["aois"]:
        assert aoi == by_id[aoi["aoi_id"]]


PROJECT_ROTATION = 3
NAMES = ["Wheat plot", "rice plot", "Barley strip", "WHEATGRASS"]


def make_twelve(client, fixture_set, fake_time) -> list[dict[str, Any]]:
    """Twelve AOIs, 10 s apart, over three projects."""
    created = []
    for i in range(12):
        project = fixture_set.projects[i % PROJECT_ROTATION]["id"]
        name = f"{NAMES[i % len(NAMES)]} {i:02d}"
        created.append(create(client, aoi_body(fixture_set, name=name, project_id=project)))
        fake_time.advance(10)
    return created


def test_list_is_newest_first_and_paginates(client, fixture_set, fake_time):
    created = make_twelve(client, fixture_set, fake_time)
    expected = [a["aoi_id"] for a in reversed(created)] + seeded_newest_first(fixture_set)
    assert [a["aoi_id"] for a in list_all(client)["aois"]] == expected

    collected = []
    for offset in range(0, 14, 5):
        page = client.get("/v0/aois", params={"limit": 5, "offset": offset}).json()
        assert page["pagination"] == {"limit": 5, "offset": offset, "total": 14}
        assert len(page["aois"]) == min(5, 14 - offset)
        collected += [a["aoi_id"] for a in page["aois"]]
    assert collected == expected

    default = client.get("/v0/aois").json()
    assert [a["aoi_id"] for a in default["aois"]] == expected[:10]
    assert default["pagination"] == {"limit": 10, "offset": 0, "total": 14}

    past = client.get("/v0/aois", params={"offset": 14}).json()
    assert past["aois"] == [] and past["pagination"]["total"] == 14


def _check_list_filter(client, everything, params, predicate):
    expected = [a["aoi_id"] for a in everything if predicate(a)]
    body = list_all(client, **params)
    assert [a["aoi_id"] for a in body["aois"]] == expected
    assert body["pagination"]["total"] == len(expected)
    return expected


def test_list_filters(client, fixture_set, fake_time):
    created = make_twelve(client, fixture_set, fake_time)
    everything = list_all(client)["aois"]
    assert len(everything) == 14

    target = created[4]
    only = _check_list_filter(
        client, everything, {"aoi_id": target["aoi_id"]}, lambda a: a["aoi_id"] == target["aoi_id"]
    )
    assert only == [target["aoi_id"]]
    assert list_all(client, aoi_id=UNKNOWN)["aois"] == []

    wheat = _check_list_filter(
        client, everything, {"aoi_name": "wHeAt"}, lambda a: "wheat" in a["name"].lower()
    )
    assert len(wheat) == 7  # 6 created (Wheat plot, WHEATGRASS) + the seeded wheat belt

    projects = [fixture_set.projects[0]["id"], fixture_set.projects[2]["id"]]
    in_projects = _check_list_filter(
        client,
        everything,
        {"project_ids": ",".join(projects)},
        lambda a: a["project_id"] in projects,
    )
    assert 8 <= len(in_projects) < 14


def test_list_created_at_filters(client, fixture_set, fake_time):
    created = make_twelve(client, fixture_set, fake_time)
    everything = list_all(client)["aois"]

    def made(a):
        return parse(a["created_at"])

    a, b = created[3]["created_at"], created[8]["created_at"]
    since = _check_list_filter(client, everything, {"created_at": a}, lambda x: made(x) >= parse(a))
    assert created[3]["aoi_id"] in since and len(since) == 9
    between = _check_list_filter(
        client, everything, {"created_at": f"{a}/{b}"}, lambda x: parse(a) <= made(x) <= parse(b)
    )
    assert len(between) == 6
    _check_list_filter(client, everything, {"created_at": f"../{b}"}, lambda x: made(x) <= parse(b))
    _check_list_filter(client, everything, {"created_at": f"{a}/.."}, lambda x: made(x) >= parse(a))
    combined = _check_list_filter(
        client,
        everything,
        {"created_at": f"{a}/..", "aoi_name": "plot"},
        lambda x: made(x) >= parse(a) and "plot" in x["name"].lower(),
    )
    assert 0 < len(combined) < len(since)


def test_list_updated_at_filters(client, app, fixture_set, fake_time):
    created = make_twelve(client, fixture_set, fake_time)
    everything = list_all(client)["aois"]

    def updated(a):
        return parse(a["updated_at"])

    stamps = sorted({a["updated_at"] for a in everything}, key=parse)
    pivot, end = stamps[5], stamps[10]
    since = _check_list_filter(
        client, everything, {"updated_at": pivot}, lambda x: updated(x) >= parse(pivot)
    )
    assert 0 < len(since) < len(everything)
    _check_list_filter(
        client,
        everything,
        {"updated_at": f"{pivot}/{end}"},
        lambda x: parse(pivot) <= updated(x) <= parse(end),
    )
    _check_list_filter(
        client, everything, {"updated_at": f"../{pivot}"}, lambda x: updated(x) <= parse(pivot)
    )
    # updated_at follows the lifecycle: once everything finished, every new AOI moved on.
    settings = app.service.settings
    fake_time.advance(settings.aoi_queue_seconds + settings.aoi_processing_seconds + 1)
    newest = created[-1]
    moved = list_all(client, updated_at=f"{newest['created_at']}/..")["aois"]
    assert newest["aoi_id"] in [a["aoi_id"] for a in moved]
    assert all(parse(a["updated_at"]) > parse(a["created_at"]) for a in moved)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": "2024-01-01"}, "created_at"),
        ({"created_at": "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z"}, "created_at"),
        ({"updated_at": "2024-01-01T00:00:00Z/soon"}, "updated_at"),
        ({"project_ids": "not-a-uuid"}, "project_ids"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_invalid_list_parameters_are_400(shared, params, field):
    response = shared.get("/v0/aois", params=params)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_created_at_filter_finds_an_aoi_by_its_own_fractional_created_at(
    client, fixture_set, fake_time
):
    # Real clocks give sub-microsecond instants; the API reports created_at to the microsecond.
    # Filtering by the very created_at an AOI reports must still find that AOI.
    for _ in range(3):
        fake_time.advance(10.3)  # FIXED_START + 30.9, not exact in binary floating point
    aoi = create(client, aoi_body(fixture_set, name="Fractional"))
    stamp = aoi["created_at"]
    for created_at in (stamp, f"{stamp}/..", f"../{stamp}", f"{stamp}/{stamp}"):
        listed = list_all(client, created_at=created_at)["aois"]
        assert aoi["aoi_id"] in [a["aoi_id"] for a in listed], created_at


def test_a_null_geometry_takes_the_footprint_of_the_pixxel_items(client, fixture_set):
    # Pixxel's own sample request sends "geometry": null.
    items = [c for c in fixture_set.catalogs if c["details"]["id"] in td2_item_ids(fixture_set)]
    aoi = create(client, aoi_body(fixture_set, geometry=None))
    ring = aoi["geometry"]["coordinates"][0]
    assert aoi["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    corners = [p for c in items for p in c["details"]["geometry"]["coordinates"][0]]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    for lon, lat in corners:
        assert min(lons) - 1e-6 <= lon <= max(lons) + 1e-6
        assert min(lats) - 1e-6 <= lat <= max(lats) + 1e-6
    assert aoi["area_in_sq_m"] >= max(c["area"] for c in items) * 1e6 * 0.99


@pytest.mark.parametrize(
    "changes",
    [{"provider": "planetary"}, {"item_ids": []}],
    ids=["open-data", "no-items"],
)
def test_a_null_geometry_without_pixxel_items_is_400(client, fixture_set, changes):
    response = client.post("/v0/aois", json=aoi_body(fixture_set, geometry=None, **changes))
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "geometry"


def test_aoi_progress_is_a_whole_percentage(client, fixture_set, app, fake_time):
    settings = app.service.settings
    aoi = create(client, aoi_body(fixture_set, name="progress"))
    fake_time.advance(settings.aoi_queue_seconds + settings.aoi_processing_seconds / 3)
    progress = client.get(f"/v0/aoi/{aoi['aoi_id']}").json()["progress"]
    assert isinstance(progress, int) and 0 < progress < 100
