"""signed_url: it points at the mock, serves a real zip without the key, and is HMAC-protected."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
import tifffile

from tests.support import error_of


@pytest.fixture
def finished(client, catalogs):
    chosen = [catalogs[3], catalogs[4]]
    dl = client.post("/v0/catalogs/download", json={"catalog_ids": [c["id"] for c in chosen]})
    client.post("/_mock/clock/advance", json={"seconds": 60})
    body = client.get(f"/v0/catalogs/download/{dl.json()['id']}").json()
    assert body["status"] == "success"
    return body, chosen


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_signed_url_serves_a_zip_of_stac_items_and_geotiffs(client, finished):
    body, chosen = finished
    anonymous = client.as_key(None)
    response = anonymous.get(local(body["signed_url"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for catalog in chosen:
        item_id = catalog["details"]["id"]
        assert json.loads(archive.read(f"{item_id}/{item_id}.json")) == catalog["details"]
        with tifffile.TiffFile(io.BytesIO(archive.read(f"{item_id}/{item_id}_preview.tif"))) as tif:
            page = tif.pages[0]
            assert page.shape == (64, 64, 3)
            assert page.tags["ModelTiepointTag"].value[3:5] == (
                catalog["details"]["bbox"][0],
                catalog["details"]["bbox"][3],
            )


def test_range_and_head_requests(client, finished):
    body, _ = finished
    url = local(body["signed_url"])
    whole = client.get(url).content
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    tail = client.get(url, headers={"Range": "bytes=-50"})
    assert tail.content == whole[-50:]
    head = client.raw.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(whole)
    beyond = client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416
    assert error_of(beyond)["code"] == "RANGE_NOT_SATISFIABLE"


def test_the_same_download_gives_the_same_bytes(client, finished):
    body, _ = finished
    first = client.get(local(body["signed_url"])).content
    again = client.get(f"/v0/catalogs/download/{body['id']}").json()["signed_url"]
    assert client.get(local(again)).content == first


def test_tampered_url_is_403(client, finished):
    body, _ = finished
    parts = urlsplit(body["signed_url"])
    query = parse_qs(parts.query)
    later = int(query["expires"][0]) + 3600
    forged = f"{parts.path}?expires={later}&signature={query['signature'][0]}"
    response = client.get(forged)
    assert response.status_code == 403
    assert error_of(response)["code"] == "PERMISSION_DENIED"
    other_sig = "0" * 64
    assert client.get(f"{parts.path}?expires={later}&signature={other_sig}").status_code == 403


def test_url_expires_on_the_workspace_clock(client, finished):
    body, _ = finished
    url = local(body["signed_url"])
    client.post("/_mock/clock/advance", json={"seconds": 3599})
    assert client.get(url).status_code == 200
    client.post("/_mock/clock/advance", json={"seconds": 2})
    expired = client.get(url)
    assert expired.status_code == 403
    assert "expired" in error_of(expired)["message"]


def test_url_follows_forwarded_headers(client, finished):
    body, _ = finished
    forwarded = client.get(
        f"/v0/catalogs/download/{body['id']}",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "mock.internal",
            "X-Forwarded-Port": "8443",
        },
    ).json()
    assert forwarded["signed_url"].startswith("https://mock.internal:8443/_mock/files/")
    host_only = client.get(
        f"/v0/catalogs/download/{body['id']}", headers={"Host": "localhost:49153"}
    ).json()
    assert host_only["signed_url"].startswith("http://localhost:49153/_mock/files/")


def test_public_url_setting_wins(app, client, finished):
    body, _ = finished
    app.service.settings = app.service.settings.replace(public_url="https://mock.example.org/")
    url = client.get(f"/v0/catalogs/download/{body['id']}").json()["signed_url"]
    assert url.startswith("https://mock.example.org/_mock/files/")


def test_unfinished_download_has_no_file(app, client, catalogs):
    dl = client.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[3]["id"]]}).json()
    ws = app.service.open_workspace(client.api_key)
    from mockserver import signed_urls

    sign = signed_urls.signer(signed_urls.signing_secret(app.service), ws.id, "http://testserver")
    url = sign({"id": dl["id"]}, app.service.now(ws))
    response = client.get(local(url))
    assert response.status_code == 404
    assert error_of(response)["details"]["resource"] == "download"
