"""Deliveries and downloads: creation, filters, and lifecycles sampled under a fake clock."""

from __future__ import annotations

import pytest

from tests.support import error_of, make_store

UNKNOWN = "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"


def item_with_catalogs(fixture_set, at_least=2):
    by_item: dict[str, list[dict]] = {}
    for catalog in fixture_set.catalogs:
        by_item.setdefault(catalog["details"]["properties"]["order_item_id"], []).append(catalog)
    item_id, catalogs = next((k, v) for k, v in sorted(by_item.items()) if len(v) >= at_least)
    return item_id, catalogs


def deliver(client, store_id, **selector):
    body = {"deliveries": [{**selector, "cloud_info": {"config": store_id, "path": "order_1/"}}]}
    return client.post("/v0/catalogs/deliveries", json=body)


# -- deliveries ---------------------------------------------------------------------------------


def test_delivery_per_catalog_with_target_path(client, catalogs):
    store_id = make_store(client)
    chosen = catalogs[:3]
    response = deliver(client, store_id, catalog_ids=[c["id"] for c in chosen])
    assert response.status_code == 201
    deliveries = response.json()["deliveries"]
    assert [d["catalog_id"] for d in deliveries] == [c["id"] for c in chosen]
    for delivery, catalog in zip(deliveries, chosen, strict=True):
        assert delivery["status"] == "CREATED"
        assert delivery["cloud_delivery"] == {"config": store_id, "path": "order_1/"}
        # Relative to the delivery's path: path + target_path is the object key.
        assert delivery["target_path"] == f"{catalog['details']['id']}.zip"
        assert "task_id" not in delivery  # manual deliveries carry none (never null)
    assert len({d["delivery_id"] for d in deliveries}) == 3


def test_order_items_resolve_to_their_catalogs(client, fixture_set):
    store_id = make_store(client)
    item_id, item_catalogs = item_with_catalogs(fixture_set)
    response = deliver(client, store_id, order_item_ids=[item_id])
    assert response.status_code == 201
    delivered = sorted(d["catalog_id"] for d in response.json()["deliveries"])
    assert delivered == sorted(c["id"] for c in item_catalogs)


def test_repeated_catalog_ids_are_refused(client, catalogs):
    store_id = make_store(client)
    cid = catalogs[0]["id"]
    response = deliver(client, store_id, catalog_ids=[cid, cid])
    # The reference marks the lists uniqueItems.
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "deliveries[0].catalog_ids"


@pytest.mark.parametrize(
    ("selector", "expected_status", "resource"),
    [
        ({"catalog_ids": [UNKNOWN]}, 404, "catalog"),
        ({"order_item_ids": [UNKNOWN]}, 404, "order item"),
    ],
)
def test_unknown_catalog_or_order_item_is_404(client, selector, expected_status, resource):
    store_id = make_store(client)
    response = deliver(client, store_id, **selector)
    assert response.status_code == expected_status
    assert error_of(response)["details"]["resource"] == resource


def test_unknown_store_is_404_and_nothing_is_created(client, catalogs):
    response = deliver(client, UNKNOWN, catalog_ids=[catalogs[0]["id"]])
    assert response.status_code == 404
    assert error_of(response)["details"] == {"resource": "store", "id": UNKNOWN}
    assert client.get("/v0/catalogs/deliveries").json()["deliveries"] == []


def test_one_bad_entry_rejects_the_whole_request(client, catalogs):
    store_id = make_store(client)
    body = {
        "deliveries": [
            {"catalog_ids": [catalogs[0]["id"]], "cloud_info": {"config": store_id}},
            {"catalog_ids": [catalogs[1]["id"]], "cloud_info": {"config": UNKNOWN}},
        ]
    }
    assert client.post("/v0/catalogs/deliveries", json=body).status_code == 404
    assert client.get("/v0/catalogs/deliveries").json()["deliveries"] == []


@pytest.mark.parametrize(
    ("entry", "field", "phrase"),
    [
        ({"cloud_info": {"config": UNKNOWN}}, "deliveries[0].catalog_ids", "at least one"),
        (
            {"catalog_ids": [], "order_item_ids": [], "cloud_info": {"config": UNKNOWN}},
            "deliveries[0].catalog_ids",
            "at least one",
        ),
        ({"catalog_ids": [UNKNOWN]}, "deliveries[0].cloud_info", "required"),
        ({"catalog_ids": [UNKNOWN], "cloud_delivery": {"config": UNKNOWN}}, None, None),
        ({"catalog_ids": [], "cloud_info": {"config": UNKNOWN}}, "deliveries[0].catalog_ids", None),
    ],
)
def test_delivery_request_shape_errors(client, entry, field, phrase):
    response = client.post("/v0/catalogs/deliveries", json={"deliveries": [entry]})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    if field is not None:
        assert error["details"]["field"] == field
    if phrase is not None:
        assert phrase in error["message"]


def test_delivery_lifecycle_under_the_clock(app, client, fake_time, catalogs):
    settings = app.service.settings
    store_id = make_store(client)
    delivery = deliver(client, store_id, catalog_ids=[catalogs[0]["id"]]).json()["deliveries"][0]
    seen = []
    checkpoints = [
        0.0,
        settings.delivery_queue_seconds - 0.01,
        settings.delivery_queue_seconds + 0.01,
        settings.delivery_queue_seconds + settings.delivery_processing_seconds - 0.01,
        settings.delivery_queue_seconds + settings.delivery_processing_seconds,
        3600.0,
    ]
    elapsed = 0.0
    for at in checkpoints:
        fake_time.advance(at - elapsed)
        elapsed = at
        listed = client.get(f"/v0/catalogs/deliveries?delivery_id={delivery['delivery_id']}")
        (current,) = listed.json()["deliveries"]
        seen.append(current["status"])
    assert seen == ["CREATED", "CREATED", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS", "SUCCESS"]


def test_fail_bucket_makes_deliveries_fail(client, fake_time, catalogs):
    store_id = make_store(client, bucket="fail-on-purpose")
    delivery = deliver(client, store_id, catalog_ids=[catalogs[0]["id"]]).json()["deliveries"][0]
    fake_time.advance(3600)
    listed = client.get(f"/v0/catalogs/deliveries?delivery_id={delivery['delivery_id']}")
    assert listed.json()["deliveries"][0]["status"] == "FAILED"
    catalog = client.get(f"/v0/catalogs/{catalogs[0]['id']}").json()
    assert catalog["delivery_status"] == "FAILED"


def test_list_deliveries_filters(client, fixture_set):
    store_id = make_store(client)
    item_id, item_catalogs = item_with_catalogs(fixture_set)
    other = next(
        c for c in fixture_set.catalogs if c["details"]["properties"]["order_item_id"] != item_id
    )
    by_item = deliver(client, store_id, order_item_ids=[item_id]).json()["deliveries"]
    single = deliver(client, store_id, catalog_ids=[other["id"]]).json()["deliveries"][0]

    everything = client.get("/v0/catalogs/deliveries").json()["deliveries"]
    assert everything[0]["delivery_id"] == single["delivery_id"]  # newest first
    assert len(everything) == len(by_item) + 1

    def ids(query):
        return {
            d["delivery_id"]
            for d in client.get(f"/v0/catalogs/deliveries?{query}").json()["deliveries"]
        }

    assert ids(f"order_item_id={item_id}") == {d["delivery_id"] for d in by_item}
    assert ids(f"catalog_id={other['id']}") == {single["delivery_id"]}
    assert ids(f"delivery_id={single['delivery_id']}") == {single["delivery_id"]}
    assert ids(f"catalog_id={other['id']}&order_item_id={item_id}") == set()
    assert ids(f"task_id={UNKNOWN}") == set()
    # A manual delivery has no task_id, but is found by the task of the catalog it delivers.
    task = other["task_id"]
    same_task = {c["id"] for c in item_catalogs + [other] if c["task_id"] == task}
    assert ids(f"task_id={task}") == {
        d["delivery_id"] for d in [*by_item, single] if d["catalog_id"] in same_task
    }
    bad = client.get("/v0/catalogs/deliveries?catalog_id=nope")
    assert bad.status_code == 400 and error_of(bad)["details"]["field"] == "catalog_id"


# -- downloads ----------------------------------------------------------------------------------


def test_download_lifecycle_and_signed_url(app, client, fake_time, catalogs):
    settings = app.service.settings
    created = client.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[1]["id"]]})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "created" and "signed_url" not in body
    path = f"/v0/catalogs/download/{body['id']}"

    fake_time.advance(settings.download_queue_seconds - 0.01)
    assert client.get(path).json() == {"id": body["id"], "status": "created"}
    fake_time.advance(0.02)
    assert client.get(path).json() == {"id": body["id"], "status": "in_progress"}
    fake_time.advance(settings.download_processing_seconds)
    done = client.get(path).json()
    assert done["status"] == "success"
    assert done["signed_url"].startswith("http://testserver/_mock/files/")
    assert "signature=" in done["signed_url"] and "expires=" in done["signed_url"]


def test_download_by_order_items(client, fixture_set):
    item_id, _ = item_with_catalogs(fixture_set)
    response = client.post("/v0/catalogs/download", json={"order_item_ids": [item_id]})
    assert response.status_code == 201


@pytest.mark.parametrize("empty", ["order_item_ids", "catalog_ids"])
def test_both_keys_with_one_list_empty_are_accepted(client, fixture_set, catalogs, empty):
    # Clients generated from Pixxel's reference always send both keys.
    item_id, item_catalogs = item_with_catalogs(fixture_set)
    body = {"catalog_ids": [catalogs[0]["id"]], "order_item_ids": [item_id], empty: []}
    assert client.post("/v0/catalogs/download", json=body).status_code == 201
    response = deliver(client, make_store(client), **body)
    assert response.status_code == 201
    named = [catalogs[0]] if empty == "order_item_ids" else item_catalogs
    delivered = sorted(d["catalog_id"] for d in response.json()["deliveries"])
    assert delivered == sorted(c["id"] for c in named)


def test_both_lists_with_ids_deliver_the_catalogs_of_both(client, fixture_set, catalogs):
    item_id, item_catalogs = item_with_catalogs(fixture_set)
    other = next(c for c in catalogs if c["id"] not in {x["id"] for x in item_catalogs})
    store_id = make_store(client)
    response = deliver(client, store_id, catalog_ids=[other["id"]], order_item_ids=[item_id])
    assert response.status_code == 201
    delivered = [d["catalog_id"] for d in response.json()["deliveries"]]
    assert sorted(delivered) == sorted([other["id"], *(c["id"] for c in item_catalogs)])


@pytest.mark.parametrize(
    ("body", "status", "phrase"),
    [
        ({}, 400, "at least one"),
        ({"catalog_ids": [], "order_item_ids": []}, 400, "at least one"),
        ({"catalog_ids": [UNKNOWN], "order_item_ids": [UNKNOWN]}, 404, None),
        ({"catalog_ids": [UNKNOWN, UNKNOWN]}, 400, None),
        ({"catalog_ids": []}, 400, None),
        ({"catalog_ids": ["not-a-uuid"]}, 400, None),
        ({"catalog_ids": [UNKNOWN]}, 404, None),
        ({"order_item_ids": [UNKNOWN]}, 404, None),
    ],
)
def test_download_request_errors(client, body, status, phrase):
    response = client.post("/v0/catalogs/download", json=body)
    assert response.status_code == status
    if phrase:
        assert phrase in error_of(response)["message"]


def test_unknown_download_is_404(client):
    response = client.get(f"/v0/catalogs/download/{UNKNOWN}")
    assert response.status_code == 404
    assert error_of(response)["details"]["resource"] == "download"
