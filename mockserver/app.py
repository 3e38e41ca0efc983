"""``create_app(settings)``: the Connexion FlaskApp that serves the contract with state.

The factory only assembles; each concern has its own module:

- ``api_key_security.py``: the contract's API-key scheme, bound through ``security_map``;
- ``validation_messages.py``: request validators whose failures name the field;
- ``error_responses.py``: every failure rendered as the Pixxel envelope;
- ``connexion_tuning.py``: the departures from stock Connexion, behind a self-check;
- ``limits.py`` and ``traffic.py``: the body-size limit and the test-tooling front door.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import connexion
import orjson
from connexion.jsonifier import Jsonifier
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import Receive, Scope, Send

from mockserver import connexion_tuning, error_responses, validation_messages
from mockserver.api_key_security import SECURITY_MAP, api_key_info
from mockserver.clock import TimeSource
from mockserver.data.loader import FixtureSet, load_fixtures
from mockserver.handlers import resolve
from mockserver.limits import BodyLimit
from mockserver.package_data import spec_path
from mockserver.request_context import EXTENSION_KEY
from mockserver.schemas import load_spec
from mockserver.service import MockService
from mockserver.settings import Settings
from mockserver.traffic import EXTENSION_KEY as TRAFFIC_KEY
from mockserver.traffic import front_door


class OrjsonJsonifier(Jsonifier):
    """Connexion's JSON serialisation point, backed by orjson (compact, several times faster
    than the standard library on the large STAC documents catalog search returns)."""

    def __init__(self) -> None:
        super().__init__(json)

    def dumps(self, data: Any, **_kwargs: Any) -> str:
        return orjson.dumps(data).decode()


class MockApp(connexion.FlaskApp):
    """The FlaskApp with the front door (traffic, body-size limit) in front, the domain service
    attached, and a report of the departures from stock Connexion it runs with."""

    service: MockService
    tuning: connexion_tuning.TuningReport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._limited(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    fixtures: FixtureSet | None = None,
    time_source: TimeSource | None = None,
    departures: tuple[connexion_tuning.Departure, ...] = connexion_tuning.DEPARTURES,
) -> MockApp:
    """Build the mock. ``fixtures`` and ``time_source`` are for tests; both default sensibly.

    ``departures`` are the departures from stock Connexion to install (all by default); ``()``
    serves everything the stock way, which ``bench/hot_path.py`` compares against."""
    settings = settings or Settings()
    fixtures = fixtures or load_fixtures(settings.fixtures)
    service = MockService(settings, fixtures, time_source=time_source)

    validators = validation_messages.validator_map()
    app = MockApp(
        __name__,
        specification_dir=str(spec_path().parent),
        jsonifier=OrjsonJsonifier(),
    )
    # Both specs are parsed here (with libyaml) rather than by Connexion, which would parse the
    # YAML again in pure Python; Connexion resolves references in place, so it gets a copy.
    for spec_file, name in (("openapi.yaml", None), ("admin.yaml", "pixxel-mock-admin")):
        app.add_api(
            copy.deepcopy(load_spec(spec_path().parent / spec_file)),
            name=name,
            resolver=Resolver(function_resolver=resolve),
            pythonic_params=True,
            validate_responses=False,
            strict_validation=False,
            validator_map=validators,
            security_map=SECURITY_MAP,
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui=True, swagger_ui_path="/docs", serve_spec=True
            ),
        )
    # Werkzeug would answer a doubled slash with a redirect that loses its Location on the way
    # out through Connexion; the contract has no such paths, so they are simply not found.
    app.app.url_map.merge_slashes = False
    validation_messages.refuse_unrouted_parameters(app.app)
    error_responses.install(app)
    # Last: the departures from stock Connexion (the app takes no more changes afterwards).
    app.tuning = connexion_tuning.install(app, departures)
    app.app.extensions[EXTENSION_KEY] = service
    app.service = service
    app._limited = BodyLimit(app.middleware, settings.max_body_bytes)
    # Faults, Prefer: code=, the journal, the access log and CORS (mockserver/traffic.py).
    app._limited, traffic = front_door(app._limited, service, settings, api_key_info)
    app.app.extensions[TRAFFIC_KEY] = traffic
    return app
