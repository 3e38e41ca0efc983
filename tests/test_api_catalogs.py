"""SearchCatalogs and GetCatalogById over HTTP, each filter checked against a brute-force filter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.support import CheckedClient, FakeTime, error_of, make_store

SEARCH = "/v0/catalogs/search"
UNKNOWN = "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"


@pytest.fixture(scope="module")
def reader(fixture_set, checker):
    """A spec-checked client on one app shared by this module's read-only tests.

    Searches and gets change no state, so they need no fresh app each; building one per test
    would dominate the run time. Tests that deliver (and so change state) use ``client``.
    """
    app = create_app(Settings(), fixtures=fixture_set, time_source=FakeTime())
    return CheckedClient(app.test_client(), checker, "catalog-reader")


# -- helpers ------------------------------------------------------------------------------------


def props(catalog: dict[str, Any]) -> dict[str, Any]:
    return catalog["details"]["properties"]


def when(catalog: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(props(catalog)["datetime"])


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def newest_first(catalogs: list[dict[str, Any]]) -> list[str]:
    """The documented default order: acquisition time descending, then id ascending."""
    by_id = sorted(catalogs, key=lambda c: c["id"])
    return [c["id"] for c in sorted(by_id, key=when, reverse=True)]


def search(client, body: dict[str, Any]) -> Any:
    return client.post(SEARCH, json=body)


def search_all(client, body: dict[str, Any], limit: int = 100) -> tuple[list[dict], int]:
    """Every match of ``body``, page by page; also the total every page reported."""
    found: list[dict] = []
    totals = set()
    offset = 0
    while True:
        response = search(client, {**body, "limit": limit, "offset": offset})
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["pagination"]["limit"] == limit
        assert page["pagination"]["offset"] == offset
        totals.add(page["pagination"]["total"])
        found.extend(page["catalogs"])
        offset += limit
        if not page["catalogs"] or offset >= page["pagination"]["total"]:
            break
    assert len(totals) == 1, totals
    return found, totals.pop()


def ids_of(catalogs: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in catalogs]


def check_filter(client, catalogs, body, predicate) -> list[str]:
    expected = newest_first([c for c in catalogs if predicate(c)])
    found, total = search_all(client, body)
    assert ids_of(found) == expected
    assert total == len(expected)
    return expected


def check_order(client, body, expected: list[str], size: int = 50) -> None:
    """The head and the tail of the result are ``expected``'s (cheaper than every page)."""
    head = search(client, {**body, "limit": size}).json()
    assert head["pagination"]["total"] == len(expected)
    assert ids_of(head["catalogs"]) == expected[:size]
    tail_at = max(len(expected) - size, 0)
    tail = search(client, {**body, "limit": size, "offset": tail_at}).json()
    assert ids_of(tail["catalogs"]) == expected[tail_at:]


def footprint(catalog: dict[str, Any]) -> Any:
    return shape(catalog["details"]["geometry"])


def boxes_of(bbox: list[float]) -> list[Any]:
    west, south, east, north = bbox
    if west <= east:
        return [shapely.box(west, south, east, north)]
    return [shapely.box(west, south, 180.0, north), shapely.box(-180.0, south, east, north)]


# -- default page and pagination ----------------------------------------------------------------


def test_default_page_is_two_newest(reader, catalogs):
    response = search(reader, {})
    assert response.status_code == 200
    body = response.json()
    assert len(catalogs) == 240
    assert body["pagination"] == {"limit": 2, "offset": 0, "total": 240}
    assert ids_of(body["catalogs"]) == newest_first(catalogs)[:2]
    by_id = {c["id"]: c for c in catalogs}
    for catalog in body["catalogs"]:
        assert catalog == by_id[catalog["id"]]
    first, second = body["catalogs"]
    assert when(first) >= when(second)
    assert all(when(first) >= when(c) for c in catalogs)


@pytest.mark.parametrize("limit", [30, 100])
def test_pages_concatenate_to_the_whole_ordered_result(reader, catalogs, limit):
    found, total = search_all(reader, {}, limit=limit)
    assert total == len(catalogs)
    assert ids_of(found) == newest_first(catalogs)
    assert len(set(ids_of(found))) == len(catalogs)


def test_middle_page_and_last_partial_page(reader, catalogs):
    order = newest_first(catalogs)
    body = search(reader, {"limit": 5, "offset": 13}).json()
    assert ids_of(body["catalogs"]) == order[13:18]
    assert body["pagination"] == {"limit": 5, "offset": 13, "total": len(catalogs)}
    tail = search(reader, {"limit": 10, "offset": len(catalogs) - 3}).json()
    assert ids_of(tail["catalogs"]) == order[-3:]


@pytest.mark.parametrize("offset", [240, 241, 5000])
def test_offset_past_the_end_is_an_empty_page(reader, catalogs, offset):
    response = search(reader, {"offset": offset, "limit": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["catalogs"] == []
    assert body["pagination"] == {"limit": 10, "offset": offset, "total": len(catalogs)}


# -- list filters -------------------------------------------------------------------------------


def test_ids_filter(reader, catalogs):
    chosen = [catalogs[5]["id"], catalogs[77]["id"], catalogs[200]["id"], UNKNOWN]
    expected = check_filter(reader, catalogs, {"ids": chosen}, lambda c: c["id"] in chosen)
    assert len(expected) == 3


@pytest.mark.parametrize(
    "collections", [["pixxel-td1-l2a"], ["pixxel-td2-l1c", "pixxel-td1-l1c"], ["no-such"]]
)
def test_collections_filter(reader, catalogs, collections):
    expected = check_filter(
        reader,
        catalogs,
        {"collections": collections},
        lambda c: c["details"]["collection"] in collections,
    )
    assert bool(expected) == (collections != ["no-such"])


def test_item_ids_filter(reader, catalogs):
    chosen = [catalogs[3]["details"]["id"], catalogs[150]["details"]["id"], "TD2_NOPE"]
    expected = check_filter(
        reader, catalogs, {"item_ids": chosen}, lambda c: c["details"]["id"] in chosen
    )
    assert len(expected) == 2


@pytest.mark.parametrize(
    ("field", "prop"), [("order_ids", "order_id"), ("order_item_ids", "order_item_id")]
)
def test_order_and_order_item_filters(reader, catalogs, field, prop):
    values = sorted({props(c)[prop] for c in catalogs})
    chosen = [values[0], values[len(values) // 2]]
    expected = check_filter(reader, catalogs, {field: chosen}, lambda c: props(c)[prop] in chosen)
    assert 2 <= len(expected) < len(catalogs)


def test_empty_list_filter_means_no_restriction(reader, catalogs):
    check_order(reader, {"ids": [], "collections": []}, newest_first(catalogs))


# -- datetime -----------------------------------------------------------------------------------


def test_datetime_instant(reader, catalogs):
    instant = props(catalogs[42])["datetime"]
    expected = check_filter(
        reader, catalogs, {"datetime": instant}, lambda c: when(c) == parse(instant)
    )
    assert expected == [catalogs[42]["id"]]


def test_datetime_instant_with_an_offset_is_the_same_instant(reader, catalogs):
    moment = when(catalogs[17])
    from datetime import timedelta, timezone

    shifted = moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    found, _ = search_all(reader, {"datetime": shifted})
    assert ids_of(found) == [catalogs[17]["id"]]


def test_datetime_closed_interval_is_inclusive(reader, catalogs):
    times = sorted(catalogs, key=when)
    start, end = props(times[50])["datetime"], props(times[120])["datetime"]
    expected = check_filter(
        reader,
        catalogs,
        {"datetime": f"{start}/{end}"},
        lambda c: parse(start) <= when(c) <= parse(end),
    )
    assert times[50]["id"] in expected and times[120]["id"] in expected
    assert len(expected) == 71


def test_datetime_open_start(reader, catalogs):
    end = props(sorted(catalogs, key=when)[30])["datetime"]
    expected = check_filter(
        reader, catalogs, {"datetime": f"../{end}"}, lambda c: when(c) <= parse(end)
    )
    assert len(expected) == 31


def test_datetime_open_end(reader, catalogs):
    start = "2024-06-01T00:00:00Z"
    expected = check_filter(
        reader, catalogs, {"datetime": f"{start}/.."}, lambda c: when(c) >= parse(start)
    )
    assert 0 < len(expected) < len(catalogs)


# -- bbox and intersects ------------------------------------------------------------------------


def _bbox_predicate(bbox):
    regions = boxes_of(bbox)
    return lambda c: any(footprint(c).intersects(r) for r in regions)


def test_bbox_normal(reader, catalogs):
    bbox = [74.0, 29.5, 77.0, 32.5]
    expected = check_filter(reader, catalogs, {"bbox": bbox}, _bbox_predicate(bbox))
    assert 0 < len(expected) < len(catalogs)


def test_bbox_whole_world_finds_everything(reader, catalogs):
    check_order(reader, {"bbox": [-180, -90, 180, 90]}, newest_first(catalogs))


def test_bbox_crossing_the_antimeridian_finds_vanua_levu(reader, catalogs):
    bbox = [179.0, -18.0, -179.0, -15.0]
    vanua_levu = [c for c in catalogs if c["details"]["bbox"][0] > 179.0]
    assert vanua_levu  # the fixture set has footprints just west of 180
    expected = check_filter(reader, catalogs, {"bbox": bbox}, _bbox_predicate(bbox))
    assert set(expected) == {c["id"] for c in vanua_levu}


def test_bbox_crossing_the_antimeridian_finds_both_sides(reader, catalogs):
    bbox = [179.0, -20.0, -173.0, 70.0]
    fiji = {c["id"] for c in catalogs if c["details"]["bbox"][0] > 179.0}
    chukotka = {
        c["id"]
        for c in catalogs
        if c["details"]["bbox"][2] < -173.0 and c["details"]["bbox"][1] > 60.0
    }
    assert fiji and chukotka
    expected = check_filter(reader, catalogs, {"bbox": bbox}, _bbox_predicate(bbox))
    assert set(expected) == fiji | chukotka


def test_bbox_not_crossing_misses_the_far_side(reader, catalogs):
    # The same corners read as a normal box span almost the whole globe except the 180 strip.
    bbox = [-179.0, -18.0, 179.0, -15.0]
    found, _ = search_all(reader, {"bbox": bbox})
    fiji = {c["id"] for c in catalogs if c["details"]["bbox"][0] > 179.0}
    assert fiji.isdisjoint(ids_of(found))
    assert ids_of(found) == newest_first([c for c in catalogs if _bbox_predicate(bbox)(c)])


def test_intersects_polygon_around_one_footprint(reader, catalogs):
    target = catalogs[0]
    west, south, east, north = target["details"]["bbox"]
    pad = 0.001
    ring = [
        [west - pad, south - pad],
        [east + pad, south - pad],
        [east + pad, north + pad],
        [west - pad, north + pad],
        [west - pad, south - pad],
    ]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    region = shape(geometry)
    expected = check_filter(
        reader, catalogs, {"intersects": geometry}, lambda c: footprint(c).intersects(region)
    )
    assert target["id"] in expected


def test_intersects_point_inside_a_footprint(reader, catalogs):
    target = catalogs[10]
    inside = footprint(target).representative_point()
    geometry = {"type": "Point", "coordinates": [inside.x, inside.y]}
    expected = check_filter(
        reader, catalogs, {"intersects": geometry}, lambda c: footprint(c).intersects(inside)
    )
    assert target["id"] in expected


def test_intersects_far_away_point_finds_nothing(reader, catalogs):
    point = {"type": "Point", "coordinates": [-140.0, -60.0]}
    assert not any(footprint(c).intersects(shape(point)) for c in catalogs)
    body = search(reader, {"intersects": point}).json()
    assert body["catalogs"] == []
    assert body["pagination"]["total"] == 0


# -- query --------------------------------------------------------------------------------------


def cloud(c):
    return props(c)["eo:cloud_cover"]


def _query_cases():
    # (id, query builder from catalogs, predicate builder from catalogs)
    return [
        (
            "plain-usecase",
            lambda cs: {"usecase": "agriculture"},
            lambda cs: lambda c: props(c)["usecase"] == "agriculture",
        ),
        (
            "eq-usecase",
            lambda cs: {"usecase": {"eq": "forestry"}},
            lambda cs: lambda c: props(c)["usecase"] == "forestry",
        ),
        (
            "plain-number",
            lambda cs: {"eo:cloud_cover": cloud(cs[0])},
            lambda cs: lambda c: cloud(c) == cloud(cs[0]),
        ),
        (
            "eq",
            lambda cs: {"eo:cloud_cover": {"eq": cloud(cs[1])}},
            lambda cs: lambda c: cloud(c) == cloud(cs[1]),
        ),
        (
            "neq",
            lambda cs: {"eo:cloud_cover": {"neq": cloud(cs[1])}},
            lambda cs: lambda c: cloud(c) != cloud(cs[1]),
        ),
        ("lt", lambda cs: {"eo:cloud_cover": {"lt": 20}}, lambda cs: lambda c: cloud(c) < 20),
        (
            "lte",
            lambda cs: {"eo:cloud_cover": {"lte": cloud(cs[2])}},
            lambda cs: lambda c: cloud(c) <= cloud(cs[2]),
        ),
        ("gt", lambda cs: {"eo:cloud_cover": {"gt": 35.5}}, lambda cs: lambda c: cloud(c) > 35.5),
        (
            "gte",
            lambda cs: {"eo:cloud_cover": {"gte": cloud(cs[3])}},
            lambda cs: lambda c: cloud(c) >= cloud(cs[3]),
        ),
        (
            "range",
            lambda cs: {"eo:cloud_cover": {"gte": 10, "lt": 25}},
            lambda cs: lambda c: 10 <= cloud(c) < 25,
        ),
        (
            "in-number",
            lambda cs: {"eo:cloud_cover": {"in": [cloud(cs[4]), cloud(cs[5]), 1234]}},
            lambda cs: lambda c: cloud(c) in (cloud(cs[4]), cloud(cs[5])),
        ),
        (
            "plain-project",
            lambda cs: {"project_id": props(cs[6])["project_id"]},
            lambda cs: lambda c: props(c)["project_id"] == props(cs[6])["project_id"],
        ),
        (
            "in-project",
            lambda cs: {
                "project_id": {"in": [props(cs[6])["project_id"], props(cs[200])["project_id"]]}
            },
            lambda cs: (
                lambda c: (
                    props(c)["project_id"]
                    in (props(cs[6])["project_id"], props(cs[200])["project_id"])
                )
            ),
        ),
        (
            "neq-project",
            lambda cs: {"project_id": {"neq": props(cs[6])["project_id"]}},
            lambda cs: lambda c: props(c)["project_id"] != props(cs[6])["project_id"],
        ),
        (
            "two-properties",
            lambda cs: {"usecase": "agriculture", "eo:cloud_cover": {"lte": 15}},
            lambda cs: lambda c: props(c)["usecase"] == "agriculture" and cloud(c) <= 15,
        ),
    ]


@pytest.mark.parametrize(
    ("query_of", "predicate_of"),
    [case[1:] for case in _query_cases()],
    ids=[case[0] for case in _query_cases()],
)
def test_query(reader, catalogs, query_of, predicate_of):
    expected = check_filter(reader, catalogs, {"query": query_of(catalogs)}, predicate_of(catalogs))
    assert 0 < len(expected) < len(catalogs)


def test_query_plain_value_equals_eq_operator(reader):
    plain, _ = search_all(reader, {"query": {"usecase": "water"}})
    explicit, _ = search_all(reader, {"query": {"usecase": {"eq": "water"}}})
    assert plain and ids_of(plain) == ids_of(explicit)


def test_query_with_no_match(reader):
    body = search(reader, {"query": {"usecase": "no-such-usecase"}}).json()
    assert body == {"catalogs": [], "pagination": {"limit": 2, "offset": 0, "total": 0}}


# -- sort_by ------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sort_by_cloud_cover(reader, catalogs, direction):
    by_id = sorted(catalogs, key=lambda c: c["id"])
    expected = [c["id"] for c in sorted(by_id, key=cloud, reverse=direction == "DESC")]
    check_order(reader, {"sort_by": [{"eo:cloud_cover": direction}]}, expected)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sort_by_datetime(reader, catalogs, direction):
    expected = [c["id"] for c in sorted(catalogs, key=when, reverse=direction == "DESC")]
    check_order(reader, {"sort_by": [{"datetime": direction}]}, expected)


def test_sort_by_two_keys(reader, catalogs):
    by_id = sorted(catalogs, key=lambda c: c["id"])
    by_cloud = sorted(by_id, key=cloud, reverse=True)
    expected = [c["id"] for c in sorted(by_cloud, key=lambda c: props(c)["usecase"])]
    sort_by = [{"usecase": "ASC"}, {"eo:cloud_cover": "DESC"}]
    check_order(reader, {"sort_by": sort_by}, expected)


@pytest.mark.parametrize(
    "key",
    [
        {"field": "eo:cloud_cover", "direction": "desc"},
        {"field": "properties->>'eo:cloud_cover'", "direction": "DESC"},
        {"field": "properties->'eo:cloud_cover'", "direction": "Desc"},
    ],
)
def test_sort_by_in_the_field_and_direction_form(reader, catalogs, key):
    by_id = sorted(catalogs, key=lambda c: c["id"])
    expected = [c["id"] for c in sorted(by_id, key=cloud, reverse=True)]
    check_order(reader, {"sort_by": [key]}, expected)


def test_sort_by_field_without_direction_is_ascending(reader, catalogs):
    expected = [c["id"] for c in sorted(catalogs, key=when)]
    check_order(reader, {"sort_by": [{"field": "datetime"}]}, expected)


def test_sorted_filtered_page(reader, catalogs):
    chosen = [c for c in catalogs if props(c)["usecase"] == "urban"]
    expected = [c["id"] for c in sorted(chosen, key=cloud)]
    body = search(
        reader,
        {"query": {"usecase": "urban"}, "sort_by": [{"eo:cloud_cover": "ASC"}], "limit": 3},
    ).json()
    assert ids_of(body["catalogs"]) == expected[:3]
    assert body["pagination"]["total"] == len(chosen)


# -- filters combine with AND -------------------------------------------------------------------


def test_combined_filters_are_anded(reader, catalogs):
    start = "2024-01-01T00:00:00Z"
    body = {
        "collections": ["pixxel-td2-l2a", "pixxel-td1-l2a"],
        "datetime": f"{start}/..",
        "query": {"eo:cloud_cover": {"lt": 30}},
    }

    def predicate(c):
        return (
            c["details"]["collection"] in body["collections"]
            and when(c) >= parse(start)
            and cloud(c) < 30
        )

    expected = check_filter(reader, catalogs, body, predicate)
    for alone in ({"collections": body["collections"]}, {"query": body["query"]}):
        total = search(reader, {**alone, "limit": 1}).json()["pagination"]["total"]
        assert len(expected) < total
    assert expected


def test_combined_bbox_and_query(reader, catalogs):
    bbox = [179.0, -18.0, -179.0, -15.0]
    fiji = [c for c in catalogs if _bbox_predicate(bbox)(c)]
    threshold = sorted(cloud(c) for c in fiji)[len(fiji) // 2]
    body = {"bbox": bbox, "query": {"eo:cloud_cover": {"gte": threshold}}}
    expected = check_filter(
        reader, catalogs, body, lambda c: _bbox_predicate(bbox)(c) and cloud(c) >= threshold
    )
    assert 0 < len(expected) < len(fiji)


# -- invalid requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2024-13-01T00:00:00Z"}, "datetime"),
        ({"datetime": "../.."}, "datetime"),
        ({"datetime": "2024-06-01T00:00:00Z/2024-01-01T00:00:00Z"}, "datetime"),
        ({"bbox": [10.0, 5.0, 20.0, 1.0]}, "bbox"),
        ({"bbox": [10.0, 1.0, 20.0, 5.0, 7.0]}, "bbox"),
        ({"query": {"eo:cloud_cover": {"like": 3}}}, "query.eo:cloud_cover.like"),
        ({"sort_by": [{"no_such_field": "ASC"}]}, "sort_by[0]"),
        ({"sort_by": [{"datetime": "UP"}]}, "sort_by[0].datetime"),
        ({"sort_by": [{"field": "no_such_field", "direction": "asc"}]}, "sort_by[0]"),
        ({"sort_by": [{"field": "datetime", "direction": "up"}]}, "sort_by[0].direction"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"colour": "blue"}, "colour"),
        ({"ids": ["not-a-uuid"]}, "ids[0]"),
    ],
    ids=[
        "bad-datetime",
        "month-13",
        "open-both-ends",
        "start-after-end",
        "minlat-above-maxlat",
        "bbox-5-numbers",
        "unknown-operator",
        "unknown-sort-field",
        "bad-direction",
        "unknown-sort-field-in-field-form",
        "bad-direction-in-field-form",
        "limit-0",
        "limit-101",
        "negative-offset",
        "unknown-field",
        "non-uuid-id",
    ],
)
def test_invalid_search_is_400_naming_the_field(reader, body, field):
    response = search(reader, body)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_bbox_and_intersects_together_is_400(reader):
    body = {"bbox": [0, 0, 1, 1], "intersects": {"type": "Point", "coordinates": [0.5, 0.5]}}
    response = search(reader, body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"


# -- GetCatalogById -----------------------------------------------------------------------------


def test_get_catalog_equals_the_search_result(reader):
    page = search(reader, {"limit": 5, "offset": 60}).json()["catalogs"]
    assert len(page) == 5
    for catalog in page:
        response = reader.get(f"/v0/catalogs/{catalog['id']}")
        assert response.status_code == 200
        assert response.json() == catalog


def test_get_unknown_catalog_is_404(reader):
    response = reader.get(f"/v0/catalogs/{UNKNOWN}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["details"]["id"] == UNKNOWN


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", "00519474-43c3-489c-8440-70063cb1f3fz"])
def test_get_malformed_catalog_id_is_400(reader, bad_id):
    response = reader.get(f"/v0/catalogs/{bad_id}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"


# -- delivery_status follows the latest delivery ------------------------------------------------


def deliver(client, store_id, catalog_ids):
    body = {
        "deliveries": [
            {"catalog_ids": catalog_ids, "cloud_info": {"config": store_id, "path": "p/"}}
        ]
    }
    response = client.post("/v0/catalogs/deliveries", json=body)
    assert response.status_code == 201, response.text
    return response.json()["deliveries"]


def status_of(client, catalog_id):
    got = client.get(f"/v0/catalogs/{catalog_id}")
    assert got.status_code == 200
    searched = search(client, {"ids": [catalog_id]}).json()["catalogs"]
    assert [c["delivery_status"] for c in searched] == [got.json()["delivery_status"]]
    return got.json()["delivery_status"]


def test_delivery_status_follows_the_delivery(client, app, fake_time, catalogs):
    settings = app.service.settings
    queue, processing = settings.delivery_queue_seconds, settings.delivery_processing_seconds
    assert queue > 0 and processing > 0
    delivered, untouched = catalogs[0]["id"], catalogs[1]["id"]
    other = client.as_key("delivery-status-other-key")

    assert status_of(client, delivered) == "UNSPECIFIED"
    deliver(client, make_store(client), [delivered])

    samples = (0.0, queue / 2, queue + 0.01, queue + processing / 2, queue + processing + 0.01)
    elapsed = 0.0
    seen = []
    for at in samples:
        fake_time.advance(at - elapsed)
        elapsed = at
        seen.append(
            (
                status_of(client, delivered),
                status_of(client, untouched),
                status_of(other, delivered),
            )
        )
    assert [s[0] for s in seen] == ["CREATED", "CREATED", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]
    assert {s[1] for s in seen} == {"UNSPECIFIED"}
    assert {s[2] for s in seen} == {"UNSPECIFIED"}

    fake_time.advance(3600)
    assert status_of(client, delivered) == "SUCCESS"


def test_a_new_delivery_resets_the_status(client, app, fake_time, catalogs):
    settings = app.service.settings
    total = settings.delivery_queue_seconds + settings.delivery_processing_seconds
    cid = catalogs[2]["id"]
    store_id = make_store(client)
    deliver(client, store_id, [cid])
    fake_time.advance(total + 1)
    assert status_of(client, cid) == "SUCCESS"
    deliver(client, store_id, [cid])
    assert status_of(client, cid) == "CREATED"
    fake_time.advance(settings.delivery_queue_seconds + 0.01)
    assert status_of(client, cid) == "IN_PROGRESS"


def test_delivery_to_a_failing_bucket_ends_failed(client, app, fake_time, catalogs):
    settings = app.service.settings
    total = settings.delivery_queue_seconds + settings.delivery_processing_seconds
    cid = catalogs[3]["id"]
    deliver(client, make_store(client, bucket="fail-bucket"), [cid])
    assert status_of(client, cid) == "CREATED"
    fake_time.advance(total + 0.01)
    assert status_of(client, cid) == "FAILED"


def test_search_finds_catalogs_by_the_workspaces_own_delivery_status(client, fake_time, catalogs):
    delivered, untouched = catalogs[5]["id"], catalogs[6]["id"]
    deliver(client, make_store(client), [delivered])
    other = client.as_key("delivery-status-search-other-key")

    def matching(reader, status, op=None):
        condition = status if op is None else {op: status}
        body = {"query": {"delivery_status": condition}, "ids": [delivered, untouched]}
        return sorted(c["id"] for c in search(reader, body).json()["catalogs"])

    assert matching(client, "CREATED") == [delivered]
    assert matching(client, "UNSPECIFIED") == [untouched]
    fake_time.advance(3600)
    assert matching(client, "SUCCESS") == [delivered]
    assert matching(client, "SUCCESS", "eq") == [delivered]
    assert matching(client, "SUCCESS", "neq") == [untouched]
    assert matching(client, "UNSPECIFIED") == [untouched]
    # Another workspace delivered nothing: both catalogs are UNSPECIFIED there.
    assert matching(other, "SUCCESS") == []
    assert matching(other, "UNSPECIFIED") == sorted([delivered, untouched])


def test_search_sorts_by_the_workspaces_own_delivery_status(client, fake_time, catalogs):
    delivered, untouched = catalogs[7]["id"], catalogs[8]["id"]
    deliver(client, make_store(client), [delivered])
    fake_time.advance(3600)
    body = {"ids": [delivered, untouched], "sort_by": [{"field": "delivery_status"}]}
    found = search(client, body).json()["catalogs"]
    assert [(c["id"], c["delivery_status"]) for c in found] == [
        (delivered, "SUCCESS"),
        (untouched, "UNSPECIFIED"),
    ]
