"""Pixxel's developer guide, replayed: each sample request as the guide prints it answers 2xx.

Only placeholder tokens are filled in: ``<YOUR_API_KEY>``-style tokens, the bare ``ORDER_ITEM_ID``
of the delivery sample, and ``"string"``, the value the guide's request generator prints for a
string it has no example of (an id list holding only it stands for "no ids"; see
docs/decisions.md). Every other id is the guide's own, and the default fixtures hold it. The key
is sent bare, as the samples do.
"""

from __future__ import annotations

from typing import Any

from mockserver.data.generate import (
    DOCUMENTED_DOWNLOAD_CATALOG_ID,
    DOCUMENTED_ORDER_ITEM_ID,
    DOCUMENTED_PROJECT_ID,
    DOCUMENTED_SEARCH_CATALOG_ID,
    DOCUMENTED_STAC_ITEM_ID,
    DOCUMENTED_STORE_IDS,
)

# The guide's own ids, as printed (the generator's constants must agree with them).
GUIDE_PROJECT_ID = "ce5dcc14-8291-4b0c-a278-8c05ec426d22"
GUIDE_SEARCH_CATALOG_ID = "47435e2b-d8c4-41ff-9de9-2be3bfc92276"
GUIDE_DOWNLOAD_CATALOG_ID = "47435e2b-d8c4-51ff-9de9-2be3bfc92276"
GUIDE_STAC_ITEM_ID = "TD2_00056_20230815_L2A_004010_01001001"
GUIDE_SATELLITE_ID = "0005c5bb-0bd2-4c80-9393-4a808341c54c"
GENERATOR_PLACEHOLDER = "string"


def fill(value: Any, tokens: dict[str, Any]) -> Any:
    """``value`` with each placeholder token replaced; a list loses its generator placeholders."""
    if isinstance(value, dict):
        return {k: fill(v, tokens) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, tokens) for v in value if v != GENERATOR_PLACEHOLDER]
    if isinstance(value, str):
        return tokens.get(value, value)
    return value


def test_the_fixtures_hold_the_guides_ids():
    assert DOCUMENTED_PROJECT_ID == GUIDE_PROJECT_ID
    assert DOCUMENTED_SEARCH_CATALOG_ID == GUIDE_SEARCH_CATALOG_ID
    assert DOCUMENTED_DOWNLOAD_CATALOG_ID == GUIDE_DOWNLOAD_CATALOG_ID
    assert DOCUMENTED_STAC_ITEM_ID == GUIDE_STAC_ITEM_ID


def test_stores_page(client):
    created = client.post(
        "/v0/stores",
        json={
            "name": "my-analysis-store",
            "type": "S3",
            "configs": {"bucket": "my-data-bucket", "region": "us-east-2"},
            "secrets": {},
        },
    )
    assert created.status_code == 200, created.text
    store = created.json()
    assert store["name"] == "my-analysis-store"
    assert store["configs"] == {"bucket": "my-data-bucket", "region": "us-east-2"}
    listed = client.get("/v0/stores")
    assert listed.status_code == 200
    assert store["id"] in {s["id"] for s in listed.json()["stores"]}
    assert client.delete(f"/v0/stores/{store['id']}").status_code == 204


def test_catalog_page(client, fixture_set):
    catalog = next(c for c in fixture_set.catalogs if c["id"] == GUIDE_SEARCH_CATALOG_ID)
    sample = {
        "collections": ["<string>"],
        "datetime": "2020-04-05T11:56:49.865Z/2023-06-05T11:56:49.865Z",
        "ids": [GUIDE_SEARCH_CATALOG_ID],
        "query": {"project_id": "<PROJECT_ID>", "usecase": "agriculture"},
        "limit": 10,
        "offset": 0,
    }
    body = fill(
        sample,
        {"<string>": catalog["details"]["collection"], "<PROJECT_ID>": GUIDE_PROJECT_ID},
    )
    found = client.post("/v0/catalogs/search", json=body)
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["catalogs"]] == [GUIDE_SEARCH_CATALOG_ID]
    assert found.json()["pagination"] == {"limit": 10, "offset": 0, "total": 1}
    got = client.get(f"/v0/catalogs/{GUIDE_SEARCH_CATALOG_ID}")
    assert got.status_code == 200
    assert got.json()["details"]["properties"]["project_id"] == GUIDE_PROJECT_ID


def test_cloud_delivery_and_download_page(client):
    sample = {
        "deliveries": [
            {
                "catalog_ids": ["<CATALOG_ID>"],
                "order_item_ids": ["ORDER_ITEM_ID"],
                "cloud_info": {"config": "<STORE_ID>", "path": "/path/to/destination"},
            }
        ]
    }
    body = fill(
        sample,
        {
            "<CATALOG_ID>": GUIDE_SEARCH_CATALOG_ID,
            "ORDER_ITEM_ID": DOCUMENTED_ORDER_ITEM_ID,
            "<STORE_ID>": DOCUMENTED_STORE_IDS[0],
        },
    )
    created = client.post("/v0/catalogs/deliveries", json=body)
    assert created.status_code == 201, created.text
    deliveries = created.json()["deliveries"]
    assert GUIDE_SEARCH_CATALOG_ID in {d["catalog_id"] for d in deliveries}
    first = deliveries[0]
    for params in (
        {"delivery_id": first["delivery_id"]},
        {"catalog_id": first["catalog_id"]},
        {"order_item_id": DOCUMENTED_ORDER_ITEM_ID},
    ):
        listed = client.get("/v0/catalogs/deliveries", params=params)
        assert listed.status_code == 200
        assert first["delivery_id"] in {d["delivery_id"] for d in listed.json()["deliveries"]}
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    done = client.get("/v0/catalogs/deliveries", params={"delivery_id": first["delivery_id"]})
    assert [d["status"] for d in done.json()["deliveries"]] == ["SUCCESS"]


def test_create_download_page(client):
    sample = {"catalog_ids": [GUIDE_DOWNLOAD_CATALOG_ID], "order_item_ids": ["string"]}
    created = client.post("/v0/catalogs/download", json=fill(sample, {}))
    assert created.status_code == 201, created.text
    download = created.json()
    assert download["status"] == "created"
    client.post("/_mock/clock/advance", json={"seconds": 60})
    done = client.get(f"/v0/catalogs/download/{download['id']}")
    assert done.status_code == 200
    assert done.json()["status"] == "success"
    assert done.json()["signed_url"]


def test_create_aoi_page(client):
    sample = {
        "name": "AOI-D2",
        "description": "This AOI contains images of D2",
        "satellite_id": GUIDE_SATELLITE_ID,
        "provider": "pixxel",
        "project_id": GUIDE_PROJECT_ID,
        "geometry": None,
        "item_ids": [GUIDE_STAC_ITEM_ID],
    }
    created = client.post("/v0/aois", json=sample)
    assert created.status_code == 201, created.text
    aoi = created.json()
    assert aoi["name"] == "AOI-D2"
    assert aoi["project_id"] == GUIDE_PROJECT_ID
    assert aoi["geometry"]["type"] == "Polygon"
    assert isinstance(aoi["progress"], int)
    assert client.get(f"/v0/aoi/{aoi['aoi_id']}").status_code == 200
