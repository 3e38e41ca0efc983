"""The departures from stock Connexion: the self-check, the stock fallback, the loud failure,
and the per-app schema cache."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest
from connexion.apps.flask import FlaskASGIApp, FlaskOperation
from connexion.lifecycle import WSGIRequest
from connexion.operations import OpenAPIOperation
from connexion.spec import OpenAPISpecification

from mockserver import connexion_tuning, validation_messages
from mockserver.app import create_app
from mockserver.connexion_tuning import DEPARTURES, WRITTEN_FOR, Departure, TuningError
from tests.support import CheckedClient, error_of, s3_store_body

# -- ways a Connexion release could change what a departure needs; each keeps the stock path
# working, as a real release would.


def _body_definition_takes_more(monkeypatch: pytest.MonkeyPatch) -> None:
    original = OpenAPIOperation.body_definition

    def body_definition(self, content_type=None, *, strict=False):  # noqa: ANN001
        return original(self, content_type)

    monkeypatch.setattr(OpenAPIOperation, "body_definition", body_definition)


def _adapter_slot_renamed(monkeypatch: pytest.MonkeyPatch) -> None:
    original_init = FlaskASGIApp.__init__

    def init(self, *args, **kwargs):  # noqa: ANN001
        original_init(self, *args, **kwargs)
        self.adapter = self.__dict__.pop("asgi_app")

    async def call(self, scope, receive, send):  # noqa: ANN001
        await self.adapter(scope, receive, send)

    monkeypatch.setattr(FlaskASGIApp, "__init__", init)
    monkeypatch.setattr(FlaskASGIApp, "__call__", call)


def _flask_operation_keeps_more(monkeypatch: pytest.MonkeyPatch) -> None:
    original_init = FlaskOperation.__init__

    def init(self, fn, jsonifier, operation_id, pythonic_params, decorators=None):  # noqa: ANN001
        original_init(self, fn, jsonifier, operation_id, pythonic_params)

    monkeypatch.setattr(FlaskOperation, "__init__", init)


def _request_takes_more(monkeypatch: pytest.MonkeyPatch) -> None:
    original_init = WSGIRequest.__init__

    def init(self, werkzeug_request, uri_parser=None, view_args=None, *, lazy=False):  # noqa: ANN001
        original_init(self, werkzeug_request, uri_parser, view_args)

    monkeypatch.setattr(WSGIRequest, "__init__", init)


CHANGES = {
    "remembered-body-definitions": (_body_definition_takes_more, "body_definition"),
    "inline-wsgi": (_adapter_slot_renamed, "asgi_app"),
    "compiled-views": (_flask_operation_keeps_more, "FlaskOperation"),
    "lean-requests": (_request_takes_more, "WSGIRequest"),
}


def test_every_departure_is_checked_by_these_tests():
    assert {d.name for d in DEPARTURES} == set(CHANGES)


def test_the_installed_connexion_passes_the_self_check(app):
    assert connexion_tuning.self_check() == {}
    assert app.tuning.installed == [d.name for d in DEPARTURES]
    assert app.tuning.stock == {}


def test_the_pin_is_the_minor_the_departures_were_written_for():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("connexion")]
    assert len(pins) == 1
    major, minor = (int(part) for part in WRITTEN_FOR.split("."))
    assert pins[0].endswith(f">={major}.{minor},<{major}.{minor + 1}")


@pytest.mark.parametrize("departure", sorted(CHANGES))
def test_a_changed_internal_is_reported_with_the_versions(monkeypatch, caplog, departure):
    change, what = CHANGES[departure]
    change(monkeypatch)
    problems = connexion_tuning.self_check()
    assert set(problems) == {departure}
    assert what in problems[departure]

    with caplog.at_level(logging.WARNING, logger="pixxel_mock"):
        app = create_app()
    assert departure in app.tuning.stock
    assert departure not in app.tuning.installed
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(f"connexion tuning: {departure} left out")
    ]
    assert len(warnings) == 1
    assert f"written for Connexion {WRITTEN_FOR}.x" in warnings[0]
    assert f"running on Connexion {connexion_tuning.connexion_version()}" in warnings[0]
    assert "stock way" in warnings[0]


@pytest.mark.parametrize("departure", [*sorted(CHANGES), "all"])
def test_the_stock_path_still_serves_the_contract(
    monkeypatch, settings, fixture_set, fake_time, checker, departure
):
    if departure == "all":
        app = create_app(settings, fixtures=fixture_set, time_source=fake_time, departures=())
        assert app.tuning.installed == []
    else:
        CHANGES[departure][0](monkeypatch)
        app = create_app(settings, fixtures=fixture_set, time_source=fake_time)
        assert departure in app.tuning.stock
    client = CheckedClient(app.test_client(), checker, "stock-path-key")

    assert client.get("/ping").status_code == 200
    search = client.post("/v0/catalogs/search", json={"limit": 2})
    assert search.status_code == 200
    assert len(search.json()["catalogs"]) == 2
    created = client.post("/v0/stores", json=s3_store_body("stock-path"))
    assert created.status_code == 200
    assert created.json()["id"] in {s["id"] for s in client.get("/v0/stores").json()["stores"]}
    assert client.delete(f"/v0/stores/{created.json()['id']}").status_code == 204

    invalid = client.post("/v0/catalogs/search", json={"limit": "two"})
    assert invalid.status_code == 400
    assert error_of(invalid)["details"]["field"] == "limit"
    unrouted = client.get("/v0/catalogs/%0A")
    assert unrouted.status_code == 400
    assert error_of(unrouted)["details"]["field"] == "id"
    assert client.get("/v0/nowhere").status_code == 404
    assert client.request("PUT", "/v0/stores").headers["allow"] == "GET, HEAD, POST"
    assert app.test_client().get("/v0/stores").status_code == 401


def test_a_departure_is_left_out_with_the_one_it_builds_on(monkeypatch, caplog):
    _flask_operation_keeps_more(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="pixxel_mock"):
        app = create_app()
    assert {"compiled-views", "lean-requests"} <= set(app.tuning.stock)
    assert "builds on compiled-views" in app.tuning.stock["lean-requests"]


def test_the_handler_gets_the_body_the_validator_parsed(app, monkeypatch):
    """One parse per request: the object validated is the object the handler receives."""
    from mockserver import handlers

    parsed: list[object] = []
    received: list[object] = []
    original_parse = validation_messages.FieldNamingBodyValidator._parse
    original_search = handlers.HANDLERS["SearchCatalogs"]

    async def parse(self, stream, scope):  # noqa: ANN001
        body = await original_parse(self, stream, scope)
        parsed.append(body)
        return body

    def search_catalogs(body):  # noqa: ANN001
        received.append(body)
        return original_search(body)

    monkeypatch.setattr(validation_messages.FieldNamingBodyValidator, "_parse", parse)
    monkeypatch.setitem(handlers.HANDLERS, "SearchCatalogs", search_catalogs)
    fresh = create_app()
    response = fresh.test_client().post(
        "/v0/catalogs/search", json={"limit": 1}, headers={"Authorization": "one-parse"}
    )
    assert response.status_code == 200
    assert len(parsed) == 1
    assert received and received[0] is parsed[0]


def test_the_query_is_resolved_once_per_request(monkeypatch):
    """The handler gets the query parameters the validator resolved, not a second parse."""
    from connexion.uri_parsing import OpenAPIURIParser

    resolved: list[dict[str, object]] = []
    original = OpenAPIURIParser.resolve_query

    def resolve_query(self, query_data):  # noqa: ANN001
        out = original(self, query_data)
        resolved.append(out)
        return out

    monkeypatch.setattr(OpenAPIURIParser, "resolve_query", resolve_query)
    app = create_app()
    response = app.test_client().get(
        "/v0/aois", params={"limit": "3"}, headers={"Authorization": "one-query-parse"}
    )
    assert response.status_code == 200
    assert response.json()["pagination"]["limit"] == 3
    assert len(resolved) == 1


def test_a_departure_that_passes_its_check_but_cannot_apply_fails_loudly():
    def apply(_app):
        raise AttributeError("gone")

    broken = Departure("broken-departure", lambda _app: None, apply)
    with pytest.raises(TuningError) as raised:
        create_app(departures=(broken,))
    message = str(raised.value)
    assert "broken-departure" in message
    assert f"written for Connexion {WRITTEN_FOR}.x" in message
    assert connexion_tuning.connexion_version() in message


def test_the_self_check_command_names_the_versions(capsys, monkeypatch):
    assert connexion_tuning.main() == 0
    out = capsys.readouterr().out
    assert f"written for Connexion {WRITTEN_FOR}.x" in out
    _flask_operation_keeps_more(monkeypatch)
    assert connexion_tuning.main() == 1
    assert "compiled-views: FALLS BACK" in capsys.readouterr().out


def test_no_connexion_class_is_changed_by_building_an_app():
    before = OpenAPIOperation.body_definition
    app = create_app()
    assert "remembered-body-definitions" in app.tuning.installed
    assert OpenAPIOperation.body_definition is before
    assert OpenAPISpecification.operation_cls is OpenAPIOperation
    assert all(
        api.specification.operation_cls is not OpenAPIOperation for api in app.middleware.apis
    )


def test_each_app_has_its_own_schema_cache(client):
    first = validation_messages.validator_map()
    second = validation_messages.validator_map()
    assert first["parameter"].schemas is not second["parameter"].schemas
    assert first["parameter"].schemas is first["body"]["application/json"].schemas


def test_the_schema_cache_is_bounded(monkeypatch):
    cache = validation_messages.SchemaCache()
    monkeypatch.setattr(validation_messages.SchemaCache, "MAX_ENTRIES", 3)
    schemas = [{"type": "integer", "minimum": n} for n in range(10)]
    for schema in schemas:
        fast, _python = cache.get(schema, validation_messages.Draft4Validator)
        assert fast.is_valid(schema["minimum"])
        assert len(cache) <= 3
    # The same schema object compiles once.
    assert cache.get(schemas[-1], validation_messages.Draft4Validator) == cache.get(
        schemas[-1], validation_messages.Draft4Validator
    )
