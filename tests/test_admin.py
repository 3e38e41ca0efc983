"""The control API under /_mock: per-workspace clock, reset, and forced outcomes."""

from __future__ import annotations

import pytest

from mockserver.timestamps import parse_rfc3339
from tests.support import error_of, make_store


def store(client, bucket="acme-imagery"):
    return make_store(client, bucket=bucket)


def download(client, catalog_id):
    return client.post("/v0/catalogs/download", json={"catalog_ids": [catalog_id]}).json()["id"]


def download_status(client, download_id):
    return client.get(f"/v0/catalogs/download/{download_id}").json()["status"]


def test_clock_starts_at_real_time_and_advances(client, fake_time):
    clock = client.get("/_mock/clock").json()
    assert clock == {"now": clock["now"], "frozen": False}
    assert parse_rfc3339(clock["now"]) == pytest.approx(fake_time.now)
    moved = client.post("/_mock/clock/advance", json={"seconds": 90}).json()
    assert parse_rfc3339(moved["now"]) == pytest.approx(fake_time.now + 90)
    fake_time.advance(10)  # real time still flows on top of the offset
    assert parse_rfc3339(client.get("/_mock/clock").json()["now"]) == pytest.approx(
        fake_time.now + 90
    )


def test_advancing_an_hour_finishes_everything(client, catalogs):
    store_id = store(client)
    dl = download(client, catalogs[3]["id"])
    body = {
        "deliveries": [{"catalog_ids": [catalogs[3]["id"]], "cloud_info": {"config": store_id}}]
    }
    client.post("/v0/catalogs/deliveries", json=body)
    assert download_status(client, dl) == "created"
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    assert download_status(client, dl) == "success"
    statuses = {d["status"] for d in client.get("/v0/catalogs/deliveries").json()["deliveries"]}
    assert statuses == {"SUCCESS"}


def test_freeze_stops_time_and_unfreeze_resumes_from_there(client, fake_time, catalogs):
    frozen = client.post("/_mock/clock/freeze").json()
    assert frozen["frozen"] is True
    dl = download(client, catalogs[3]["id"])
    fake_time.advance(3600)
    assert client.get("/_mock/clock").json()["now"] == frozen["now"]
    assert download_status(client, dl) == "created"
    advanced = client.post("/_mock/clock/advance", json={"seconds": 2.5}).json()
    assert advanced["frozen"] is True
    assert download_status(client, dl) == "in_progress"
    thawed = client.post("/_mock/clock/unfreeze").json()
    assert thawed == {"now": advanced["now"], "frozen": False}
    fake_time.advance(60)
    assert download_status(client, dl) == "success"


def test_clocks_are_per_workspace(client):
    other = client.as_key("someone-else")
    before = other.get("/_mock/clock").json()["now"]
    client.post("/_mock/clock/advance", json={"seconds": 86400})
    assert other.get("/_mock/clock").json()["now"] == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/_mock/clock/advance", {"seconds": -1}, "seconds"),
        ("/_mock/clock/advance", {"seconds": "ten"}, "seconds"),
        ("/_mock/clock/advance", {}, "seconds"),
        ("/_mock/clock/advance", {"seconds": 1, "extra": True}, "extra"),
        ("/_mock/overrides", {"kind": "aois"}, "kind"),
        ("/_mock/overrides", {"kind": "download", "outcome": "partial_success"}, "outcome"),
        ("/_mock/overrides", {"kind": "download", "count": 0}, "count"),
        ("/_mock/overrides", {"kind": "download", "outcome": "maybe"}, "outcome"),
        ("/_mock/overrides", {"kind": "download", "queue_seconds": -5}, "queue_seconds"),
    ],
)
def test_bad_admin_input_is_a_400_envelope(client, path, body, field):
    before = client.get("/_mock/clock").json()
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == field
    assert client.get("/_mock/clock").json() == before


def test_admin_needs_a_key(client):
    response = client.as_key(None).get("/_mock/clock")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


def test_reset_restores_the_seeded_workspace(client, catalogs):
    seeded = client.get("/v0/stores").json()
    store(client)
    download(client, catalogs[0]["id"])
    client.post("/_mock/clock/advance", json={"seconds": 500})
    client.post("/_mock/clock/freeze")
    client.post("/_mock/overrides", json={"kind": "download"})
    assert client.post("/_mock/reset").status_code == 204
    assert client.get("/v0/stores").json() == seeded
    assert client.get("/_mock/overrides").json() == {"overrides": []}
    assert client.get("/_mock/clock").json()["frozen"] is False
    assert client.get("/v0/catalogs/deliveries").json() == {"deliveries": []}


def test_override_forces_download_outcome_and_durations(client, fake_time, catalogs):
    added = client.post(
        "/_mock/overrides",
        json={
            "kind": "download",
            "count": 2,
            "outcome": "failed",
            "queue_seconds": 0,
            "processing_seconds": 100,
        },
    )
    assert added.status_code == 201 and added.json()["remaining"] == 2
    first, second, third = (download(client, catalogs[i]["id"]) for i in (3, 4, 5))
    assert client.get("/_mock/overrides").json() == {"overrides": []}
    assert download_status(client, first) == "in_progress"  # no queue
    fake_time.advance(50)
    assert download_status(client, first) == "in_progress"  # 100 s processing
    fake_time.advance(60)
    assert [download_status(client, d) for d in (first, second, third)] == [
        "failed",
        "failed",
        "success",
    ]


def test_override_counts_each_delivered_catalog(client, catalogs):
    store_id = store(client)
    client.post("/_mock/overrides", json={"kind": "delivery", "count": 1, "outcome": "failed"})
    ids = [catalogs[i]["id"] for i in (3, 4)]
    body = {"deliveries": [{"catalog_ids": ids, "cloud_info": {"config": store_id}}]}
    client.post("/v0/catalogs/deliveries", json=body)
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    by_catalog = {
        d["catalog_id"]: d["status"]
        for d in client.get("/v0/catalogs/deliveries").json()["deliveries"]
    }
    assert by_catalog == {ids[0]: "FAILED", ids[1]: "SUCCESS"}


def test_overrides_of_one_kind_leave_the_other_alone(client, catalogs):
    client.post("/_mock/overrides", json={"kind": "delivery", "outcome": "failed"})
    dl = download(client, catalogs[3]["id"])
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    assert download_status(client, dl) == "success"
    assert client.get("/_mock/overrides").json()["overrides"][0]["kind"] == "delivery"
    assert client.delete("/_mock/overrides").status_code == 204
    assert client.get("/_mock/overrides").json() == {"overrides": []}


def test_unavailable_catalog_makes_its_downloads_fail(client, fixture_set, catalogs):
    (unavailable,) = fixture_set.unavailable_catalog_ids
    other = next(c["id"] for c in catalogs if c["id"] != unavailable)
    client.post("/_mock/overrides", json={"kind": "download", "outcome": "success"})
    dl = client.post("/v0/catalogs/download", json={"catalog_ids": [other, unavailable]}).json()
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    body = client.get(f"/v0/catalogs/download/{dl['id']}").json()
    assert body == {"id": dl["id"], "status": "failed"}


def test_terminal_states_never_change(client, catalogs):
    dl = download(client, catalogs[3]["id"])
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    seen = set()
    for _ in range(3):
        client.post("/_mock/clock/advance", json={"seconds": 10**6})
        seen.add(download_status(client, dl))
    assert seen == {"success"}
