"""``pixxel-mock proxy``: forwards unchanged, reports each planted difference once, keeps no secret.

The upstream is the mock on 127.0.0.1 with differences planted by the wrappers of
contract_tests.selftest.broken, disguised as a real server (only known keys accepted).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from contract_tests.selftest.broken import DEFECTS, Disguise, serve
from mockserver.app import create_app
from mockserver.proxy.app import DriftProxy
from mockserver.proxy.contract import Contract
from mockserver.proxy.drift import UNDOCUMENTED, DriftReport
from mockserver.proxy.record import Recorder
from mockserver.schemas import schema_errors
from mockserver.settings import Settings

KEY = "live-key"
SECRETS = {"access_key_id": "AKIAPLANTEDSECRET01", "secret_access_key": "planted-secret-value-42"}
PLANTED = ("create_store_201", "store_without_created_at", "satellites_text_plain")
PLANTED += ("download_status_done",)
# What the traffic below must show: each planted difference, once, against its operation.
EXPECTED = {
    "CreateStore": {"response_status: 201"},
    "ListStores": {"response_body: stores[].created_at (required)"},
    "List Satellites": {"response_content_type: text/plain"},
    "CreateDownload": {"response_body: status (enum)"},
    "ListProjects": {"request_parameter: query.page_size (type)"},
    UNDOCUMENTED: {"unknown_route: GET /v0/no-such-thing"},
}
CLEAN = ("Ping", "SearchCatalogs", "GetCatalogById", "ListOrderItems", "ListAOIs")


def _upstream(fixture_set) -> Disguise:
    app = create_app(Settings(), fixtures=fixture_set)
    for name in PLANTED:
        app = DEFECTS[name].wrap(app)
    return Disguise(app, keys=(KEY,))


def _traffic(base: str) -> dict[str, requests.Response]:
    """A client's day: every request once or more, through the proxy."""
    auth = {"Authorization": KEY}
    got = {"ping": requests.get(f"{base}/ping")}
    for _ in range(3):
        got["stores"] = requests.get(f"{base}/v0/stores", headers=auth)
    got["no_key"] = requests.get(f"{base}/v0/stores")
    got["store"] = requests.post(
        f"{base}/v0/stores",
        headers=auth,
        json={
            "name": "proxied-store",
            "type": "S3",
            "configs": {"bucket": "acme-imagery", "region": "ap-south-1"},
            "secrets": SECRETS,
        },
    )
    got["satellites"] = requests.get(f"{base}/v0/satellites", headers=auth)
    got["search"] = requests.post(f"{base}/v0/catalogs/search", headers=auth, json={"limit": 3})
    catalog = got["search"].json()["catalogs"][0]["id"]
    got["catalog"] = requests.get(f"{base}/v0/catalogs/{catalog}", headers=auth)
    for _ in range(2):
        got["download"] = requests.post(
            f"{base}/v0/catalogs/download", headers=auth, json={"catalog_ids": [catalog]}
        )
    got["projects"] = requests.get(f"{base}/v0/projects?page_size=abc", headers=auth)
    got["order_items"] = requests.get(f"{base}/v0/order-items?limit=2", headers=auth)
    got["aois"] = requests.get(f"{base}/v0/aois", headers=auth)
    got["unknown"] = requests.get(f"{base}/v0/no-such-thing", headers=auth)
    return got


@pytest.fixture
def proxied(fixture_set, tmp_path):
    upstream = _upstream(fixture_set)
    with serve(upstream) as upstream_base:
        report = DriftReport(upstream_base)
        recorder = Recorder(tmp_path / "recorded")
        proxy = DriftProxy(upstream_base, Contract(), report, recorder=recorder)
        with serve(proxy) as base:
            got = _traffic(base)
            drift = requests.get(f"{base}/_mock/drift").json()
        recorder.close()
    return upstream, got, drift, tmp_path / "recorded"


def test_each_planted_difference_is_reported_once_with_its_operation(proxied):
    _, _, drift, _ = proxied
    rows = {row["operation_id"]: row for row in drift["operations"]}
    for operation, kinds in EXPECTED.items():
        assert {v["kind"] for v in rows[operation]["violations"]} == kinds, rows[operation]
    for operation in CLEAN:
        assert rows[operation]["violations"] == [], rows[operation]
    assert set(rows) - set(EXPECTED) - set(CLEAN) == set(), sorted(rows)
    # Counted every time, shown once, with an example of the exchange.
    stores = rows["ListStores"]["violations"][0]
    assert stores["count"] == 3 and rows["ListStores"]["exchanges"] == 4  # one without a key
    assert stores["example"]["request"] == "GET /v0/stores" and stores["example"]["status"] == 200
    assert rows["CreateDownload"]["violations"][0]["count"] == 2
    assert drift["conforms"] is False


def test_requests_and_answers_pass_through_unchanged(proxied):
    upstream, got, _, _ = proxied
    assert got["ping"].json() == "pong"
    assert got["stores"].status_code == 200  # the key reached the upstream, which knows it
    assert got["no_key"].status_code == 401
    assert got["store"].status_code == 201  # the planted difference reaches the caller as is
    assert got["satellites"].headers["content-type"].startswith("text/plain")
    assert got["unknown"].status_code == 404
    sent = [(m, p, b) for m, p, b in upstream.requests if p == "/v0/stores" and m == "POST"]
    assert json.loads(sent[0][2])["secrets"] == SECRETS


def test_no_key_and_no_secret_is_kept(proxied):
    _, _, drift, recorded = proxied
    kept = json.dumps(drift) + (recorded / "exchanges.jsonl").read_text()
    kept += "".join(p.read_text() for p in (recorded / "fixtures").glob("*.json"))
    for secret in (KEY, *SECRETS.values()):
        assert secret not in kept
    lines = (recorded / "exchanges.jsonl").read_text().splitlines()
    exchanges = [json.loads(line) for line in lines]
    assert all("authorization" not in e["request"]["headers"] for e in exchanges)
    store = next(e for e in exchanges if e["operation"] == "CreateStore")
    assert store["request"]["body"]["secrets"] == {name: "<redacted>" for name in SECRETS}


def test_recorded_records_can_seed_fixtures(proxied):
    _, got, _, recorded = proxied
    catalogs = json.loads((recorded / "fixtures" / "catalogs.json").read_text())["catalogs"]
    assert [c["id"] for c in catalogs] == [c["id"] for c in got["search"].json()["catalogs"]]
    for catalog in catalogs:
        assert list(schema_errors(catalog, "Catalog")) == []
    workspace = json.loads((recorded / "fixtures" / "workspace.json").read_text())
    listed = {s["id"] for s in got["stores"].json()["stores"]}
    assert {s["id"] for s in workspace["stores"]} == listed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_command_writes_the_report_and_a_summary_when_stopped(fixture_set, tmp_path):
    with serve(_upstream(fixture_set)) as upstream_base:
        port = _free_port()
        report = tmp_path / "drift.json"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mockserver.cli", "proxy", "--upstream", upstream_base),
                *("--port", str(port), "--report", str(report)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline
            try:
                requests.get(f"{base}/_mock/drift", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        listed = requests.get(f"{base}/v0/stores", headers={"Authorization": KEY})
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
    assert listed.status_code == 200
    assert process.returncode == 0, out
    data = json.loads(report.read_text())
    assert data["exchanges"] == 1
    (row,) = data["operations"]
    assert row["operation_id"] == "ListStores"
    assert "ListStores (GET /v0/stores): 1 exchange(s), 1 kind(s) of drift" in out
    assert "stores[].created_at (required)" in out
    assert KEY not in out and KEY not in report.read_text()
    assert str(report) in out.strip().splitlines()[-1]


def test_undocumented_paths_fold_their_ids():
    from mockserver.proxy.app import _undocumented_path

    assert _undocumented_path("/v1/things/3fa85f64-5717-4562-b3fc-2c963f66afa6/parts") == (
        "/v1/things/{id}/parts"
    )
    assert _undocumented_path("/v0/no-such-thing") == "/v0/no-such-thing"


def test_an_unreachable_upstream_answers_502_in_the_envelope(tmp_path):
    report = DriftReport("http://127.0.0.1:9")
    with serve(DriftProxy(f"http://127.0.0.1:{_free_port()}", Contract(), report)) as base:
        answer = requests.get(f"{base}/ping")
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert report.upstream_errors == 1 and report.exchanges == 0


def test_an_example_cut_short_never_keeps_part_of_a_secret():
    """Offending values are shortened for the report only after their secrets are removed."""
    import httpx

    secret = SECRETS["secret_access_key"]
    head = json.dumps({"type": "S3", "name": "", "secrets": {"secret_access_key": ""}})
    pad = "n" * (200 - len(head) + 2 - len(secret) // 2)  # the cut falls inside the secret
    body = {"type": "S3", "name": pad, "secrets": {"secret_access_key": secret}}
    assert secret[:8] in json.dumps(body)[:200] and secret not in json.dumps(body)[:200]
    report = DriftReport("http://127.0.0.1:9")
    proxy = DriftProxy("http://127.0.0.1:9", Contract(), report)
    error = {"error": {"code": "INVALID_ARGUMENT", "message": "configs", "details": None}}
    answer = json.dumps(error).encode()
    proxy.judge(
        {"method": "POST", "path": "/v0/stores", "query_string": b""},
        [("authorization", KEY), ("content-type", "application/json")],
        json.dumps(body).encode(),
        httpx.Response(400, headers={"content-type": "application/json"}, content=answer),
        answer,
    )
    (row,) = report.as_dict()["operations"]
    kinds = {v["kind"]: v for v in row["violations"]}
    assert "request_body: configs (required)" in kinds
    kept = json.dumps(report.as_dict())
    assert "[...]" in json.dumps(kinds["request_body: configs (required)"]["example"]["value"])
    assert KEY not in kept
    assert not [i for i in range(len(secret) - 7) if secret[i : i + 8] in kept]
