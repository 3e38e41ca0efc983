"""Workspaces: what one API key creates, another never sees; every workspace starts seeded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import error_of

TD2 = "0005c5bb-0bd2-4c80-9393-4a808341c54c"


@pytest.fixture
def alice(client):
    return client.as_key("isolation-alice")


@pytest.fixture
def bob(client):
    return client.as_key("isolation-bob")


def store_body(name: str = "private-store") -> dict[str, Any]:
    return {
        "name": name,
        "type": "S3",
        "configs": {"bucket": "private-bucket", "region": "ap-south-1"},
        "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
    }


def make_store(client, name: str = "private-store") -> str:
    response = client.post("/v0/stores", json=store_body(name))
    assert response.status_code == 200, response.text
    return response.json()["id"]


def aoi_body(fixture_set, name: str = "Private AOI") -> dict[str, Any]:
    item = next(
        c["details"]["id"]
        for c in fixture_set.catalogs
        if c["details"]["properties"]["satellite_id"] == TD2
    )
    ring = [[20.0, 10.0], [20.1, 10.0], [20.1, 10.1], [20.0, 10.1], [20.0, 10.0]]
    return {
        "name": name,
        "description": "only mine",
        "satellite_id": TD2,
        "provider": "pixxel",
        "project_id": fixture_set.projects[0]["id"],
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "item_ids": [item],
    }


def store_ids(client) -> list[str]:
    return [s["id"] for s in client.get("/v0/stores").json()["stores"]]


def aoi_ids(client) -> list[str]:
    return [a["aoi_id"] for a in client.get("/v0/aois", params={"limit": 100}).json()["aois"]]


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.text
    assert error_of(response)["code"] == "NOT_FOUND"


# -- seeds --------------------------------------------------------------------------------------


def test_every_fresh_workspace_starts_with_the_same_seed(client, fixture_set):
    seeded_stores = [s["id"] for s in fixture_set.stores]
    seeded_aois = {a["aoi_id"] for a in fixture_set.aois}
    assert seeded_stores and seeded_aois
    views = []
    for key in ("seed-a", "seed-b", "Bearer seed-c"):
        ws = client.as_key(key)
        stores = ws.get("/v0/stores").json()["stores"]
        aois = ws.get("/v0/aois", params={"limit": 100}).json()["aois"]
        assert sorted(s["id"] for s in stores) == sorted(seeded_stores)
        assert {a["aoi_id"] for a in aois} == seeded_aois
        views.append((stores, aois))
    assert views[0] == views[1] == views[2]


def test_a_changed_workspace_does_not_change_the_seed_of_new_ones(alice, client, fixture_set):
    make_store(alice)
    assert alice.post("/v0/aois", json=aoi_body(fixture_set)).status_code == 201
    alice.delete(f"/v0/stores/{fixture_set.stores[0]['id']}")
    newcomer = client.as_key("isolation-newcomer")
    assert sorted(store_ids(newcomer)) == sorted(s["id"] for s in fixture_set.stores)
    assert set(aoi_ids(newcomer)) == {a["aoi_id"] for a in fixture_set.aois}


def test_deleting_a_seeded_store_leaves_it_in_other_workspaces(alice, bob, fixture_set):
    seeded = fixture_set.stores[0]["id"]
    assert seeded in store_ids(bob)
    assert alice.delete(f"/v0/stores/{seeded}").status_code == 204
    assert seeded not in store_ids(alice)
    assert seeded in store_ids(bob)
    assert_not_found(alice.delete(f"/v0/stores/{seeded}"))
    assert bob.delete(f"/v0/stores/{seeded}").status_code == 204


# -- stores -------------------------------------------------------------------------------------


def test_stores_are_private(alice, bob):
    store_id = make_store(alice)
    assert store_id in store_ids(alice)
    assert store_id not in store_ids(bob)
    assert_not_found(bob.delete(f"/v0/stores/{store_id}"))
    assert store_id in store_ids(alice)
    # Bob may use the same name: names are unique per workspace only.
    bobs = make_store(bob)
    assert bobs not in store_ids(alice)


# -- AOIs ---------------------------------------------------------------------------------------


def test_aois_are_private(alice, bob, fixture_set):
    created = alice.post("/v0/aois", json=aoi_body(fixture_set))
    assert created.status_code == 201
    aoi_id = created.json()["aoi_id"]
    assert aoi_id in aoi_ids(alice)
    assert alice.get(f"/v0/aoi/{aoi_id}").status_code == 200
    assert aoi_id not in aoi_ids(bob)
    assert_not_found(bob.get(f"/v0/aoi/{aoi_id}"))
    listed = bob.get("/v0/aois", params={"aoi_id": aoi_id}).json()
    assert listed["aois"] == [] and listed["pagination"]["total"] == 0
    assert bob.get("/v0/aois", params={"aoi_name": "Private"}).json()["aois"] == []


# -- deliveries ---------------------------------------------------------------------------------


def test_deliveries_are_private(alice, bob, catalogs):
    store_id = make_store(alice)
    catalog_id = catalogs[0]["id"]
    body = {
        "deliveries": [
            {"catalog_ids": [catalog_id], "cloud_info": {"config": store_id, "path": "p/"}}
        ]
    }
    created = alice.post("/v0/catalogs/deliveries", json=body)
    assert created.status_code == 201
    delivery_id = created.json()["deliveries"][0]["delivery_id"]

    mine = alice.get("/v0/catalogs/deliveries").json()["deliveries"]
    assert delivery_id in [d["delivery_id"] for d in mine]
    assert bob.get("/v0/catalogs/deliveries").json()["deliveries"] == []
    for params in ({"delivery_id": delivery_id}, {"catalog_id": catalog_id}):
        assert bob.get("/v0/catalogs/deliveries", params=params).json()["deliveries"] == []

    assert alice.get(f"/v0/catalogs/{catalog_id}").json()["delivery_status"] == "CREATED"
    assert bob.get(f"/v0/catalogs/{catalog_id}").json()["delivery_status"] == "UNSPECIFIED"
    # Bob cannot deliver into Alice's store either.
    assert_not_found(bob.post("/v0/catalogs/deliveries", json=body))
    assert bob.get("/v0/catalogs/deliveries").json()["deliveries"] == []


# -- downloads ----------------------------------------------------------------------------------


def test_downloads_are_private(alice, bob, catalogs, app, fake_time):
    created = alice.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[1]["id"]]})
    assert created.status_code == 201
    download_id = created.json()["id"]
    settings = app.service.settings
    fake_time.advance(settings.download_queue_seconds + settings.download_processing_seconds + 1)
    mine = alice.get(f"/v0/catalogs/download/{download_id}")
    assert mine.status_code == 200
    assert mine.json()["status"] == "success"
    assert_not_found(bob.get(f"/v0/catalogs/download/{download_id}"))
