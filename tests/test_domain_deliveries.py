"""The deliveries room without HTTP: what a delivery is made of and how its status moves."""

from __future__ import annotations

import pytest

from mockserver.errors import ApiError
from tests.domain_support import DONE, QUEUE, STORE_BODY, build


def deliver(d, store_id, **ids):
    entry = {"cloud_info": {"config": store_id, "path": "drop/"}, **ids}
    return d.service.deliveries.create(d.ws, {"deliveries": [entry]})["deliveries"]


def test_a_delivery_moves_forward_on_the_workspace_clock(fixture_set):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    catalog = fixture_set.catalogs[0]
    (made,) = deliver(d, store_id, catalog_ids=[catalog["id"]])
    assert made["status"] == "CREATED"
    assert made["target_path"] == f"{catalog['details']['id']}.zip"
    assert not any(key.startswith("_") for key in made)
    d.time.advance(QUEUE + 1)
    assert d.service.deliveries.list(d.ws)["deliveries"][0]["status"] == "IN_PROGRESS"
    d.time.advance(DONE)
    assert d.service.deliveries.list(d.ws)["deliveries"][0]["status"] == "SUCCESS"


@pytest.mark.parametrize(
    "body",
    [
        {**STORE_BODY, "secrets": {"access_key_id": "AKIA"}},
        {**STORE_BODY, "configs": {"bucket": "fail-on-purpose", "region": "r"}},
    ],
)
def test_a_store_that_cannot_write_fails_the_delivery(fixture_set, body):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, body)["id"]
    deliver(d, store_id, catalog_ids=[fixture_set.catalogs[0]["id"]])
    d.time.advance(DONE)
    assert d.service.deliveries.list(d.ws)["deliveries"][0]["status"] == "FAILED"


def test_an_order_item_delivers_each_of_its_catalogs_once(fixture_set):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    catalog = next(
        c for c in fixture_set.catalogs if c["details"]["properties"].get("order_item_id")
    )
    item_id = catalog["details"]["properties"]["order_item_id"]
    expected = {c["id"] for c in d.service.catalogs.index.by_order_item(item_id)}
    made = deliver(d, store_id, catalog_ids=[catalog["id"]], order_item_ids=[item_id])
    assert sorted(m["catalog_id"] for m in made) == sorted(expected)
    listed = d.service.deliveries.list(d.ws, order_item_id=item_id)["deliveries"]
    assert {m["delivery_id"] for m in listed} == {m["delivery_id"] for m in made}


def test_bad_entries_create_nothing(fixture_set):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    good = {"cloud_info": {"config": store_id}, "catalog_ids": [fixture_set.catalogs[0]["id"]]}
    for bad, status in (
        ({"cloud_info": {"config": store_id}}, 400),
        ({"cloud_info": {"config": store_id}, "catalog_ids": ["nope"]}, 404),
        ({"cloud_info": {"config": "no-store"}, "catalog_ids": good["catalog_ids"]}, 404),
    ):
        with pytest.raises(ApiError) as caught:
            d.service.deliveries.create(d.ws, {"deliveries": [good, bad]})
        assert caught.value.status == status
    assert d.service.deliveries.list(d.ws)["deliveries"] == []


def test_an_override_decides_the_next_delivery_only(fixture_set):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    d.service.control.add_override(
        d.ws, {"kind": "delivery", "outcome": "failed", "queue_seconds": 0, "processing_seconds": 0}
    )
    ids = [c["id"] for c in fixture_set.catalogs[:2]]
    first, second = deliver(d, store_id, catalog_ids=ids)
    assert first["status"] == "FAILED"
    assert second["status"] == "CREATED"
    assert d.service.control.list_overrides(d.ws) == {"overrides": []}
