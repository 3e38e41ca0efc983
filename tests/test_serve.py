"""The real thing: `pixxel-mock serve` in a subprocess, reached over TCP."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from tests.live_server import free_port, running_process
from tests.support import ResponseChecker, s3_store_body

# Every test here starts real server processes: seconds each.
pytestmark = pytest.mark.slow

_checker = ResponseChecker()


def _check(response: requests.Response, *_args: object, **_kwargs: object) -> None:
    """Validate every answer the real server gives against the spec (a requests hook)."""
    path = response.request.path_url
    _checker.check(
        response.request.method, path, response.status_code, response.headers, response.content
    )


def checked_session() -> requests.Session:
    session = requests.Session()
    session.hooks["response"].append(_check)
    return session


http = checked_session()


@contextmanager
def running_mock(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start the mock, wait for /ping, yield (base URL, its banner lines); always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port), *args]
    with running_process(command, port, {**os.environ, **(env or {})}) as started:
        yield started


def test_serve_prints_url_and_a_sample_curl_and_answers():
    with running_mock() as (base, banner):
        port = base.rsplit(":", 1)[1]
        assert f"http://localhost:{port}" in banner[0]
        assert "curl -H 'Authorization: my-key'" in banner[1]
        stores = http.get(f"{base}/v0/stores", headers={"Authorization": "Bearer e2e"})
        assert stores.status_code == 200
        assert stores.headers["content-type"].startswith("application/json")
        assert "stores" in stores.json()
        assert http.get(f"{base}/v0/stores").status_code == 401


def test_environment_configures_serve(tmp_path):
    state = tmp_path / "state.sqlite3"
    body = {
        "name": "from-env",
        "type": "S3",
        "configs": {"bucket": "acme-imagery", "region": "ap-south-1"},
        "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
    }
    headers = {"Authorization": "restart-key"}
    with running_mock(env={"PIXXEL_MOCK_STATE_FILE": str(state)}) as (base, banner):
        assert str(state) in banner[0]
        created = http.post(f"{base}/v0/stores", json=body, headers=headers).json()
    with running_mock(env={"PIXXEL_MOCK_STATE_FILE": str(state)}) as (base, _):
        listed = http.get(f"{base}/v0/stores", headers=headers).json()["stores"]
    assert created in listed


def _store(name: str) -> dict:
    return s3_store_body(name)


def test_two_workers_share_one_state():
    headers = {"Authorization": "workers-key"}
    with running_mock("--workers", "2") as (base, banner):
        assert "2 workers" in banner[0]
        created = []
        for i in range(20):
            # A new connection each time, so the kernel spreads requests over both workers.
            made = http.post(f"{base}/v0/stores", json=_store(f"w{i}"), headers=headers)
            assert made.status_code == 200
            created.append(made.json()["id"])
            listed = http.get(f"{base}/v0/stores", headers=headers).json()["stores"]
            assert created[-1] in {s["id"] for s in listed}
        duplicate = http.post(f"{base}/v0/stores", json=_store("w0"), headers=headers)
        assert duplicate.status_code == 409

        advanced = http.post(
            f"{base}/_mock/clock/advance", json={"seconds": 7200}, headers=headers
        ).json()
        for _ in range(10):
            now = http.get(f"{base}/_mock/clock", headers=headers).json()["now"]
            assert now >= advanced["now"]


def test_client_scenario_runs_on_the_clock_without_sleeping():
    """Store, delivery, download, fetch the file, and the failure paths, using the clock."""
    with running_mock() as (base, _):
        session = checked_session()
        session.headers["Authorization"] = "Bearer scenario"

        ok_store = session.post(f"{base}/v0/stores", json=_store("ok")).json()["id"]
        bad_store = session.post(
            f"{base}/v0/stores",
            json={**_store("bad"), "configs": {"bucket": "fail-x", "region": "r"}},
        ).json()["id"]
        catalog = session.post(f"{base}/v0/catalogs/search", json={"limit": 1}).json()["catalogs"][
            0
        ]

        def deliver(store_id: str) -> str:
            body = {
                "deliveries": [{"catalog_ids": [catalog["id"]], "cloud_info": {"config": store_id}}]
            }
            return session.post(f"{base}/v0/catalogs/deliveries", json=body).json()["deliveries"][
                0
            ]["delivery_id"]

        good, bad = deliver(ok_store), deliver(bad_store)
        session.post(f"{base}/_mock/overrides", json={"kind": "download", "outcome": "failed"})
        failing = session.post(
            f"{base}/v0/catalogs/download", json={"catalog_ids": [catalog["id"]]}
        ).json()["id"]
        working = session.post(
            f"{base}/v0/catalogs/download", json={"catalog_ids": [catalog["id"]]}
        ).json()["id"]
        session.post(f"{base}/_mock/clock/advance", json={"seconds": 3600})

        def delivery_status(delivery_id: str) -> str:
            listed = session.get(f"{base}/v0/catalogs/deliveries?delivery_id={delivery_id}").json()
            return listed["deliveries"][0]["status"]

        assert delivery_status(good) == "SUCCESS" and delivery_status(bad) == "FAILED"
        assert session.get(f"{base}/v0/catalogs/download/{failing}").json()["status"] == "failed"
        done = session.get(f"{base}/v0/catalogs/download/{working}").json()
        assert done["status"] == "success"
        archive = http.get(done["signed_url"])  # no API key, like a presigned URL
        assert archive.status_code == 200 and archive.content[:2] == b"PK"
