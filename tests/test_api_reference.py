"""Reference data over HTTP: satellites, projects and order items, against the fixture set."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.support import CheckedClient, FakeTime, error_of

TD1 = "0004ab8d-0ad1-4d62-8a3f-fe18a7000e70"
TD2 = "0005c5bb-0bd2-4c80-9393-4a808341c54c"
UNKNOWN = "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"


@pytest.fixture(scope="module")
def reader(fixture_set, checker):
    """A spec-checked client on one app shared by this module: reference data is read-only."""
    app = create_app(Settings(), fixtures=fixture_set, time_source=FakeTime())
    return CheckedClient(app.test_client(), checker, "reference-reader")


# -- satellites ---------------------------------------------------------------------------------


def test_satellites_are_td1_and_td2(reader, fixture_set):
    response = reader.get("/v0/satellites")
    assert response.status_code == 200
    satellites = response.json()["satellites"]
    assert sorted((s["id"], s["name"]) for s in satellites) == [
        (TD1, "Pixxel-TD1"),
        (TD2, "Pixxel-TD2"),
    ]
    by_id = {s["id"]: s for s in fixture_set.satellites}
    for satellite in satellites:
        assert satellite == by_id[satellite["id"]]
        assert satellite["bands"] and satellite["collections"]
        band_names = {b["name"] for b in satellite["bands"]}
        assert set(satellite["rgb_composite"].values()) <= band_names


def test_satellite_collections_are_the_catalogs_collections(reader, catalogs):
    satellites = reader.get("/v0/satellites").json()["satellites"]
    offered = {c["id"]: s["id"] for s in satellites for c in s["collections"]}
    for catalog in catalogs:
        collection = catalog["details"]["collection"]
        assert offered[collection] == catalog["details"]["properties"]["satellite_id"]


def test_satellites_need_a_key(reader):
    response = reader.as_key(None).get("/v0/satellites")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


# -- projects -----------------------------------------------------------------------------------


def test_projects_default_page(reader, fixture_set):
    body = reader.get("/v0/projects").json()
    assert body["count"] == len(fixture_set.projects)
    assert len(body["projects"]) == min(10, len(fixture_set.projects))


@pytest.mark.parametrize("page_size", [1, 4, 100])
def test_project_pages_cover_each_project_once(reader, fixture_set, page_size):
    by_id = {p["id"]: p for p in fixture_set.projects}
    seen: list[str] = []
    page_num = 1
    while True:
        response = reader.get("/v0/projects", params={"page_num": page_num, "page_size": page_size})
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == len(fixture_set.projects)
        if not body["projects"]:
            break
        assert len(body["projects"]) <= page_size
        for project in body["projects"]:
            assert project == by_id[project["id"]]
        seen += [p["id"] for p in body["projects"]]
        page_num += 1
        assert page_num < 100
    assert sorted(seen) == sorted(by_id)
    assert len(seen) == len(set(seen))
    full_pages, rest = divmod(len(by_id), page_size)
    assert page_num - 1 == full_pages + (1 if rest else 0)


def test_project_page_past_the_end_is_empty(reader, fixture_set):
    body = reader.get("/v0/projects", params={"page_num": 50, "page_size": 10}).json()
    assert body == {"count": len(fixture_set.projects), "projects": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_num": 0}, "page_num"),
        ({"page_num": "first"}, "page_num"),
    ],
)
def test_invalid_project_paging_is_400(reader, params, field):
    response = reader.get("/v0/projects", params=params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_get_project(reader, fixture_set):
    for project in fixture_set.projects:
        response = reader.get(f"/v0/projects/{project['id']}")
        assert response.status_code == 200
        assert response.json() == {"project": project}


def test_get_unknown_project_is_404(reader):
    response = reader.get(f"/v0/projects/{UNKNOWN}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["details"]["id"] == UNKNOWN


def test_get_malformed_project_id_is_400(reader):
    response = reader.get("/v0/projects/not-a-uuid")
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"


# -- order items --------------------------------------------------------------------------------


def newest_first(items: list[dict[str, Any]]) -> list[str]:
    return [
        o["id"]
        for o in sorted(items, key=lambda o: datetime.fromisoformat(o["created_at"]), reverse=True)
    ]


def list_items(reader, **params: Any) -> dict[str, Any]:
    response = reader.get("/v0/order-items", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def check_items(reader, items, params, predicate) -> list[str]:
    expected = newest_first([o for o in items if predicate(o)])
    body = list_items(reader, **params)
    assert [o["id"] for o in body["order_items"]] == expected
    assert body["pagination"] == {"limit": 100, "offset": 0, "total": len(expected)}
    by_id = {o["id"]: o for o in items}
    for item in body["order_items"]:
        # A list shows every field but the tasks, which GetOrderItemById alone returns.
        assert item == {k: v for k, v in by_id[item["id"]].items() if k != "tasks"}
    return expected


def test_order_items_unfiltered(reader, fixture_set):
    items = fixture_set.order_items
    assert len({o["created_at"] for o in items}) == len(items)  # the order is unambiguous
    expected = check_items(reader, items, {}, lambda o: True)
    assert len(expected) == len(items)


def test_order_items_pagination(reader, fixture_set):
    items = fixture_set.order_items
    expected = newest_first(items)
    collected = []
    for offset in range(0, len(items), 7):
        body = reader.get("/v0/order-items", params={"limit": 7, "offset": offset}).json()
        assert body["pagination"] == {"limit": 7, "offset": offset, "total": len(items)}
        collected += [o["id"] for o in body["order_items"]]
    assert collected == expected
    default = reader.get("/v0/order-items").json()
    assert [o["id"] for o in default["order_items"]] == expected[:10]
    assert default["pagination"] == {"limit": 10, "offset": 0, "total": len(items)}
    past = reader.get("/v0/order-items", params={"offset": len(items)}).json()
    assert past["order_items"] == [] and past["pagination"]["total"] == len(items)


def test_order_items_by_ids(reader, fixture_set):
    items = fixture_set.order_items
    chosen = [items[0]["id"], items[11]["id"], items[29]["id"]]
    expected = check_items(
        reader, items, {"ids": ",".join([*chosen, UNKNOWN])}, lambda o: o["id"] in chosen
    )
    assert len(expected) == 3


def test_order_items_by_order_ids(reader, fixture_set):
    items = fixture_set.order_items
    orders = sorted({o["order_id"] for o in items})
    chosen = [orders[1], orders[-2]]
    expected = check_items(
        reader, items, {"order_ids": ",".join(chosen)}, lambda o: o["order_id"] in chosen
    )
    assert expected


def test_order_items_by_project_ids(reader, fixture_set):
    items = fixture_set.order_items
    chosen = [fixture_set.projects[0]["id"], fixture_set.projects[3]["id"]]
    expected = check_items(
        reader, items, {"project_ids": ",".join(chosen)}, lambda o: o["project_id"] in chosen
    )
    assert 0 < len(expected) < len(items)


@pytest.mark.parametrize(
    "statuses", [["FULFILLED"], ["ACTIVE", "PARTIALLY_FULFILLED"], ["DRAFT", "CANCELLED", "FAILED"]]
)
def test_order_items_by_status(reader, fixture_set, statuses):
    items = fixture_set.order_items
    expected = check_items(
        reader, items, {"status": ",".join(statuses)}, lambda o: o["status"] in statuses
    )
    assert 0 < len(expected) < len(items)


@pytest.mark.parametrize("types", [["ARCHIVE"], ["TASKING", "RECURRING"]])
def test_order_items_by_type(reader, fixture_set, types):
    items = fixture_set.order_items
    expected = check_items(reader, items, {"type": ",".join(types)}, lambda o: o["type"] in types)
    assert 0 < len(expected) < len(items)


def test_order_item_filters_combine_with_and(reader, fixture_set):
    items = fixture_set.order_items
    project = fixture_set.projects[1]["id"]
    params = {"status": "FULFILLED,ACTIVE", "type": "TASKING,ARCHIVE", "project_ids": project}
    check_items(
        reader,
        items,
        params,
        lambda o: (
            o["status"] in ("FULFILLED", "ACTIVE")
            and o["type"] in ("TASKING", "ARCHIVE")
            and o["project_id"] == project
        ),
    )
    page = reader.get("/v0/order-items", params={**params, "limit": 1}).json()
    total = page["pagination"]["total"]
    assert total < len(list_items(reader, status="FULFILLED,ACTIVE")["order_items"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"status": "FULFILLED,done"}, "status"),
        ({"type": "ONE_OFF"}, "type"),
        ({"ids": "not-a-uuid"}, "ids"),
        ({"limit": 0}, "limit"),
        ({"offset": -5}, "offset"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"area": "big"}, "area"),
        ({"area": "500/100"}, "area"),
        ({"area": "nan"}, "area"),
        ({"user_id": "someone"}, "user_id"),
    ],
)
def test_invalid_order_item_filters_are_400(reader, params, field):
    response = reader.get("/v0/order-items", params=params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_get_order_item(reader, fixture_set):
    for item in fixture_set.order_items[:5]:
        response = reader.get(f"/v0/order-items/{item['id']}")
        assert response.status_code == 200
        assert response.json() == item


def test_an_order_item_shows_its_tasks_and_a_list_does_not(reader, fixture_set):
    item = next(o for o in fixture_set.order_items if len(o["tasks"]) > 1)
    fetched = reader.get(f"/v0/order-items/{item['id']}").json()
    assert [t["id"] for t in fetched["tasks"]] == [t["id"] for t in item["tasks"]]
    assert {t["order_item_id"] for t in fetched["tasks"]} == {item["id"]}
    listed = list_items(reader, ids=item["id"])["order_items"]
    assert [o["id"] for o in listed] == [item["id"]]
    assert "tasks" not in listed[0]


def test_order_items_by_user_and_creator(reader, fixture_set):
    items = fixture_set.order_items
    user = items[3]["user_id"]
    creator = items[5]["created_by"]
    assert check_items(reader, items, {"user_id": user}, lambda o: o["user_id"] == user)
    assert check_items(reader, items, {"created_by": creator}, lambda o: o["created_by"] == creator)


@pytest.mark.parametrize(
    "window",
    [
        "2024-01-01T00:00:00Z/..",
        "../2023-06-30T00:00:00Z",
        "2023-01-01T00:00:00Z/2024-01-01T00:00:00Z",
    ],
)
def test_order_items_by_creation_time(reader, fixture_set, window):
    start_text, end_text = window.split("/")
    start = "" if start_text == ".." else start_text
    end = "9999" if end_text == ".." else end_text
    expected = check_items(
        reader,
        fixture_set.order_items,
        {"created_at": window},
        lambda o: start <= o["created_at"] <= end,
    )
    assert 0 < len(expected) < len(fixture_set.order_items)


def test_order_items_created_in_the_future_are_none(reader):
    body = list_items(reader, created_at="2099-01-01T00:00:00Z/..")
    assert body["order_items"] == []
    assert body["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("area", "low", "high"), [("1500", 1500, 1e12), ("1000/2000", 1000, 2000), ("../900", 0, 900)]
)
def test_order_items_by_area(reader, fixture_set, area, low, high):
    expected = check_items(
        reader, fixture_set.order_items, {"area": area}, lambda o: low <= o["area"] <= high
    )
    assert 0 < len(expected) < len(fixture_set.order_items)


def test_get_unknown_order_item_is_404(reader):
    response = reader.get(f"/v0/order-items/{UNKNOWN}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["details"]["id"] == UNKNOWN


def test_get_malformed_order_item_id_is_400(reader):
    response = reader.get("/v0/order-items/12345")
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"
