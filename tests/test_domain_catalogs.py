"""The catalogs room without HTTP: search over the index, delivery status, naming catalogs."""

from __future__ import annotations

import pytest

from mockserver.catalog_search.limits import DEFAULT_LIMIT, MAX_LIMIT
from mockserver.errors import ApiError
from mockserver.schemas import load_spec
from tests.domain_support import DONE, STORE_BODY, build


def test_paging_limits_are_the_contracts():
    limit = load_spec()["components"]["schemas"]["CatalogSearchRequest"]["properties"]["limit"]
    assert (limit["default"], limit["maximum"]) == (DEFAULT_LIMIT, MAX_LIMIT)


def test_a_search_without_limit_answers_the_default_page(fixture_set):
    d = build(fixture_set)
    result = d.service.catalogs.search(d.ws, {})
    assert len(result["catalogs"]) == DEFAULT_LIMIT
    assert result["pagination"] == {
        "limit": DEFAULT_LIMIT,
        "offset": 0,
        "total": len(fixture_set.catalogs),
    }


def test_a_delivered_catalog_shows_and_filters_on_its_delivery_status(fixture_set):
    d = build(fixture_set)
    catalog = fixture_set.catalogs[3]
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    entry = {"cloud_info": {"config": store_id}, "catalog_ids": [catalog["id"]]}
    d.service.deliveries.create(d.ws, {"deliveries": [entry]})
    d.time.advance(DONE)
    assert d.service.catalogs.get(d.ws, catalog["id"])["delivery_status"] == "SUCCESS"
    found = d.service.catalogs.search(d.ws, {"query": {"delivery_status": "SUCCESS"}})
    assert [c["id"] for c in found["catalogs"]] == [catalog["id"]]
    other = d.service.open_workspace("someone else")
    assert d.service.catalogs.get(other, catalog["id"]).get("delivery_status") != "SUCCESS"


def test_resolve_adds_catalog_and_order_item_ids_without_repeats(fixture_set):
    d = build(fixture_set)
    catalog = next(
        c for c in fixture_set.catalogs if c["details"]["properties"].get("order_item_id")
    )
    item_id = catalog["details"]["properties"]["order_item_id"]
    resolved = d.service.catalogs.resolve(
        {"catalog_ids": [catalog["id"], catalog["id"]], "order_item_ids": [item_id]}
    )
    ids = [c["id"] for c in resolved]
    assert len(ids) == len(set(ids)) and catalog["id"] in ids
    with pytest.raises(ApiError) as caught:
        d.service.catalogs.resolve({"catalog_ids": [], "order_item_ids": []}, "deliveries[0].")
    assert caught.value.details["field"] == "deliveries[0].catalog_ids"


def test_the_datetime_filter_means_exactly_an_instant(fixture_set):
    d = build(fixture_set)
    stamp = fixture_set.catalogs[0]["details"]["properties"]["datetime"]
    found = d.service.catalogs.search(d.ws, {"datetime": stamp, "limit": MAX_LIMIT})["catalogs"]
    assert found and all(c["details"]["properties"]["datetime"] == stamp for c in found)
