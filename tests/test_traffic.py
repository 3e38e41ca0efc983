"""The journal, fault injection and ``Prefer: code=`` against a real server (uvicorn on
127.0.0.1, started through :mod:`mockserver.testing`)."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests

from mockserver.faults import FaultBook
from mockserver.journal import Journal
from mockserver.routes import by_operation_id
from mockserver.testing import pixxel_mock
from tests.support import s3_store_body
from tests.test_serve import checked_session

http = checked_session()  # every answer checked against the contracts
raw = requests.Session()  # for injected statuses the contract does not list


@pytest.fixture(scope="module")
def server():
    with pixxel_mock() as mock:
        yield mock


@pytest.fixture
def mock(server):
    """A fresh workspace on the module's server."""
    return server.workspace()


# -- the journal ----------------------------------------------------------------------------------


def test_journal_records_what_was_sent_and_answered_with_secrets_redacted(mock):
    frozen_at = mock.freeze()
    body = s3_store_body("journal-store")
    body["secrets"] = {"access_key_id": "AKIAJOURNALKEY", "secret_access_key": "hush-hush-123"}
    created = http.post(mock.url("/v0/stores"), json=body, headers=mock.headers)
    assert created.status_code == 200
    http.get(mock.url("/v0/projects"), params={"page_size": 2}, headers=mock.headers)
    entries = mock.requests()
    assert [e["operation_id"] for e in entries] == ["CreateStore", "ListProjects"]
    store, projects = entries
    assert store["method"] == "POST" and store["path"] == "/v0/stores"
    assert store["status"] == 200 and store["time"] == frozen_at
    assert store["request_body"]["secrets"] == {
        "access_key_id": "[redacted]",
        "secret_access_key": "[redacted]",
    }
    assert store["request_body"]["configs"] == body["configs"]
    assert store["response_body"] == created.json()
    assert store["latency_ms"] >= 0 and store["fault"] is None
    assert projects["query"] == {"page_size": ["2"]}
    text = json.dumps(entries)
    assert "AKIAJOURNALKEY" not in text and "hush-hush-123" not in text
    assert mock.api_key not in text


def test_journal_filters_clears_and_belongs_to_one_workspace(mock):
    http.get(mock.url("/v0/stores"), headers=mock.headers)
    http.get(mock.url("/v0/catalogs/00000000-0000-4000-8000-000000000000"), headers=mock.headers)
    http.post(mock.url("/v0/stores"), json={"name": "x"}, headers=mock.headers)
    assert [e["path"] for e in mock.requests(operation_id="ListStores")] == ["/v0/stores"]
    assert [e["operation_id"] for e in mock.requests(method="post")] == ["CreateStore"]
    assert [e["status"] for e in mock.requests(status=404)] == [404]
    assert len(mock.requests()) == 3
    assert mock.workspace().requests() == []
    mock.clear_requests()
    assert mock.requests() == []


def test_control_requests_are_not_journaled_and_reset_clears_the_journal(mock):
    http.get(mock.url("/v0/satellites"), headers=mock.headers)
    mock.advance(10)
    mock.faults()
    assert [e["operation_id"] for e in mock.requests()] == ["List Satellites"]
    mock.reset()
    assert mock.requests() == []


def test_journal_keeps_the_last_entries_of_each_workspace():
    journal = Journal(limit=3)
    entry = {"operation_id": "Ping", "method": "GET", "status": 200, "time": 0.0, "query": ""}
    for n in range(5):
        journal.record("ws", {**entry, "n": n})
    journal.record("other", {**entry, "n": 9})
    assert [e["n"] for e in journal.entries("ws")] == [2, 3, 4]
    assert [e["id"] for e in journal.entries("ws")] == [3, 4, 5]
    assert [e["n"] for e in journal.entries("other")] == [9]


# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "RATE_LIMITED"), (500, "INTERNAL"), (502, "BAD_GATEWAY"), (503, "UNAVAILABLE")],
)
def test_error_faults_answer_the_envelope_for_the_next_n_requests(mock, status, code):
    rule = mock.fault(operation_id="List Satellites", effect="error", status=status, count=2)
    answers = [raw.get(mock.url("/v0/satellites"), headers=mock.headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    error = answers[0].json()["error"]
    assert error["code"] == code and error["details"] == {"injected_fault": rule["id"]}
    if status == 429:
        assert answers[0].headers["Retry-After"] == "1"
    assert [e["fault"] for e in mock.requests()] == [rule["id"], rule["id"], None]
    assert mock.faults() == []  # used up


def test_rate_limit_fault_sends_the_retry_after_asked_for(mock):
    mock.fault(path="/v0/stores", method="POST", effect="error", status=429, retry_after=30)
    answer = raw.post(mock.url("/v0/stores"), json=s3_store_body("r"), headers=mock.headers)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"
    assert raw.get(mock.url("/v0/stores"), headers=mock.headers).status_code == 200


def test_dropped_connection_fault_closes_without_an_answer(mock):
    rule = mock.fault(path="/v0/aoi/{aoi_id}", effect="drop")
    aoi_id = http.get(mock.url("/v0/aois"), headers=mock.headers).json()["aois"][0]["aoi_id"]
    with pytest.raises(requests.ConnectionError):
        raw.get(mock.url(f"/v0/aoi/{aoi_id}"), headers=mock.headers)
    assert http.get(mock.url(f"/v0/aoi/{aoi_id}"), headers=mock.headers).status_code == 200
    dropped = mock.requests(operation_id="GetAoiById")
    assert [(e["status"], e["fault"]) for e in dropped] == [(None, rule["id"]), (200, None)]


def test_latency_fault_delays_then_answers_normally(mock):
    rule = mock.fault(operation_id="ListProjects", effect="latency", latency_ms=20, count=1)
    assert http.get(mock.url("/v0/projects"), headers=mock.headers).status_code == 200
    assert [e["fault"] for e in mock.requests()] == [rule["id"]]


def test_latency_waits_the_drawn_delay():
    """The delay handed to the wait is the rule's (fixed, or drawn within its range)."""
    from mockserver.app import create_app
    from mockserver.traffic import EXTENSION_KEY

    app = create_app()
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    traffic = app.app.extensions[EXTENSION_KEY]
    traffic.sleep = record
    client = app.test_client()
    key = {"Authorization": "latency-key"}
    fixed = {"operation_id": "Ping", "effect": "latency", "latency_ms": 250, "count": 2}
    ranged = {"path": "/ping", "effect": "latency", "latency_ms": 100, "latency_max_ms": 300}
    assert client.post("/_mock/faults", json=fixed, headers=key).status_code == 201
    assert client.post("/_mock/faults", json={**ranged, "seed": 5}, headers=key).status_code == 201
    for _ in range(3):
        assert client.get("/ping", headers=key).status_code == 200
    assert waits[:2] == [0.25, 0.25]
    assert 0.1 <= waits[2] <= 0.3
    asyncio.run(asyncio.sleep(0))  # the recorder never touched the loop


def test_probability_faults_repeat_with_the_same_seed(server):
    def hits(mock) -> list[int]:
        mock.fault(
            operation_id="List Satellites", effect="error", status=503, probability=0.5, seed=42
        )
        statuses = [
            raw.get(mock.url("/v0/satellites"), headers=mock.headers).status_code for _ in range(24)
        ]
        return statuses

    first, second = hits(server.workspace()), hits(server.workspace())
    assert first == second
    assert set(first) == {200, 503}


def test_seeded_ranges_draw_the_same_delays():
    def delays(book: FaultBook) -> list[float]:
        book.add(
            "ws",
            {
                "path": "/ping",
                "effect": "latency",
                "latency_ms": 0,
                "latency_max_ms": 900,
                "seed": 3,
                "count": 5,
            },
        )
        route = by_operation_id("Ping")
        return [book.decide("ws", "GET", "/ping", route).delay_seconds for _ in range(5)]

    assert delays(FaultBook()) == delays(FaultBook())
    assert len(set(delays(FaultBook()))) == 5


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"effect": "drop"}, "operation_id"),
        ({"operation_id": "ListStores", "path": "/v0/stores", "effect": "drop"}, "operation_id"),
        ({"operation_id": "GetClock", "effect": "drop"}, "operation_id"),
        ({"operation_id": "ListStores", "effect": "error"}, "status"),
        ({"operation_id": "ListStores", "effect": "error", "status": 404}, "status"),
        ({"operation_id": "ListStores", "effect": "latency"}, "latency_ms"),
        ({"operation_id": "ListStores", "effect": "drop", "status": 500}, "status"),
        (
            {"operation_id": "ListStores", "effect": "drop", "count": 2, "probability": 0.5},
            "probability",
        ),
        ({"operation_id": "ListStores", "effect": "drop", "color": "red"}, "color"),
    ],
)
def test_bad_fault_rules_are_refused_naming_the_field(mock, rule, field):
    answer = http.post(mock.url("/_mock/faults"), json=rule, headers=mock.headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["field"] == field
    assert mock.faults() == []


def test_the_control_api_is_never_faulted_and_reset_drops_faults(mock):
    mock.fault(path="/_mock/clock", effect="error", status=500)
    assert http.get(mock.url("/_mock/clock"), headers=mock.headers).status_code == 200
    mock.reset()
    assert mock.faults() == []


# -- Prefer: code= --------------------------------------------------------------------------------


def test_prefer_code_answers_the_documented_example_or_envelope(mock):
    wanted = {**mock.headers, "Prefer": "code=404"}
    missing = http.get(
        mock.url("/v0/catalogs/00000000-0000-4000-8000-000000000000"), headers=wanted
    )
    assert missing.status_code == 404 and "error" in missing.json()
    assert (
        http.get(mock.url("/v0/stores"), headers={**mock.headers, "Prefer": "code=500"}).status_code
        == 500
    )
    unauth = http.get(mock.url("/v0/stores"), headers={**mock.headers, "Prefer": "code=401"})
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == "UNAUTHENTICATED"
    assert [e["status"] for e in mock.requests()] == [404, 500, 401]


def test_prefer_code_for_an_empty_success_sends_no_body(mock):
    store_id = http.get(mock.url("/v0/stores"), headers=mock.headers).json()["stores"][0]["id"]
    gone = http.delete(
        mock.url(f"/v0/stores/{store_id}"), headers={**mock.headers, "Prefer": "code=204"}
    )
    assert gone.status_code == 204 and gone.content == b""


def test_prefer_code_the_operation_does_not_document_is_a_400_listing_them(mock):
    answer = raw.get(mock.url("/v0/satellites"), headers={**mock.headers, "Prefer": "code=418"})
    assert answer.status_code == 400
    assert answer.json()["error"]["details"] == {"field": "Prefer", "documented": [200, 401, 500]}


def test_bodies_over_the_limit_are_kept_as_their_size_only(mock):
    from mockserver.journal import MAX_BODY_BYTES

    found = http.post(mock.url("/v0/catalogs/search"), json={"limit": 100}, headers=mock.headers)
    assert len(found.content) > MAX_BODY_BYTES
    (entry,) = mock.requests(operation_id="SearchCatalogs")
    assert entry["response_body"] is None
    assert entry["response_bytes"] == len(found.content)
    assert entry["request_body"] == {"limit": 100}


def test_prefer_code_needs_a_key_where_the_operation_does(server):
    wanted = {"Prefer": "code=200"}
    assert http.get(server.url("/v0/satellites"), headers=wanted).status_code == 401
    assert http.get(server.url("/ping"), headers={"Prefer": "code=200"}).status_code == 200
