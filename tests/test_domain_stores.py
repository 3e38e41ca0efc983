"""The stores room without HTTP: creation, names, secrets, deletion."""

from __future__ import annotations

import pytest

from mockserver.domain.stores import FAILING_BUCKET_PREFIX, can_write
from mockserver.errors import ApiError
from mockserver.state.store import NameTaken
from mockserver.store_secrets import STORE_SECRETS
from tests.domain_support import STORE_BODY, build


def test_a_created_store_is_listed_without_its_secrets(fixture_set):
    d = build(fixture_set)
    created = d.service.stores.create(d.ws, STORE_BODY)
    assert created["name"] == "imagery" and created["created_by"] == d.ws.user_id
    assert not any(key.startswith("_") for key in created)
    assert "secrets" not in created
    listed = d.service.stores.list(d.ws)["stores"]
    assert created in listed
    assert len(listed) == len(fixture_set.stores) + 1


def test_a_taken_name_is_a_409_and_spends_no_id(fixture_set):
    d = build(fixture_set)
    d.service.stores.create(d.ws, STORE_BODY)
    with pytest.raises(ApiError) as caught:
        d.service.stores.create(d.ws, {**STORE_BODY, "configs": {"bucket": "b", "region": "r"}})
    assert caught.value.status == 409
    assert caught.value.details == {"field": "name", "name": "imagery"}
    after_conflict = d.service.stores.create(d.ws, {**STORE_BODY, "name": "second"})["id"]

    fresh = build(fixture_set)
    fresh.service.stores.create(fresh.ws, STORE_BODY)
    assert fresh.service.stores.create(fresh.ws, {**STORE_BODY, "name": "second"})["id"] == (
        after_conflict
    )


def test_the_state_store_takes_rows_and_answers_ids_or_its_own_error(fixture_set):
    d = build(fixture_set)
    state = d.service.state
    row = {"name": "raw", "type": "S3", "configs": {"bucket": "x", "region": "y"}}
    new_id = state.insert_store(d.ws.id, row)
    assert state.get_store(d.ws.id, new_id) == {"id": new_id, **row}
    with pytest.raises(NameTaken):
        state.insert_store(d.ws.id, row)


def test_deleting_a_store_twice_is_a_404(fixture_set):
    d = build(fixture_set)
    store_id = d.service.stores.create(d.ws, STORE_BODY)["id"]
    d.service.stores.delete(d.ws, store_id)
    with pytest.raises(ApiError) as caught:
        d.service.stores.delete(d.ws, store_id)
    assert caught.value.status == 404


@pytest.mark.parametrize("store_type", sorted(STORE_SECRETS))
def test_a_store_can_write_only_with_every_secret_of_its_type(store_type):
    needed = STORE_SECRETS[store_type]
    store = {"type": store_type, "configs": {"bucket": "ok"}, "_secret_keys": list(needed)}
    assert can_write(store)
    assert not can_write({**store, "_secret_keys": list(needed[1:])})
    assert not can_write({**store, "configs": {"bucket": f"{FAILING_BUCKET_PREFIX}x"}})


def test_empty_secret_values_count_as_missing(fixture_set):
    d = build(fixture_set)
    body = {**STORE_BODY, "secrets": {"access_key_id": "AKIA", "secret_access_key": ""}}
    store_id = d.service.stores.create(d.ws, body)["id"]
    assert not can_write(d.service.stores.get(d.ws, store_id))


def test_the_secrets_table_is_the_contracts():
    from mockserver.schemas import load_spec

    description = load_spec()["paths"]["/v0/stores"]["post"]["description"]
    rows = {}
    for line in description.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = tuple(key.strip(" `") for key in cells[1].split(","))
    assert rows == STORE_SECRETS
