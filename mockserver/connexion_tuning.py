"""Every departure from stock Connexion, in one place, behind a start-up self-check.

The mock serves the contract through Connexion 3's FlaskApp and keeps its whole request path
(routing, security, validation). Four changes make that path cheaper; each needs an internal of
Connexion that is not part of its public interface, and this module is the only one that
touches such internals:

``inline-wsgi``
    Flask is called in the event loop's thread (``inline_wsgi.py``) instead of through a2wsgi's
    thread pool. Needs the FlaskApp's ASGI-to-WSGI adapter slot (``_middleware_app.asgi_app``).
``remembered-body-definitions``
    Connexion rebuilds an operation's request-body definition (with a new media-type dict) up
    to four times per request; each app's operations remember it instead. Needs the spec's
    ``operation_cls`` and ``OpenAPIOperation.body_definition(content_type)``. The subclass is
    set on this app's specifications only: no class of Connexion's is changed.
``compiled-views``
    Connexion's FlaskOperation rebuilds its parameter and response decorators, and inspects the
    handler's signature, on every request; the chain depends only on the handler, so it is built
    once per route. The Flask routes exist only once Connexion has built its middleware stack,
    which is therefore built here, at the end of the app factory, instead of on the first
    request (so the app is finished when ``create_app`` returns: ``add_api`` and
    ``add_middleware`` refuse afterwards). Needs ``ConnexionMiddleware._build_middleware_stack``,
    FlaskOperation's ``_fn``, ``pythonic_params`` and ``jsonifier``, ``FlaskDecorator.decorate``
    and ``.uri_parser``, and ``Flask.get_request(uri_parser=...)``.
``lean-requests``
    On top of ``compiled-views``: the views' decorators and requests skip work whose answer is
    fixed or already known. The parameter decorator remembers how it turns each parameter name
    into a Python name (a chain of regular expressions, run for every parameter of every
    request); a handler that is not a coroutine is called directly instead of being inspected
    on every request; a request whose body is not a form answers "no files" without parsing
    one; and the JSON body and query parameters the validators parsed
    (``validation_messages.parsed_body`` and ``parsed_query``) are the ones the handler gets,
    instead of Flask parsing the same request again. Needs FlaskDecorator's
    ``_parameter_decorator_cls`` and ``_sync_async_decorator``, SyncParameterDecorator's
    ``sanitize_fn``, and WSGIRequest's ``files``, ``get_body``, ``_body``, ``query_params`` and
    ``_query_params``.

What happens when Connexion changes (decided per departure; all decide alike):

- Each departure is a speed-up only, and the stock path serves the same answers, so when its
  check finds a needed internal missing or changed, the departure is left out and the app is
  served the stock way. One warning line names the departure, what is missing, the Connexion
  version this module was written for (:data:`WRITTEN_FOR`) and the one installed.
- The checks run before anything is changed. An error while applying a departure whose check
  passed means the check missed a change; that fails loudly with :class:`TuningError` (one
  message, both versions named) rather than serve a half-changed app.
- A departure that builds on another (``lean-requests`` on ``compiled-views``) is left out
  with it.
- ``python -m mockserver.connexion_tuning`` runs the self-check alone and exits 1 when any
  departure would fall back (``scripts/check-connexion-latest.sh`` uses it).

:func:`install` is called once, by the app factory, after the APIs are added.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import connexion
import flask
from connexion.apps.flask import FlaskOperation
from connexion.decorators import FlaskDecorator
from connexion.decorators.parameter import SyncParameterDecorator
from connexion.frameworks.flask import Flask as FlaskFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import WSGIRequest
from connexion.operations import OpenAPIOperation
from connexion.spec import OpenAPISpecification

from mockserver.inline_wsgi import InlineWSGI
from mockserver.validation_messages import parsed_body, parsed_query

WRITTEN_FOR = "3.3"
"""The Connexion minor version these departures were written for and tested against."""

log = logging.getLogger("pixxel_mock")


class TuningError(RuntimeError):
    """A departure whose self-check passed could not be applied."""


def connexion_version() -> str:
    return importlib.metadata.version("connexion")


def _versions() -> str:
    return f"written for Connexion {WRITTEN_FOR}.x, running on Connexion {connexion_version()}"


def _parameters(func: Any) -> list[str]:
    return list(inspect.signature(func).parameters)


def _missing(owner: Any, *names: str) -> str | None:
    """``None`` when ``owner`` has every attribute in ``names``, else which it lacks."""
    gone = [name for name in names if not hasattr(owner, name)]
    if gone:
        label = getattr(owner, "__qualname__", type(owner).__qualname__)
        return f"{label} has no {', '.join(gone)}"
    return None


# -- inline-wsgi ----------------------------------------------------------------------------------


def _check_inline_wsgi(app: Any) -> str | None:
    adapter_owner = getattr(app, "_middleware_app", None)
    if adapter_owner is None:
        return "FlaskApp has no _middleware_app"
    return _missing(adapter_owner, "asgi_app")


def _apply_inline_wsgi(app: Any) -> None:
    app._middleware_app.asgi_app = InlineWSGI(app.app.wsgi_app)


# -- remembered-body-definitions ------------------------------------------------------------------


class RememberingOperation(OpenAPIOperation):
    """An OpenAPI operation that builds each request-body definition once per content type.

    The definition depends only on the operation and the content type, both fixed once the spec
    is loaded."""

    def body_definition(self, content_type: str | None = None) -> dict[str, Any]:
        memo: dict[str | None, dict[str, Any]] = self.__dict__.setdefault(
            "_remembered_body_definitions", {}
        )
        if content_type not in memo:
            memo[content_type] = super().body_definition(content_type)
        return memo[content_type]


def _check_body_definitions(app: Any) -> str | None:
    problem = _missing(OpenAPISpecification, "operation_cls") or _missing(
        OpenAPIOperation, "body_definition"
    )
    if problem:
        return problem
    if OpenAPISpecification.operation_cls is not OpenAPIOperation:
        return "OpenAPISpecification.operation_cls is no longer OpenAPIOperation"
    if _parameters(OpenAPIOperation.body_definition) != ["self", "content_type"]:
        return "OpenAPIOperation.body_definition no longer takes (content_type)"
    apis = getattr(app.middleware, "apis", None)
    if not isinstance(apis, list) or any(not hasattr(api, "specification") for api in apis):
        return "ConnexionMiddleware.apis is no longer a list of APIs with a specification"
    return None


def _apply_body_definitions(app: Any) -> None:
    for api in app.middleware.apis:
        if isinstance(api.specification, OpenAPISpecification):
            api.specification.operation_cls = RememberingOperation


# -- compiled-views -------------------------------------------------------------------------------


class CompiledView:
    """A Flask view that applies Connexion's parameter and response decorators, built once.

    The chain depends only on the handler, and the URI parser only on the operation, which is
    fixed per route, so both are built on first use and kept."""

    def __init__(self, view: FlaskOperation) -> None:
        self._fn = view._fn
        self._settings = {"pythonic_params": view.pythonic_params, "jsonifier": view.jsonifier}
        self._build(FlaskDecorator)
        self._request: Callable[[Any], Any] = _stock_request
        functools.update_wrapper(self, view._fn)

    def _build(self, decorator_cls: type[FlaskDecorator]) -> None:
        self._decorator = decorator_cls(**self._settings)
        self._decorated = self._decorator.decorate(self._fn)
        self._uri_parser: Any = None

    def make_lean(self) -> None:
        """Rebuild the chain with the ``lean-requests`` decorator and request."""
        self._build(LeanFlaskDecorator)
        self._request = LeanRequest.current

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._uri_parser is None:
            self._uri_parser = self._decorator.uri_parser
        return self._decorated(self._request(self._uri_parser))


def _stock_request(uri_parser: Any) -> Any:
    return FlaskFramework.get_request(uri_parser=uri_parser)


def _check_compiled_views(app: Any) -> str | None:
    middleware = app.middleware
    problem = (
        _missing(middleware, "_build_middleware_stack", "middleware_stack", "app")
        or _missing(FlaskDecorator, "decorate", "uri_parser")
        or _missing(FlaskFramework, "get_request")
    )
    if problem:
        return problem
    if middleware.middleware_stack is not None:
        return "the middleware stack was already built"
    if _parameters(FlaskOperation.__init__)[1:] != [
        "fn",
        "jsonifier",
        "operation_id",
        "pythonic_params",
    ]:
        return "FlaskOperation no longer keeps (fn, jsonifier, operation_id, pythonic_params)"
    if _parameters(FlaskDecorator.decorate) != ["self", "function"]:
        return "FlaskDecorator.decorate no longer takes (function)"
    if "uri_parser" not in _parameters(FlaskFramework.get_request):
        return "Flask.get_request no longer takes uri_parser"
    return None


def _apply_compiled_views(app: Any) -> None:
    middleware = app.middleware
    built = middleware._build_middleware_stack()
    if not (isinstance(built, tuple) and len(built) == 2):
        raise TuningError("_build_middleware_stack no longer returns (app, stack)")
    middleware.app, middleware.middleware_stack = built
    views = app.app.view_functions
    compiled = {
        endpoint: CompiledView(view)
        for endpoint, view in views.items()
        if isinstance(view, FlaskOperation)
    }
    if not compiled:
        raise TuningError("no FlaskOperation views were registered by the middleware stack")
    views.update(compiled)


# -- lean-requests --------------------------------------------------------------------------------


class LeanParameterDecorator(SyncParameterDecorator):
    """Connexion's parameter decorator, remembering the Python name of each parameter name (the
    mapping is a pure function of the name; the contract has a few dozen names)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sanitize: Callable[[str], str] = self.sanitize_fn  # type: ignore[has-type]
        self.sanitize_fn = functools.lru_cache(maxsize=1024)(sanitize)


class LeanFlaskDecorator(FlaskDecorator):
    """Connexion's Flask decorator with :class:`LeanParameterDecorator`, calling a plain
    (not coroutine) handler directly."""

    @property
    def _parameter_decorator_cls(self) -> type[SyncParameterDecorator]:
        return LeanParameterDecorator

    @property
    def _sync_async_decorator(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        stock = super()._sync_async_decorator

        def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
            return stock(function) if inspect.iscoroutinefunction(function) else function

        return decorator


class LeanRequest(WSGIRequest):
    """Connexion's view of the Flask request, without a second parse of what is known."""

    @classmethod
    def current(cls, uri_parser: Any) -> LeanRequest:
        return cls(flask.request, uri_parser=uri_parser, view_args=flask.request.view_args)

    def files(self) -> dict[str, Any]:
        if self.mimetype not in FORM_CONTENT_TYPES:
            return {}  # only a form body carries files
        return super().files()  # type: ignore[no-any-return]

    _body: Any
    _query_params: Any

    @property
    def query_params(self) -> Any:
        if self._query_params is None:
            self._query_params = parsed_query(self.environ["asgi.scope"])
        if self._query_params is None:
            return super().query_params
        return self._query_params

    def get_body(self) -> Any:
        if self._body is None:
            known, body = parsed_body(self.environ["asgi.scope"])
            if known:
                self._body = body
        return super().get_body()


def _check_lean_requests(app: Any) -> str | None:
    problem = _missing(
        FlaskDecorator, "_parameter_decorator_cls", "_sync_async_decorator"
    ) or _missing(WSGIRequest, "files", "get_body", "query_params")
    if problem:
        return problem
    if not isinstance(FlaskDecorator._parameter_decorator_cls, property):
        return "FlaskDecorator._parameter_decorator_cls is no longer a property"
    if FlaskDecorator(pythonic_params=True)._parameter_decorator_cls is not SyncParameterDecorator:
        return "FlaskDecorator no longer uses SyncParameterDecorator"
    probe = SyncParameterDecorator(framework=FlaskFramework, pythonic_params=True)
    if not callable(getattr(probe, "sanitize_fn", None)):
        return "SyncParameterDecorator has no sanitize_fn"
    if _parameters(WSGIRequest.__init__) != ["self", "werkzeug_request", "uri_parser", "view_args"]:
        return "WSGIRequest no longer takes (werkzeug_request, uri_parser, view_args)"
    kept = WSGIRequest(None).__dict__
    if "_body" not in kept or "_query_params" not in kept:
        return "WSGIRequest no longer keeps its body in _body and its query in _query_params"
    if not isinstance(WSGIRequest.__dict__.get("query_params"), property):
        return "WSGIRequest.query_params is no longer a property"
    return None


def _apply_lean_requests(app: Any) -> None:
    views = [v for v in app.app.view_functions.values() if isinstance(v, CompiledView)]
    if not views:
        raise TuningError("no compiled views to make lean")
    for view in views:
        view.make_lean()


# -- the self-check and installation ------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    name: str
    check: Callable[[Any], str | None]
    apply: Callable[[Any], None]
    builds_on: str | None = None  # a departure this one needs installed first


DEPARTURES: tuple[Departure, ...] = (
    Departure("remembered-body-definitions", _check_body_definitions, _apply_body_definitions),
    Departure("inline-wsgi", _check_inline_wsgi, _apply_inline_wsgi),
    # Last: it builds the middleware stack, after which the app takes no more changes.
    Departure("compiled-views", _check_compiled_views, _apply_compiled_views),
    Departure(
        "lean-requests", _check_lean_requests, _apply_lean_requests, builds_on="compiled-views"
    ),
)


@dataclass
class TuningReport:
    """What :func:`install` did to one app."""

    connexion_version: str
    installed: list[str] = field(default_factory=list)
    stock: dict[str, str] = field(default_factory=dict)  # departure -> why it fell back


def self_check(app: Any = None, departures: tuple[Departure, ...] = DEPARTURES) -> dict[str, str]:
    """``{departure: problem}`` for every departure whose internals are missing or changed
    (empty when all can be installed). Without ``app``, checks a bare FlaskApp."""
    app = app if app is not None else connexion.FlaskApp(__name__)
    problems = {}
    for departure in departures:
        try:
            problem = departure.check(app)
        except Exception as exc:  # a check that cannot even look is a failed check
            problem = f"the check itself failed: {exc!r}"
        if problem:
            problems[departure.name] = problem
    return problems


def install(app: Any, departures: tuple[Departure, ...] = DEPARTURES) -> TuningReport:
    """Apply every departure whose check passes to ``app``; serve the rest the stock way."""
    report = TuningReport(connexion_version=connexion_version())
    for departure in departures:
        problem = self_check(app, (departure,)).get(departure.name)
        if not problem and departure.builds_on and departure.builds_on not in report.installed:
            problem = f"it builds on {departure.builds_on}, which is not installed"
        if problem:
            log.warning(
                "connexion tuning: %s left out (%s; %s); serving it the stock way",
                departure.name,
                problem,
                _versions(),
            )
            report.stock[departure.name] = problem
            continue
        try:
            departure.apply(app)
        except Exception as exc:
            raise TuningError(
                f"connexion tuning: {departure.name} passed its check but could not be applied "
                f"({exc!r}; {_versions()}); update mockserver/connexion_tuning.py"
            ) from exc
        report.installed.append(departure.name)
    return report


def main() -> int:
    problems = self_check()
    print(f"connexion tuning: {_versions()}")
    for departure in DEPARTURES:
        problem = problems.get(departure.name)
        print(f"  {departure.name}: {'FALLS BACK (' + problem + ')' if problem else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
