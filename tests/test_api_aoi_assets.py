"""AOI assets and AOI downloads over HTTP: ListAssets, AOICreateDownload, GetDownloadStatus."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from urllib.parse import urlsplit

import pytest

from mockserver import aoi_assets
from tests.support import error_of

TD2 = "0005c5bb-0bd2-4c80-9393-4a808341c54c"
UNKNOWN = "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"
BOX = [[10.0, 0.0], [10.1, 0.0], [10.1, 0.1], [10.0, 0.1], [10.0, 0.0]]


def td2_items(fixture_set, n: int) -> list[dict[str, Any]]:
    return [c for c in fixture_set.catalogs if c["details"]["properties"]["satellite_id"] == TD2][
        :n
    ]


def new_aoi(client, fixture_set, n_items: int = 3, **changes: Any) -> dict[str, Any]:
    body = {
        "name": changes.pop("name", "Assets field"),
        "description": "Paddy fields",
        "satellite_id": TD2,
        "provider": "pixxel",
        "project_id": fixture_set.projects[0]["id"],
        "geometry": {"type": "Polygon", "coordinates": [BOX]},
        "item_ids": [c["details"]["id"] for c in td2_items(fixture_set, n_items)],
        **changes,
    }
    response = client.post("/v0/aois", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def assets_of(client, aoi_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v0/aois/{aoi_id}/assets", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def advance(client, seconds: float) -> None:
    client.post("/_mock/clock/advance", json={"seconds": seconds})


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_finished_aoi_lists_an_asset_per_item_and_a_mosaic(client, fixture_set):
    items = td2_items(fixture_set, 3)
    aoi = new_aoi(client, fixture_set)
    advance(client, 3600)
    body = assets_of(client, aoi["aoi_id"], limit=100)
    assets = body["assets"]
    assert body["pagination"] == {"limit": 100, "offset": 0, "total": 4}
    assert [a["asset_type"] for a in assets] == ["stac_item"] * 3 + ["mosaic"]
    assert [a["name"] for a in assets[:3]] == [c["details"]["id"] for c in items]
    days = [c["details"]["properties"]["datetime"][:10] for c in items]
    assert [a["date"] for a in assets] == [*days, max(days)]
    assert {a["status"] for a in assets} == {"success"}
    assert {a["progress"] for a in assets} == {100}
    assert {a["aoi_id"] for a in assets} == {aoi["aoi_id"]}
    assert all(a["geometry"] == aoi["geometry"] for a in assets)
    assert len({a["id"] for a in assets}) == 4
    # Ids are stable: listing again names the same assets.
    assert [a["id"] for a in assets_of(client, aoi["aoi_id"], limit=100)["assets"]] == [
        a["id"] for a in assets
    ]


def test_assets_are_paged(client, fixture_set):
    aoi = new_aoi(client, fixture_set, n_items=5)
    advance(client, 3600)
    everything = assets_of(client, aoi["aoi_id"], limit=100)["assets"]
    pages = [assets_of(client, aoi["aoi_id"], limit=2, offset=o)["assets"] for o in (0, 2, 4)]
    assert [a["id"] for page in pages for a in page] == [a["id"] for a in everything]
    assert assets_of(client, aoi["aoi_id"])["pagination"] == {
        "limit": 10,
        "offset": 0,
        "total": 6,
    }


def test_assets_follow_their_aoi_through_its_lifecycle(client, fixture_set, app):
    settings = app.service.settings
    aoi = new_aoi(client, fixture_set)
    first = assets_of(client, aoi["aoi_id"])["assets"]
    assert {(a["status"], a["progress"]) for a in first} == {("started", 0)}
    advance(client, settings.aoi_queue_seconds + settings.aoi_processing_seconds / 2)
    running = assets_of(client, aoi["aoi_id"])["assets"]
    assert {a["status"] for a in running} == {"creating"}
    assert {a["progress"] for a in running} == {50}
    advance(client, settings.aoi_processing_seconds)
    assert {a["status"] for a in assets_of(client, aoi["aoi_id"])["assets"]} == {"success"}


def test_an_aoi_without_items_has_no_assets(client, fixture_set):
    aoi = new_aoi(client, fixture_set, provider="planetary", item_ids=[])
    advance(client, 3600)
    assert assets_of(client, aoi["aoi_id"])["assets"] == []


def test_assets_of_open_data_take_their_day_from_the_item_id(client, fixture_set):
    item = "S2B_MSIL2A_20240312T052659_N0510_R105_T43REQ_20240312T081215"
    aoi = new_aoi(client, fixture_set, provider="planetary", item_ids=[item])
    advance(client, 3600)
    assets = assets_of(client, aoi["aoi_id"])["assets"]
    assert [a["date"] for a in assets] == ["2024-03-12", "2024-03-12"]


def test_assets_of_an_unknown_aoi_are_404(client):
    response = client.get(f"/v0/aois/{UNKNOWN}/assets")
    assert response.status_code == 404
    assert error_of(response)["details"] == {"resource": "AOI", "id": UNKNOWN}


def test_another_workspace_sees_neither_the_aoi_nor_its_assets(client, fixture_set):
    aoi = new_aoi(client, fixture_set)
    response = client.as_key("someone-else").get(f"/v0/aois/{aoi['aoi_id']}/assets")
    assert response.status_code == 404


# -- AOI downloads ----------------------------------------------------------------------------


def finished_assets(client, fixture_set, **changes: Any) -> tuple[dict, list[dict]]:
    aoi = new_aoi(client, fixture_set, **changes)
    advance(client, 3600)
    return aoi, assets_of(client, aoi["aoi_id"], limit=100)["assets"]


def test_aoi_download_moves_through_its_statuses_and_ends_with_a_signed_url(
    client, fixture_set, app
):
    settings = app.service.settings
    aoi, assets = finished_assets(client, fixture_set)
    wanted = [assets[0]["id"], assets[-1]["id"]]
    response = client.post(f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": wanted})
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "CREATED"
    assert "signed_url" not in created
    path = f"/v0/aois/{aoi['aoi_id']}/downloads/{created['download_id']}"
    seen = [client.get(path).json()["status"]]
    advance(client, settings.download_queue_seconds)
    seen.append(client.get(path).json()["status"])
    advance(client, settings.download_processing_seconds)
    done = client.get(path).json()
    seen.append(done["status"])
    assert seen == ["CREATED", "IN_PROGRESS", "SUCCESS"]
    assert done["signed_url"].startswith("http://testserver/_mock/files/")

    anonymous = client.as_key(None)
    fetched = anonymous.get(local(done["signed_url"]))
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(fetched.content)).namelist()
    for asset in (assets[0], assets[-1]):
        folder = f"{asset['asset_type']}-{asset['id']}"
        assert f"{folder}/{folder}.json" in names
        assert f"{folder}/{folder}_preview.tif" in names
        record = json.loads(
            zipfile.ZipFile(io.BytesIO(fetched.content)).read(f"{folder}/{folder}.json")
        )
        assert record["id"] == asset["id"]
    head = anonymous.request("HEAD", local(done["signed_url"]))
    assert int(head.headers["content-length"]) == len(fetched.content)
    ranged = anonymous.get(local(done["signed_url"]), headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert ranged.content == fetched.content[:100]


def test_a_tampered_or_expired_aoi_download_url_is_403(client, fixture_set):
    aoi, assets = finished_assets(client, fixture_set)
    created = client.post(
        f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": [assets[0]["id"]]}
    ).json()
    advance(client, 60)
    url = local(
        client.get(f"/v0/aois/{aoi['aoi_id']}/downloads/{created['download_id']}").json()[
            "signed_url"
        ]
    )
    anonymous = client.as_key(None)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert anonymous.get(tampered).status_code == 403
    advance(client, 2 * 3600)
    assert anonymous.get(url).status_code == 403


def test_an_aoi_download_can_be_forced_to_fail(client, fixture_set):
    aoi, assets = finished_assets(client, fixture_set)
    override = {"kind": "aoi_download", "outcome": "failed"}
    assert client.post("/_mock/overrides", json=override).status_code == 201
    created = client.post(
        f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": [assets[0]["id"]]}
    ).json()
    advance(client, 3600)
    done = client.get(f"/v0/aois/{aoi['aoi_id']}/downloads/{created['download_id']}").json()
    assert done["status"] == "FAILED"
    assert "signed_url" not in done


@pytest.mark.parametrize("outcome", ["failed", "partial_success"])
def test_an_aoi_can_be_forced_to_fail_or_partly_succeed(client, fixture_set, outcome):
    assert client.post("/_mock/overrides", json={"kind": "aoi", "outcome": outcome}).status_code
    aoi, assets = finished_assets(client, fixture_set, n_items=4)
    got = client.get(f"/v0/aoi/{aoi['aoi_id']}").json()
    assert (got["status"], got["progress"]) == (outcome, 100)
    statuses = [a["status"] for a in assets]
    if outcome == "failed":
        assert set(statuses) == {"failed"}
    else:
        assert statuses == ["success", "success", "failed", "failed", "success"]
    # Only finished assets can be downloaded.
    failed = next(a for a in assets if a["status"] == "failed")
    response = client.post(
        f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": [failed["id"]]}
    )
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "asset_ids[0]"


def test_assets_of_a_running_aoi_cannot_be_downloaded_yet(client, fixture_set):
    aoi = new_aoi(client, fixture_set)
    asset = assets_of(client, aoi["aoi_id"])["assets"][0]
    response = client.post(f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": [asset["id"]]})
    assert response.status_code == 400
    assert "started" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("asset_ids", "status"),
    [([UNKNOWN], 404), (["not-a-uuid"], 400), ([UNKNOWN, UNKNOWN], 400)],
)
def test_bad_aoi_download_requests(client, fixture_set, asset_ids, status):
    aoi, _ = finished_assets(client, fixture_set)
    response = client.post(f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": asset_ids})
    assert response.status_code == status


def test_an_empty_list_downloads_every_finished_asset(client, fixture_set):
    aoi, assets = finished_assets(client, fixture_set)
    made = client.post(f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": []})
    assert made.status_code == 201
    advance(client, 3600)
    path = f"/v0/aois/{aoi['aoi_id']}/downloads/{made.json()['download_id']}"
    url = client.get(path).json()["signed_url"]
    names = zipfile.ZipFile(io.BytesIO(client.as_key(None).get(local(url)).content)).namelist()
    assert len(names) == 2 * len(assets)


def test_an_empty_list_before_anything_finished_is_400(client, fixture_set):
    aoi = new_aoi(client, fixture_set)
    response = client.post(f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": []})
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "asset_ids"


def test_an_asset_of_another_aoi_is_not_found(client, fixture_set):
    first, assets = finished_assets(client, fixture_set, name="first")
    second, _ = finished_assets(client, fixture_set, name="second")
    response = client.post(
        f"/v0/aois/{second['aoi_id']}/downloads", json={"asset_ids": [assets[0]["id"]]}
    )
    assert response.status_code == 404
    assert error_of(response)["details"]["resource"] == "asset"


def test_aoi_and_catalog_downloads_do_not_mix(client, fixture_set, catalogs):
    aoi, assets = finished_assets(client, fixture_set)
    aoi_download = client.post(
        f"/v0/aois/{aoi['aoi_id']}/downloads", json={"asset_ids": [assets[0]["id"]]}
    ).json()["download_id"]
    catalog_download = client.post(
        "/v0/catalogs/download", json={"catalog_ids": [catalogs[0]["id"]]}
    ).json()["id"]
    assert client.get(f"/v0/catalogs/download/{aoi_download}").status_code == 404
    assert client.get(f"/v0/aois/{aoi['aoi_id']}/downloads/{catalog_download}").status_code == 404
    other, _ = finished_assets(client, fixture_set, name="other")
    assert client.get(f"/v0/aois/{other['aoi_id']}/downloads/{aoi_download}").status_code == 404


def test_asset_ids_are_name_based_per_aoi():
    assert aoi_assets.asset_id("a", "item") == aoi_assets.asset_id("a", "item")
    assert aoi_assets.asset_id("a", "item") != aoi_assets.asset_id("b", "item")
    assert aoi_assets.asset_id("a", None) != aoi_assets.asset_id("a", "item")
