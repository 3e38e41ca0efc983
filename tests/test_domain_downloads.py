"""The downloads room without HTTP: a download's whole lifecycle, up to its archive's bytes."""

from __future__ import annotations

import io
import zipfile

import pytest

from mockserver.errors import ApiError
from tests.domain_support import DONE, QUEUE, build


def signer(download, now):
    return f"https://files.invalid/{download['id']}?at={int(now)}"


def test_a_download_is_created_then_succeeds_with_a_signed_url(fixture_set):
    d = build(fixture_set)
    catalog = next(
        c for c in fixture_set.catalogs if c["id"] not in fixture_set.unavailable_catalog_ids
    )
    made = d.service.downloads.create(d.ws, {"catalog_ids": [catalog["id"]]})
    assert made["status"] == "created" and "signed_url" not in made
    with pytest.raises(ApiError) as caught:
        d.service.downloads.archive(d.ws.id, made["id"])
    assert caught.value.status == 404
    d.time.advance(QUEUE + 1)
    assert d.service.downloads.get(d.ws, made["id"], signer)["status"] == "in_progress"
    d.time.advance(DONE)
    done = d.service.downloads.get(d.ws, made["id"], signer)
    assert done["status"] == "success"
    assert done["signed_url"].startswith(f"https://files.invalid/{made['id']}")
    with zipfile.ZipFile(io.BytesIO(d.service.downloads.archive(d.ws.id, made["id"]))) as zf:
        names = zf.namelist()
    item = catalog["details"]["id"]
    assert f"{item}/{item}.json" in names


def test_an_unavailable_catalog_fails_its_download(fixture_set):
    d = build(fixture_set)
    (unavailable,) = sorted(fixture_set.unavailable_catalog_ids)[:1]
    made = d.service.downloads.create(d.ws, {"catalog_ids": [unavailable]})
    d.time.advance(DONE)
    assert d.service.downloads.get(d.ws, made["id"], signer) == {
        "id": made["id"],
        "status": "failed",
    }
    assert d.service.downloads.finished(d.ws.id, made["id"]) is None


def test_another_workspace_sees_no_download(fixture_set):
    d = build(fixture_set)
    made = d.service.downloads.create(d.ws, {"catalog_ids": [fixture_set.catalogs[1]["id"]]})
    other = d.service.open_workspace("another key")
    with pytest.raises(ApiError) as caught:
        d.service.downloads.get(other, made["id"], signer)
    assert caught.value.status == 404
