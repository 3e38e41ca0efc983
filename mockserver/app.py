"""``create_app(settings)``: the Connexion FlaskApp that serves the contract with state.

Everything HTTP-shaped is wired here: the spec and its resolver, API-key security, request
validators that name the offending field, the one error path that renders every failure as the
Pixxel envelope, and a body-size limit in front of it all.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from typing import Any

import connexion
import orjson
from connexion.apps.flask import FlaskOperation
from connexion.context import _operation as _current_operation
from connexion.datastructures import MediaTypeDict
from connexion.decorators import FlaskDecorator
from connexion.exceptions import OAuthResponseProblem, ProblemException
from connexion.frameworks.flask import Flask as FlaskFramework
from connexion.json_schema import Draft4RequestValidator
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.operations import OpenAPIOperation
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from mockserver import auth, errors, redaction
from mockserver.clock import TimeSource
from mockserver.data.loader import FixtureSet, load_fixtures
from mockserver.handlers import resolve
from mockserver.inline_wsgi import InlineWSGI
from mockserver.limits import BodyLimit
from mockserver.package_data import spec_path
from mockserver.request_context import EXTENSION_KEY
from mockserver.schemas import FORMATS, compile_fast, load_spec
from mockserver.service import MockService
from mockserver.settings import Settings
from mockserver.traffic import EXTENSION_KEY as TRAFFIC_KEY
from mockserver.traffic import front_door

log = logging.getLogger("pixxel_mock")

# -- authentication -----------------------------------------------------------------------------


def api_key_info(api_key: str) -> dict[str, Any] | None:
    """Accept any non-empty key, bare or as ``Bearer <key>``; each key is its own workspace."""
    key = auth.key_from_header(api_key)
    if key is None:
        return None
    return {"sub": "api-key", "api_key": key}


class _ApiKeyHandler(ApiKeySecurityHandler):
    """Resolves the spec's ``ApiKeyAuth`` scheme to :func:`api_key_info`, keeping the spec free
    of Python paths."""

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return api_key_info

    def _generic_check(self, func: Any, exception_msg: str) -> Any:
        # Connexion's version inspects the function's signature on every request; ours is known.
        async def wrapper(request: Any, *args: Any, required_scopes: Any = None) -> Any:
            token_info = func(*args)
            if token_info is None:
                raise OAuthResponseProblem(detail=exception_msg)
            return token_info

        return wrapper


# -- validation that names the field --------------------------------------------------------------


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def _describe(error: ValidationError) -> tuple[str, str]:
    """``(field, message)`` for the most relevant schema violation."""
    where = _dotted(error.absolute_path)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        field = _join(where, missing[0]) if missing else where
        return field, f"{field} is required"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        field = _join(where, extra[0]) if extra else where
        return field, f"{field} is not a recognised field here" + (
            f" (expected one of: {', '.join(sorted(known))})" if known else ""
        )
    if error.validator == "oneOf" and all(
        set(branch) == {"required"} for branch in error.validator_value
    ):
        names = [branch["required"][0] for branch in error.validator_value]
        given = [n for n in names if isinstance(error.instance, dict) and n in error.instance]
        field = where or names[0]
        if given:
            return field, f"give only one of {' or '.join(names)}, not both"
        return field, f"exactly one of {' or '.join(names)} is required"
    if error.validator == "not" and set(error.validator_value) == {"required"}:
        names = error.validator_value["required"]
        return where or names[-1], f"give only one of {' or '.join(names)}, not both"
    label = where or "request body"
    if redaction.may_hold_secrets(list(error.absolute_path), error.instance):
        return where or "(body)", f"{label} {redaction.rule_broken(error)}"
    return where or "(body)", f"{label}: {error.message}"


_UTF8 = {"utf-8", "utf8"}


class _BodyValidator(JSONRequestBodyValidator):
    """JSON body validation whose failures are envelope errors naming the field."""

    # Connexion makes a validator object per request; the compiled schemas are kept per schema.

    @property
    def _validator(self) -> Draft4RequestValidator:
        return _compiled(self._schema, Draft4RequestValidator)[1]

    @property
    def _fast(self) -> Any:
        return _compiled(self._schema, Draft4RequestValidator)[0]

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        raw = b"".join([message async for message in stream])
        if not raw.strip():
            return None
        try:
            # orjson refuses what the standard library lets through and the mock cannot store:
            # NaN and Infinity, lone surrogates, numbers beyond a double, nesting past 1024.
            text = raw if self._encoding.lower() in _UTF8 else raw.decode(self._encoding)
            return orjson.loads(text)
        except (UnicodeDecodeError, LookupError, orjson.JSONDecodeError) as exc:
            raise errors.ApiError(
                400,
                f"the request body is not valid JSON: {exc}",
                code=errors.MALFORMED_JSON,
            ) from None

    def _validate(self, body: Any) -> Any:
        if body is None and not self._nullable:
            raise errors.bad_request("a JSON request body is required", field="(body)")
        if self._fast.is_valid(body):
            return None
        error = best_match(self._validator.iter_errors(body))
        if error is not None:
            field, message = _describe(error)
            raise errors.bad_request(message, field=field)
        return None


_COMPILED: dict[tuple[int, type], tuple[dict[str, Any], Any, Any]] = {}


def _compiled(schema: dict[str, Any], python_class: type) -> tuple[Any, Any]:
    """``(fast, python)`` validators of a schema of the contract, compiled once per schema.

    Keyed by the schema object, which lives as long as the app's parsed spec; the entry keeps
    it alive, so an id is never reused while its entry exists.
    """
    key = (id(schema), python_class)
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not schema:
        python = python_class(schema, format_checker=FORMATS)
        entry = _COMPILED[key] = (schema, compile_fast(schema), python)
    return entry[1], entry[2]


class _ParameterValidator(ParameterValidator):
    """Parameter validation whose failures are envelope errors naming the parameter."""

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):  # noqa: ANN001
        name = param.get("name", param_name)
        if value is None:
            if param.get("required"):
                raise errors.bad_request(
                    f"{parameter_type} parameter '{name}' is required", field=name
                )
            return None
        fast, slow = _compiled(param.get("schema", param), Draft4Validator)
        if fast.is_valid(value):
            return None
        error = best_match(slow.iter_errors(value))
        if error is not None:
            reason = error.message
            raise errors.bad_request(f"{parameter_type} parameter '{name}': {reason}", field=name)
        return None


# -- the one error path ---------------------------------------------------------------------------


def _envelope_response(status: int, body: dict[str, Any], headers: Any = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=orjson.dumps(body),
        headers=dict(headers or {}),
    )


async def _on_api_error(_request: ConnexionRequest, exc: errors.ApiError) -> ConnexionResponse:
    return _envelope_response(exc.status, exc.body())


async def _on_problem(_request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    status = exc.status or 500
    if status == 401:
        message = "the Authorization header must carry an API key ('<key>' or 'Bearer <key>')"
        return _envelope_response(401, errors.envelope(errors.UNAUTHENTICATED, message))
    message = str(exc.detail or exc.title or "request failed").split("\n", 1)[0]
    return _envelope_response(
        status, errors.envelope(errors.code_for_status(status), message), exc.headers
    )


@functools.lru_cache(maxsize=1)
def _route_table() -> list[tuple[re.Pattern[str], list[str]]]:
    """(path pattern, methods) for every path of both specs, as the mock serves them."""
    table = []
    for spec_file, prefix in (("openapi.yaml", ""), ("admin.yaml", "/_mock")):
        for template, item in load_spec(spec_path().parent / spec_file)["paths"].items():
            methods = [m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"}]
            pattern = re.compile("^" + prefix + re.sub(r"\{[^}/]+\}", "[^/]+", template) + "$")
            table.append((pattern, methods))
    return table


def _allowed_methods(path: str) -> list[str]:
    """The methods the contract declares for ``path`` (HEAD goes with GET).

    A literal path (``/v0/catalogs/search``) is served by its own route, never by a templated
    one that also matches it (``/v0/catalogs/{catalog_id}``), so only the most literal match
    counts."""
    matches = [
        (pattern.pattern.count("[^/]+"), declared)
        for pattern, declared in _route_table()
        if pattern.match(path)
    ]
    fewest = min((holes for holes, _ in matches), default=0)
    methods: set[str] = set()
    for holes, declared in matches:
        if holes == fewest:
            methods.update(declared)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _on_http_exception(
    request: ConnexionRequest, exc: StarletteHTTPException
) -> ConnexionResponse:
    status = exc.status_code
    if status == 404:
        body = errors.envelope(
            errors.ROUTE_NOT_FOUND, f"no route {request.url.path}", {"path": request.url.path}
        )
    elif status == 405:
        allowed = _allowed_methods(request.url.path)
        body = errors.envelope(
            errors.METHOD_NOT_ALLOWED,
            f"{request.method} is not allowed on {request.url.path}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else ""),
            {"method": request.method, "path": request.url.path, "allowed": allowed},
        )
        if allowed:
            return _envelope_response(status, body, {"Allow": ", ".join(allowed)})
    else:
        body = errors.envelope(errors.code_for_status(status), str(exc.detail))
    return _envelope_response(status, body, exc.headers)


async def _on_unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unexpected error: %r", exc, exc_info=exc)
    return _envelope_response(
        500, errors.envelope(errors.INTERNAL, "an unexpected error occurred in the mock")
    )


class _CompiledView:
    """A Flask view that applies Connexion's parameter and response decorators once.

    Connexion's FlaskOperation rebuilds the decorator chain (and inspects the handler's
    signature) on every request. The chain depends only on the handler, and the URI parser only
    on the operation, which is fixed per route, so both are built on first use and kept.
    """

    def __init__(self, view: FlaskOperation) -> None:
        self._decorator = FlaskDecorator(
            pythonic_params=view.pythonic_params, jsonifier=view.jsonifier
        )
        self._decorated = self._decorator.decorate(view._fn)
        self._uri_parser: Any = None
        functools.update_wrapper(self, view._fn)
        self.original = view  # the view it replaces (bench/hot_path.py compares the two)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _current_operation.get(None) is None:
            # Flask's router took a path that the contract's router refused (a control character
            # in a path parameter, say): answer for the parameter rather than fail.
            name, value = next(iter(kwargs.items()), ("(path)", ""))
            raise errors.bad_request(
                f"path parameter '{name}': {value!r} is not a valid value", field=name
            )
        if self._uri_parser is None:
            self._uri_parser = self._decorator.uri_parser
        return self._decorated(FlaskFramework.get_request(uri_parser=self._uri_parser))


class _MemoMediaTypeDict(MediaTypeDict):
    """Connexion's media-type lookup (a sort and several ``fnmatch`` calls), remembered per
    content type: the validator map is fixed once the app is built."""

    def __getitem__(self, item: str) -> Any:
        memo = self.__dict__.setdefault("_memo", {})
        if item not in memo:
            memo[item] = super().__getitem__(item)
        return memo[item]


def _memoise_body_definitions() -> None:
    """Remember each operation's request-body definition instead of rebuilding it (with a new
    media-type dict) six times per request. It depends only on the operation and the content
    type, both fixed once the spec is loaded."""
    original = OpenAPIOperation.body_definition
    if getattr(original, "memoised", False):
        return

    def body_definition(self: OpenAPIOperation, content_type: str | None = None) -> dict:
        memo = self.__dict__.setdefault("_body_definitions", {})
        if content_type not in memo:
            memo[content_type] = original(self, content_type)
        return memo[content_type]

    body_definition.memoised = True  # type: ignore[attr-defined]
    OpenAPIOperation.body_definition = body_definition  # type: ignore[method-assign]


def _compile_views(flask_app: Any) -> None:
    for endpoint, view in list(flask_app.view_functions.items()):
        if isinstance(view, FlaskOperation):
            flask_app.view_functions[endpoint] = _CompiledView(view)


class OrjsonJsonifier(Jsonifier):
    """Connexion's JSON serialisation point, backed by orjson (compact, several times faster
    than the standard library on the large STAC documents catalog search returns)."""

    def __init__(self) -> None:
        super().__init__(json)

    def dumps(self, data: Any, **_kwargs: Any) -> str:
        return orjson.dumps(data).decode()


# -- the app ------------------------------------------------------------------------------------


class MockApp(connexion.FlaskApp):
    """The FlaskApp with the body-size limit in front and the domain service attached."""

    service: MockService
    body_limit: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._limited(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    fixtures: FixtureSet | None = None,
    time_source: TimeSource | None = None,
) -> MockApp:
    """Build the mock. ``fixtures`` and ``time_source`` are for tests; both default sensibly."""
    settings = settings or Settings()
    fixtures = fixtures or load_fixtures(settings.fixtures)
    service = MockService(settings, fixtures, time_source=time_source)

    validators = dict(VALIDATOR_MAP)
    validators["parameter"] = _ParameterValidator
    validators["body"] = _MemoMediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": _BodyValidator})
    _memoise_body_definitions()

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
            security_map={"apiKey": _ApiKeyHandler},
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui=True, swagger_ui_path="/docs", serve_spec=True
            ),
        )
    # Werkzeug would answer a doubled slash with a redirect that loses its Location on the way
    # out through Connexion; the contract has no such paths, so they are simply not found.
    app.app.url_map.merge_slashes = False
    app.add_error_handler(errors.ApiError, _on_api_error)
    app.add_error_handler(ProblemException, _on_problem)
    app.add_error_handler(StarletteHTTPException, _on_http_exception)
    app.add_error_handler(Exception, _on_unexpected)
    app._middleware_app.asgi_app = InlineWSGI(app.app.wsgi_app)
    # Connexion registers the Flask routes when it builds its middleware stack, which it would
    # otherwise do on the first request; build it now so the views can be compiled once.
    middleware = app.middleware
    middleware.app, middleware.middleware_stack = middleware._build_middleware_stack()
    _compile_views(app.app)
    app.app.extensions[EXTENSION_KEY] = service
    app.service = service
    app._limited = BodyLimit(app.middleware, settings.max_body_bytes)
    # Faults, Prefer: code=, the journal, the access log and CORS (mockserver/traffic.py).
    app._limited, traffic = front_door(app._limited, service, settings, api_key_info)
    app.app.extensions[TRAFFIC_KEY] = traffic
    return app
