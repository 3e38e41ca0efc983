"""Authentication and the one error path: every failure is the Pixxel envelope."""

from __future__ import annotations

import pytest

from tests.support import error_of

STORE = {
    "name": "errors-store",
    "type": "S3",
    "configs": {"bucket": "errors-bucket", "region": "ap-south-1"},
    "secrets": {"access_key_id": "AKIA", "secret_access_key": "s3cr3t"},
}


def test_ping_needs_no_key(client):
    response = client.as_key(None).get("/ping")
    assert response.status_code == 200
    assert response.json() == "pong"


@pytest.mark.parametrize("header", [None, "", "   ", "Bearer", "Bearer   "])
def test_missing_or_empty_key_is_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.as_key(None).get("/v0/stores", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


def test_bare_and_bearer_key_reach_the_same_workspace(client):
    bare = client.as_key("same-key")
    bearer = client.as_key("Bearer same-key")
    created = bare.post("/v0/stores", json=STORE).json()
    listed = [s["id"] for s in bearer.get("/v0/stores").json()["stores"]]
    assert created["id"] in listed


def test_malformed_json_is_400(client):
    response = client.post(
        "/v0/stores", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "MALFORMED_JSON"


def test_missing_body_is_400(client):
    response = client.post("/v0/stores", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_ARGUMENT"


def test_wrong_content_type_is_415(client):
    response = client.post("/v0/stores", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_unknown_route_is_404_envelope(client):
    response = client.get("/v0/no-such-thing")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "ROUTE_NOT_FOUND"
    assert error["details"]["path"] == "/v0/no-such-thing"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v0/stores"), ("PATCH", "/v0/aois"), ("DELETE", "/v0/aois")],
)
def test_wrong_method_is_405_envelope(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


def test_oversized_body_is_413(app, client):
    limit = app.service.settings.max_body_bytes
    response = client.post(
        "/v0/catalogs/search",
        content=b" " * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


def test_malformed_path_uuid_is_400_naming_the_parameter(client):
    response = client.delete("/v0/stores/not-a-uuid")
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "id"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("project_ids=nope", "project_ids"),
        ("aoi_id=123", "aoi_id"),
    ],
)
def test_bad_query_parameter_is_400_naming_it(client, query, field):
    response = client.get(f"/v0/aois?{query}")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"]["field"] == field


def test_unexpected_exception_is_a_500_envelope_without_traceback(app, client, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.service.stores, "list", explode)
    response = client.get("/v0/stores")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_failed_request_leaves_state_untouched(client):
    before = client.get("/v0/stores").json()
    bad = dict(STORE, configs={"bucket": "Not A Bucket", "region": "ap-south-1"})
    assert client.post("/v0/stores", json=bad).status_code == 400
    assert client.get("/v0/stores").json() == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v0/catalogs/%0A", "id"),
        ("/v0/aoi/%0A", "aoi_id"),
        ("/v0/order-items/a%0Ab", "id"),
        ("/v0/catalogs/download/%0A", "download_id"),
    ],
)
def test_control_characters_in_path_parameters_are_400_not_500(client, path, field):
    response = client.get(path)
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == field


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v0/stores", "GET, HEAD, POST"),
        ("DELETE", "/v0/aois", "GET, HEAD, POST"),
        ("PUT", "/_mock/clock", "GET, HEAD"),
    ],
)
def test_405_names_the_methods_the_contract_allows(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert error_of(response)["details"]["allowed"] == allowed.split(", ")
