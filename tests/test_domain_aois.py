"""The AOIs room without HTTP: creation rules, lifecycle, filters, assets and their downloads."""

from __future__ import annotations

import pytest

from mockserver.errors import ApiError
from mockserver.timestamps import to_rfc3339
from tests.domain_support import DONE, QUEUE, build, polygon


def body(fixture_set, **changes):
    return {
        "name": "wheat",
        "description": "a field",
        "satellite_id": fixture_set.satellites[0]["id"],
        "project_id": fixture_set.projects[0]["id"],
        "provider": "planetary",
        "item_ids": ["S2A_MSIL2A_20240101T050000_N0510_R000_T43REQ_20240101T070000"],
        "geometry": polygon(),
        **changes,
    }


def test_an_aoi_starts_runs_and_succeeds_on_the_workspace_clock(fixture_set):
    d = build(fixture_set)
    aoi = d.service.aois.create(d.ws, body(fixture_set))
    assert (aoi["status"], aoi["progress"]) == ("started", 0)
    assert 1e6 < aoi["area_in_sq_m"] < 2e6  # about 1.07 km by 1.11 km at 31°N
    d.time.advance(QUEUE + 1)
    assert d.service.aois.get(d.ws, aoi["aoi_id"])["status"] == "running"
    d.time.advance(DONE)
    done = d.service.aois.get(d.ws, aoi["aoi_id"])
    assert (done["status"], done["progress"]) == ("success", 100)
    assert done["updated_at"] > aoi["updated_at"]


def test_names_are_unique_and_references_checked(fixture_set):
    d = build(fixture_set)
    d.service.aois.create(d.ws, body(fixture_set))
    cases = [
        (body(fixture_set), 409, "name"),
        (body(fixture_set, name="b", satellite_id="nope"), 400, "satellite_id"),
        (body(fixture_set, name="c", project_id="nope"), 400, "project_id"),
        (body(fixture_set, name="d", provider="pixxel", item_ids=["nope"]), 400, "item_ids[0]"),
        (body(fixture_set, name="e", geometry=None), 400, "geometry"),
    ]
    for wrong, status, field in cases:
        with pytest.raises(ApiError) as caught:
            d.service.aois.create(d.ws, wrong)
        assert (caught.value.status, caught.value.details["field"]) == (status, field)


def test_created_at_and_updated_at_instants_mean_on_or_after(fixture_set):
    d = build(fixture_set)
    first = d.service.aois.create(d.ws, body(fixture_set, name="first"))
    d.time.advance(60)
    second = d.service.aois.create(d.ws, body(fixture_set, name="second"))

    def names(**filters):
        found = d.service.aois.list(d.ws, offset=0, limit=100, **filters)["aois"]
        return [a["name"] for a in found if a["name"] in ("first", "second")]

    assert names(created_at=first["created_at"]) == ["second", "first"]
    assert names(created_at=second["created_at"]) == ["second"]
    assert names(created_at=f"../{first['created_at']}") == ["first"]
    d.time.advance(DONE)
    # first changed last at +30 s (success), second at +90 s; it is now +91 s.
    assert names(updated_at=to_rfc3339(d.time.now)) == []
    assert names(updated_at=second["created_at"]) == ["second"]
    assert names(updated_at=first["created_at"]) == ["second", "first"]
    with pytest.raises(ApiError):
        names(created_at="../..")


def test_assets_finish_with_their_aoi_and_download(fixture_set):
    d = build(fixture_set)
    aoi = d.service.aois.create(d.ws, body(fixture_set))
    with pytest.raises(ApiError) as caught:
        d.service.aois.create_download(d.ws, aoi["aoi_id"], {"asset_ids": []})
    assert caught.value.status == 400
    d.time.advance(DONE)
    assets = d.service.aois.list_assets(d.ws, aoi["aoi_id"], offset=0, limit=10)
    assert {a["status"] for a in assets["assets"]} == {"success"}
    made = d.service.aois.create_download(d.ws, aoi["aoi_id"], {"asset_ids": []})
    assert made["status"] == "CREATED"
    d.time.advance(DONE)
    done = d.service.aois.get_download(
        d.ws, aoi["aoi_id"], made["download_id"], lambda doc, now: f"signed:{doc['id']}"
    )
    assert done == {
        "download_id": made["download_id"],
        "status": "SUCCESS",
        "signed_url": f"signed:{made['download_id']}",
    }
    assert d.service.downloads.archive(d.ws.id, made["download_id"]).startswith(b"PK")
    with pytest.raises(ApiError):  # an AOI download is not a catalog download
        d.service.downloads.get(d.ws, made["download_id"], None)
