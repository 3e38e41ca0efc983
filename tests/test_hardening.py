"""Hardening, in process: credentials, secrets in messages, hostile JSON, signed URLs, config.

Each test names the defect of issue 9 it reproduces.
"""

from __future__ import annotations

import json

import pytest

from mockserver import auth
from tests.support import error_of, s3_store_body

SECRET = "s3cr3t-marker-7f1c"

# -- defect 1: the whole credential is the workspace ---------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Token tenant-one", "Token tenant-two"),
        ("Basic dXNlcjpvbmU=", "Basic dXNlcjp0d28="),
        ("alpha extra", "alpha"),
    ],
)
def test_keys_differing_after_a_space_are_different_workspaces(client, one, other):
    first, second = client.as_key(one), client.as_key(other)
    assert first.post("/v0/stores", json=s3_store_body("only-in-one")).status_code == 200
    assert "only-in-one" not in [s["name"] for s in second.get("/v0/stores").json()["stores"]]
    second.post("/_mock/reset")
    assert "only-in-one" in [s["name"] for s in first.get("/v0/stores").json()["stores"]]


@pytest.mark.parametrize(
    "spelling", ["Bearer shared", "bearer shared", "BEARER  shared ", " shared"]
)
def test_an_optional_bearer_prefix_and_whitespace_do_not_change_the_workspace(client, spelling):
    client.as_key("shared").post("/v0/stores", json=s3_store_body("bearer-visible"))
    names = [s["name"] for s in client.as_key(spelling).get("/v0/stores").json()["stores"]]
    assert "bearer-visible" in names


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", "   "])
def test_a_bearer_prefix_without_a_key_is_401(client, header):
    response = client.as_key(header).get("/v0/stores")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


# -- defect 2: keys are capped, caches bounded -----------------------------------------------------


def test_a_key_over_the_size_cap_gets_a_clear_401(client):
    too_long = "k" * (auth.MAX_KEY_BYTES + 1)
    response = client.as_key(too_long).get("/v0/stores")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "UNAUTHENTICATED"
    assert str(auth.MAX_KEY_BYTES) in error["message"]
    assert too_long not in response.text


def test_a_key_at_the_size_cap_is_accepted(client):
    assert client.as_key("k" * auth.MAX_KEY_BYTES).get("/v0/stores").status_code == 200


@pytest.mark.slow
def test_workspace_caches_are_bounded(app, client):
    from mockserver.service import workspace_for_key

    assert workspace_for_key.cache_info().maxsize is not None
    store = app.service.state
    for i in range(store.KNOWN_WORKSPACES_KEPT + 10):
        store.ensure_workspace(f"ws-{i}", 0.0)
    assert len(store._known) <= store.KNOWN_WORKSPACES_KEPT


# -- defect 8: secrets are never echoed -----------------------------------------------------------


def _gcs(secrets):
    return {
        "name": "gcs-store",
        "type": "GCS",
        "configs": {"bucket": "b"},
        "secrets": secrets,
    }


@pytest.mark.parametrize(
    "body",
    [
        _gcs({"project_id": "p", "service_account_credentials": {"private_key": SECRET}}),
        _gcs(SECRET),
        _gcs([SECRET]),
        _gcs({"project_id": SECRET * 2000, "service_account_credentials": SECRET}),
        {
            **s3_store_body("s3"),
            "secrets": {"access_key_id": SECRET * 2000, "secret_access_key": 1},
        },
        {**s3_store_body("s3"), "secrets": {"access_key_id": SECRET, "secret_access_key": None}},
        {**s3_store_body("s3"), "type": "NOPE", "secrets": {"access_key_id": SECRET}},
        {"name": SECRET, "secrets": {"access_key_id": SECRET}},
    ],
)
def test_no_error_message_repeats_a_secret(client, body):
    response = client.post("/v0/stores", json=body)
    assert response.status_code == 400, response.text
    assert SECRET not in response.text


# -- defect 9: hostile JSON gets 400, never 500 ---------------------------------------------------


def _raw_post(client, path, content, content_type="application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(path, content=content, headers=headers)


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/v0/stores", b"[" * 2000 + b"]" * 2000),
        ("/v0/stores", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        ("/v0/catalogs/search", b'{"limit": ' + b"9" * 5000 + b"}"),
        ("/v0/catalogs/search", b'{"ids": ["\\ud800"]}'),
        (
            "/v0/stores",
            json.dumps({**s3_store_body("x"), "name": "\ud800"}).encode(),
        ),
        ("/_mock/clock/advance", b'{"seconds": NaN}'),
        ("/_mock/clock/advance", b'{"seconds": Infinity}'),
        ("/_mock/clock/advance", b'{"seconds": -Infinity}'),
        ("/_mock/clock/advance", b'{"seconds": 1e400}'),
    ],
    ids=[
        "deep-arrays",
        "deep-objects",
        "huge-integer",
        "lone-surrogate-in-search",
        "lone-surrogate-in-name",
        "nan",
        "infinity",
        "minus-infinity",
        "overflowing-float",
    ],
)
def test_hostile_json_is_a_400(client, path, content):
    response = _raw_post(client, path, content)
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] in {"MALFORMED_JSON", "INVALID_ARGUMENT"}
    assert client.get("/_mock/clock").status_code == 200


def test_a_body_without_content_type_is_a_4xx(client):
    response = _raw_post(client, "/v0/stores", json.dumps(s3_store_body("x")).encode(), None)
    assert 400 <= response.status_code < 500, response.text
    error_of(response)


# -- defect 4: bodies are read however they are framed --------------------------------------------


def _chunks(data: bytes, size: int = 1000):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_a_chunked_body_is_read(client):
    body = json.dumps(s3_store_body("chunked-store")).encode()
    response = client.post(
        "/v0/stores", content=_chunks(body, 7), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "chunked-store"


def test_a_chunked_body_over_the_limit_is_a_413(client, settings):
    body = b'{"name": "' + b"x" * (3 * settings.max_body_bytes) + b'"}'
    response = client.post(
        "/v0/stores", content=_chunks(body, 65536), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


def test_a_declared_length_over_the_limit_is_a_413(client, settings):
    body = b'{"name": "' + b"x" * settings.max_body_bytes + b'"}'
    response = client.post("/v0/stores", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


# -- defect 3: signed URLs cannot be forged, download ids are unguessable ------------------------


def _finished_download(client, catalogs):
    dl = client.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[3]["id"]]}).json()
    client.post("/_mock/clock/advance", json={"seconds": 60})
    body = client.get(f"/v0/catalogs/download/{dl['id']}").json()
    assert body["status"] == "success"
    return body


def _local(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_url_signed_with_the_public_seed_is_refused(app, client, catalogs):
    import hashlib
    import hmac

    body = _finished_download(client, catalogs)
    path = _local(body["signed_url"]).split("?", 1)[0]
    expires = 4_000_000_000
    # What anyone could compute from the documented default seed.
    key = hashlib.sha256(f"pixxel-mock signing key|{app.service.settings.seed}".encode()).digest()
    forged = hmac.new(key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
    response = client.get(f"{path}?expires={expires}&signature={forged}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "PERMISSION_DENIED"


def test_two_states_sign_with_different_secrets(settings, fixture_set, fake_time):
    from mockserver import signed_urls
    from mockserver.app import create_app

    one = create_app(settings, fixtures=fixture_set, time_source=fake_time).service
    two = create_app(settings, fixtures=fixture_set, time_source=fake_time).service
    assert signed_urls.signing_secret(one) != signed_urls.signing_secret(two)
    assert len(signed_urls.signing_secret(one)) >= 32


def test_a_configured_signing_secret_is_used(settings, fixture_set, fake_time):
    from mockserver import signed_urls
    from mockserver.app import create_app

    configured = settings.replace(signing_secret="a-shared-secret-of-the-deployment")
    one = create_app(configured, fixtures=fixture_set, time_source=fake_time).service
    two = create_app(configured, fixtures=fixture_set, time_source=fake_time).service
    assert (
        signed_urls.signing_secret(one)
        == signed_urls.signing_secret(two)
        == b"a-shared-secret-of-the-deployment"
    )


def test_the_signing_secret_is_kept_in_the_state_file(tmp_path, settings, fixture_set, fake_time):
    from mockserver import signed_urls
    from mockserver.app import create_app

    stateful = settings.replace(state_file=tmp_path / "state.sqlite3")
    first = create_app(stateful, fixtures=fixture_set, time_source=fake_time).service
    secret = signed_urls.signing_secret(first)
    first.state.close()
    again = create_app(stateful, fixtures=fixture_set, time_source=fake_time).service
    assert signed_urls.signing_secret(again) == secret


def test_download_ids_are_not_derived_from_the_seed(app, client, catalogs, settings, fixture_set):
    from mockserver.app import create_app
    from tests.support import FakeTime, ResponseChecker

    first = client.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[3]["id"]]})
    other_app = create_app(settings, fixtures=fixture_set, time_source=FakeTime())
    from tests.support import CheckedClient

    other = CheckedClient(other_app.test_client(), ResponseChecker(), client.api_key)
    second = other.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[3]["id"]]})
    assert first.json()["id"] != second.json()["id"]


def test_an_old_url_never_serves_another_archive_after_reset(client, catalogs):
    old = _finished_download(client, catalogs)
    client.post("/_mock/reset")
    dl = client.post("/v0/catalogs/download", json={"catalog_ids": [catalogs[4]["id"]]}).json()
    assert dl["id"] != old["id"]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    response = client.get(_local(old["signed_url"]))
    assert response.status_code == 404


# -- defect 10: configuration refuses non-finite and absurd values -------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "1e12"])
@pytest.mark.parametrize(
    "knob", ["PIXXEL_MOCK_DOWNLOAD_QUEUE_SECONDS", "PIXXEL_MOCK_AOI_PROCESSING_SECONDS"]
)
def test_durations_must_be_finite_and_sensible(knob, value):
    from mockserver.settings import SettingsError, from_sources

    with pytest.raises(SettingsError, match=knob.removeprefix("PIXXEL_MOCK_").lower()):
        from_sources({}, environ={knob: value})


def test_absurd_body_limits_and_worker_counts_are_refused():
    from mockserver.settings import SettingsError, from_sources

    with pytest.raises(SettingsError, match="max_body_bytes"):
        from_sources({}, environ={"PIXXEL_MOCK_MAX_BODY_BYTES": str(2**40)})
    with pytest.raises(SettingsError, match="workers"):
        from_sources({}, environ={"PIXXEL_MOCK_WORKERS": "100000"})


@pytest.mark.parametrize(("section", "name_field"), [("stores", "name"), ("aois", "name")])
def test_fixtures_with_duplicate_names_are_refused(tmp_path, section, name_field):
    import shutil

    from mockserver.data.loader import FixtureError, load_fixtures
    from mockserver.package_data import default_fixtures_dir

    folder = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), folder)
    path = folder / "workspace.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    records = document[section]
    records[1][name_field] = records[0][name_field]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(FixtureError, match="duplicate name") as caught:
        load_fixtures(folder)
    assert f"{section}[1]" in str(caught.value)


# -- defect 11: no redirect without a Location, and Allow lists what the route takes -------------


@pytest.mark.parametrize("path", ["/v0//stores", "//v0/stores", "/v0/stores//"])
def test_doubled_slashes_never_give_a_redirect_without_location(client, path):
    response = client.get(path)
    if 300 <= response.status_code < 400:
        assert response.headers.get("location")
    else:
        assert response.status_code in (200, 404), response.text


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v0/catalogs/search", "POST"),
        ("/v0/catalogs/download", "POST"),
        ("/_mock/clock/advance", "POST"),
        ("/v0/stores", "GET, HEAD, POST"),
    ],
)
def test_options_and_405_list_only_the_methods_the_route_takes(client, path, allowed):
    response = client.request("OPTIONS", path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert error_of(response)["details"]["allowed"] == allowed.split(", ")
