"""Stores: create (200), list, delete (204), per-type secrets, names unique per workspace."""

from __future__ import annotations

import pytest

from tests.support import error_of

SECRETS = {
    "S3": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "very-secret-s3"},
    "GCS": {"project_id": "acme-geo", "service_account_credentials": '{"very": "secret"}'},
    "AZBLOB": {
        "account_name": "acmegeo",
        "tenant_id": "tenant-very-secret",
        "client_id": "client-id",
        "client_secret": "azure-very-secret",
    },
}


def store_body(name="my-store", store_type="S3", bucket="acme-imagery", **extra):
    body = {
        "name": name,
        "type": store_type,
        "configs": {"bucket": bucket, "region": "ap-south-1", "path_prefix": "pixxel/"},
        "secrets": dict(SECRETS[store_type]),
        "labels": {"team": "agronomy"},
    }
    body.update(extra)
    return body


@pytest.mark.parametrize("store_type", ["S3", "GCS", "AZBLOB"])
def test_create_store_answers_200_without_secrets(client, store_type):
    response = client.post("/v0/stores", json=store_body(store_type=store_type))
    assert response.status_code == 200
    store = response.json()
    assert store["type"] == store_type
    assert store["configs"]["bucket"] == "acme-imagery"
    assert store["labels"] == {"team": "agronomy"}
    assert "secrets" not in store
    listing = client.get("/v0/stores").text
    for value in SECRETS[store_type].values():
        assert value not in response.text
        assert value not in listing


def test_created_store_is_listed_and_deleted(client):
    seeded = {s["id"] for s in client.get("/v0/stores").json()["stores"]}
    created = client.post("/v0/stores", json=store_body()).json()
    listed = [s["id"] for s in client.get("/v0/stores").json()["stores"]]
    assert listed[-1] == created["id"] and set(listed) == seeded | {created["id"]}

    deleted = client.delete(f"/v0/stores/{created['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert {s["id"] for s in client.get("/v0/stores").json()["stores"]} == seeded

    again = client.delete(f"/v0/stores/{created['id']}")
    assert again.status_code == 404
    assert error_of(again)["code"] == "NOT_FOUND"


def test_duplicate_name_is_409_and_name_is_free_after_delete(client):
    first = client.post("/v0/stores", json=store_body(name="dup")).json()
    second = client.post("/v0/stores", json=store_body(name="dup"))
    assert second.status_code == 409
    assert error_of(second)["code"] == "ALREADY_EXISTS"
    client.delete(f"/v0/stores/{first['id']}")
    assert client.post("/v0/stores", json=store_body(name="dup")).status_code == 200


def test_same_name_in_two_workspaces_is_fine(client):
    assert client.as_key("ws-a").post("/v0/stores", json=store_body(name="x")).status_code == 200
    assert client.as_key("ws-b").post("/v0/stores", json=store_body(name="x")).status_code == 200


@pytest.mark.parametrize(
    ("store_type", "secrets"),
    [
        ("S3", {}),  # Pixxel's own sample request
        ("S3", {"access_key_id": "a"}),
        ("S3", {"access_key_id": "a", "secret_access_key": "", "extra": "c"}),
        ("GCS", {"project_id": "p"}),
        ("AZBLOB", {**SECRETS["AZBLOB"], "client_secret": ""}),
        ("GCS", SECRETS["S3"]),
    ],
)
def test_a_store_without_its_credentials_is_created_and_deliveries_into_it_fail(
    client, store_type, secrets
):
    body = store_body(store_type=store_type)
    body["secrets"] = secrets
    created = client.post("/v0/stores", json=body)
    assert created.status_code == 200
    catalog_id = client.post("/v0/catalogs/search", json={"limit": 1}).json()["catalogs"][0]["id"]
    delivery = {"catalog_ids": [catalog_id], "cloud_info": {"config": created.json()["id"]}}
    assert (
        client.post("/v0/catalogs/deliveries", json={"deliveries": [delivery]}).status_code == 201
    )
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    listed = client.get(f"/v0/catalogs/deliveries?catalog_id={catalog_id}").json()["deliveries"]
    assert [d["status"] for d in listed] == ["FAILED"]


def test_deliveries_into_a_store_with_its_credentials_succeed(client):
    store_id = client.post("/v0/stores", json=store_body(store_type="GCS")).json()["id"]
    catalog_id = client.post("/v0/catalogs/search", json={"limit": 1}).json()["catalogs"][0]["id"]
    delivery = {"catalog_ids": [catalog_id], "cloud_info": {"config": store_id}}
    client.post("/v0/catalogs/deliveries", json={"deliveries": [delivery]})
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    listed = client.get(f"/v0/catalogs/deliveries?catalog_id={catalog_id}").json()["deliveries"]
    assert [d["status"] for d in listed] == ["SUCCESS"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("name"), "name"),
        (lambda b: b.pop("configs"), "configs"),
        (lambda b: b["configs"].pop("region"), "configs.region"),
        (lambda b: b.update(type="FTP"), "type"),
        (lambda b: b.update(bucket="top-level"), "bucket"),
        (lambda b: b["configs"].update(bucket="Upper_Case"), "configs.bucket"),
        (lambda b: b.update(name=""), "name"),
        (lambda b: b.update(labels={"k": 1}), "labels.k"),
    ],
)
def test_invalid_store_requests_name_the_field(client, mutate, field):
    body = store_body()
    mutate(body)
    response = client.post("/v0/stores", json=body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_delete_unknown_store_is_404(client):
    response = client.delete("/v0/stores/6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10")
    assert response.status_code == 404
    assert error_of(response)["details"] == {
        "resource": "store",
        "id": "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10",
    }
