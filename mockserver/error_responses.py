"""Every failure, rendered as the Pixxel envelope.

:func:`install` registers the app's error handlers: the domain's and the validators'
:class:`~mockserver.errors.ApiError`, Connexion's problems (401 and the like), Starlette's HTTP
exceptions (unknown route, wrong method: 405 lists the contract's methods in ``Allow``) and,
last, anything unexpected, which is logged with its traceback and answered with a bare 500.
:func:`send_envelope` answers from plain ASGI middleware that runs before the app (the 413 and
415 pages of ``limits.py``).
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

import orjson
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from mockserver import errors
from mockserver.package_data import spec_path
from mockserver.schemas import load_spec

log = logging.getLogger("pixxel_mock")


def envelope_response(status: int, body: dict[str, Any], headers: Any = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=orjson.dumps(body),
        headers=dict(headers or {}),
    )


async def send_envelope(
    send: Send, status: int, code: str, message: str, *, close: bool = False
) -> None:
    """Answer an ASGI request with the envelope; ``close`` when the rest of the request body
    was left unread, so the connection cannot carry another request."""
    body = orjson.dumps(errors.envelope(code, message))
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _on_api_error(_request: ConnexionRequest, exc: errors.ApiError) -> ConnexionResponse:
    return envelope_response(exc.status, exc.body())


async def _on_problem(_request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    status = exc.status or 500
    if status == 401:
        message = "the Authorization header must carry an API key ('<key>' or 'Bearer <key>')"
        return envelope_response(401, errors.envelope(errors.UNAUTHENTICATED, message))
    message = str(exc.detail or exc.title or "request failed").split("\n", 1)[0]
    return envelope_response(
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


def allowed_methods(path: str) -> list[str]:
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
        allowed = allowed_methods(request.url.path)
        body = errors.envelope(
            errors.METHOD_NOT_ALLOWED,
            f"{request.method} is not allowed on {request.url.path}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else ""),
            {"method": request.method, "path": request.url.path, "allowed": allowed},
        )
        if allowed:
            return envelope_response(status, body, {"Allow": ", ".join(allowed)})
    else:
        body = errors.envelope(errors.code_for_status(status), str(exc.detail))
    return envelope_response(status, body, exc.headers)


async def _on_unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unexpected error: %r", exc, exc_info=exc)
    return envelope_response(
        500, errors.envelope(errors.INTERNAL, "an unexpected error occurred in the mock")
    )


def install(app: Any) -> None:
    """Register the envelope handlers on a Connexion app (before its first request)."""
    app.add_error_handler(errors.ApiError, _on_api_error)
    app.add_error_handler(ProblemException, _on_problem)
    app.add_error_handler(StarletteHTTPException, _on_http_exception)
    app.add_error_handler(Exception, _on_unexpected)
