"""The SQLite state store: persistence across restarts, deterministic ids, reset, sharing."""

from __future__ import annotations

from mockserver.service import MockService, workspace_for_key
from mockserver.settings import Settings
from tests.support import FakeTime

BODY = {
    "name": "persisted",
    "type": "S3",
    "configs": {"bucket": "acme-imagery", "region": "ap-south-1"},
    "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
}


def service(fixture_set, **settings):
    return MockService(Settings(**settings), fixture_set, time_source=FakeTime())


def test_state_file_survives_a_restart(tmp_path, fixture_set):
    path = tmp_path / "state.sqlite3"
    first = service(fixture_set, state_file=path)
    ws = first.open_workspace("key")
    created = first.stores.create(ws, BODY)
    first.state.close()

    second = service(fixture_set, state_file=path)
    ws = second.open_workspace("key")
    assert created in second.stores.list(ws)["stores"]


def test_two_processes_worth_of_stores_share_one_file(tmp_path, fixture_set):
    path = tmp_path / "state.sqlite3"
    writer = service(fixture_set, state_file=path)
    reader = service(fixture_set, state_file=path)
    ws = writer.open_workspace("key")
    created = writer.stores.create(ws, BODY)
    assert created in reader.stores.list(reader.open_workspace("key"))["stores"]
    reader.stores.delete(ws, created["id"])
    assert created not in writer.stores.list(ws)["stores"]


def test_ids_are_deterministic_for_a_seed(fixture_set):
    def first_id(seed):
        svc = service(fixture_set, seed=seed)
        return svc.stores.create(svc.open_workspace("key"), BODY)["id"]

    assert first_id(1) == first_id(1)
    assert first_id(1) != first_id(2)


def test_workspaces_are_keyed_by_a_hash_not_the_key():
    ws = workspace_for_key("my-secret-key")
    assert "my-secret-key" not in ws.id
    assert ws == workspace_for_key("my-secret-key")
    assert ws != workspace_for_key("other-key")


def test_reset_restores_the_seed_and_the_clock(fixture_set):
    from mockserver.clock import WorkspaceClock

    svc = service(fixture_set)
    ws = svc.open_workspace("key")
    seeded = svc.stores.list(ws)
    svc.stores.create(ws, BODY)
    svc.state.update_clock(ws.id, lambda _old: WorkspaceClock(offset=500.0))
    svc.state.reset_workspace(ws.id)
    assert svc.stores.list(ws) == seeded
    assert svc.state.clock(ws.id) == WorkspaceClock()
