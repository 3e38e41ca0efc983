"""Deliberately broken servers: pixxel-mock behind an ASGI wrapper that plants one defect.

The kit's own tests run the kit against each of them and expect it to fail, naming the operation
and the check; see tests/test_contract_kit.py. Each wrapper changes one thing and passes everything
else through to the real mock, so any other finding would be a false alarm.

    with serve(DEFECTS["create_store_201"].wrap(create_app(Settings()))) as base_url:
        ...

``Disguise`` is not a defect: it hides the mock's control API (``/_mock``) so that the kit treats
the server as a real one (read-only, polling), and records every request it sees.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Any]


# -- plumbing -----------------------------------------------------------------------------------


async def _read_body(receive: Callable[[], Awaitable[dict]]) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[dict]]:
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _respond(send: Callable, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


Rewrite = Callable[[int, list[tuple[bytes, bytes]], bytes], tuple[int, list, bytes]]


class RewriteResponse:
    """Buffers the answers to matching requests and hands them to ``rewrite`` before sending."""

    def __init__(self, app: ASGIApp, match: Callable[[str, str], bool], rewrite: Rewrite):
        self.app, self.match, self.rewrite = app, match, rewrite

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or not self.match(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    status, headers, body = self.rewrite(
                        start["status"], list(start.get("headers", [])), b"".join(chunks)
                    )
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, capture)


def _json_rewrite(change: Callable[[Any], Any]) -> Rewrite:
    def rewrite(status: int, headers: list, body: bytes) -> tuple[int, list, bytes]:
        if not 200 <= status < 300 or not body:
            return status, headers, body
        return status, headers, json.dumps(change(json.loads(body))).encode()

    return rewrite


# -- the defects ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    name: str
    operation: str  # the operation the kit must name
    check: str  # the check that must report it
    description: str
    wrap: Callable[[ASGIApp], ASGIApp]


def _wrong_success_status(app: ASGIApp) -> ASGIApp:
    """CreateStore answers 201 instead of the contract's 200."""

    def rewrite(status: int, headers: list, body: bytes) -> tuple[int, list, bytes]:
        return (201 if status == 200 else status), headers, body

    return RewriteResponse(app, lambda m, p: m == "POST" and p == "/v0/stores", rewrite)


def _value_outside_enum(app: ASGIApp) -> ASGIApp:
    """A DownloadResponse says status 'done', which is not in DownloadStatus."""

    def change(download: Any) -> Any:
        if isinstance(download, dict) and "status" in download:
            download["status"] = "done"
        return download

    return RewriteResponse(
        app,
        lambda m, p: p == "/v0/catalogs/download" or p.startswith("/v0/catalogs/download/"),
        _json_rewrite(change),
    )


def _missing_required_field(app: ASGIApp) -> ASGIApp:
    """Stores come without their required `created_at`."""

    def change(payload: Any) -> Any:
        stores = payload.get("stores", []) if "stores" in payload else [payload]
        for store in stores:
            if isinstance(store, dict):
                store.pop("created_at", None)
        return payload

    return RewriteResponse(app, lambda m, p: p == "/v0/stores", _json_rewrite(change))


class _ServerErrorOnLimit7:
    """SearchCatalogs answers 500 when the body asks for `limit` 7 (a crash on one input)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] != "/v0/catalogs/search":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            limit = json.loads(body).get("limit")
        except (ValueError, AttributeError):
            limit = None
        if limit == 7 and not isinstance(limit, bool):
            await _error(send, 500, "INTERNAL", "division by zero")
            return
        await self.app(scope, _replay(body), send)


def _wrong_content_type(app: ASGIApp) -> ASGIApp:
    """List Satellites sends its JSON as text/plain."""

    def rewrite(status: int, headers: list, body: bytes) -> tuple[int, list, bytes]:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        return status, [*headers, (b"content-type", b"text/plain; charset=utf-8")], body

    return RewriteResponse(app, lambda m, p: m == "GET" and p == "/v0/satellites", rewrite)


class _AuthIgnored:
    """A request without `Authorization` is served anyway (as a default workspace)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            headers = list(scope.get("headers", []))
            if not any(k.lower() == b"authorization" and v.strip() for k, v in headers):
                headers = [(k, v) for k, v in headers if k.lower() != b"authorization"]
                headers.append((b"authorization", b"anonymous-default-workspace"))
                scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


class _DeleteDoesNotDelete:
    """DELETE /v0/stores/{id} answers 204 and keeps the store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] == "DELETE"
            and path.startswith("/v0/stores/")
            and any(k.lower() == b"authorization" for k, _ in scope.get("headers", []))
        ):
            await _read_body(receive)
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def _aoi_download_without_url(app: ASGIApp) -> ASGIApp:
    """A finished AOI download answers SUCCESS but never gives its signed_url."""

    def rewrite(status: int, headers: list, body: bytes) -> tuple[int, list, bytes]:
        try:
            payload = json.loads(body)
        except ValueError:
            return status, headers, body
        if isinstance(payload, dict):
            payload.pop("signed_url", None)
        return status, headers, json.dumps(payload).encode()

    def match(method: str, path: str) -> bool:
        parts = path.strip("/").split("/")
        return method == "GET" and len(parts) == 5 and parts[:2] == ["v0", "aois"]

    return RewriteResponse(app, match, rewrite)


DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        Defect(
            "create_store_201",
            "CreateStore",
            "status_code_conformance",
            "CreateStore answers 201 instead of 200",
            _wrong_success_status,
        ),
        Defect(
            "download_status_done",
            "CreateDownload",
            "response_schema_conformance",
            "a DownloadResponse has status 'done' (not in the enum)",
            _value_outside_enum,
        ),
        Defect(
            "store_without_created_at",
            "ListStores",
            "response_schema_conformance",
            "stores lack their required created_at",
            _missing_required_field,
        ),
        Defect(
            "search_500_on_limit_7",
            "SearchCatalogs",
            "not_a_server_error",
            "SearchCatalogs answers 500 when limit is 7",
            _ServerErrorOnLimit7,
        ),
        Defect(
            "satellites_text_plain",
            "List Satellites",
            "content_type_conformance",
            "List Satellites answers with Content-Type text/plain",
            _wrong_content_type,
        ),
        Defect(
            "auth_ignored",
            "ListStores",
            "ignored_auth",
            "requests without Authorization are served",
            _AuthIgnored,
        ),
        Defect(
            "aoi_download_without_url",
            "GetDownloadStatus",
            "aoi_download_signed_url_iff_success",
            "a finished AOI download answers SUCCESS without its signed_url",
            _aoi_download_without_url,
        ),
        Defect(
            "delete_does_not_delete",
            "DeleteStore",
            "use_after_delete",
            "DELETE /v0/stores/{id} answers 204 without deleting",
            _DeleteDoesNotDelete,
        ),
    )
}


# -- not a defect: a mock that does not look like one ---------------------------------------------


class Disguise:
    """Makes the mock look like a real server: ``/_mock`` is hidden (404) and, like a real API,
    only the given keys are accepted (others get 401). Records every request as
    ``(method, path, body)``."""

    def __init__(self, app: ASGIApp, keys: tuple[str, ...] = ("live-key", "live-key-2")) -> None:
        self.app = app
        self.keys = {key.encode() for key in keys}
        self.requests: list[tuple[str, str, bytes]] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        path = scope["path"]
        with self._lock:
            self.requests.append((scope["method"], path, body))
        if path.startswith("/_mock/") and not path.startswith("/_mock/files/"):
            await _error(send, 404, "ROUTE_NOT_FOUND", "no such path")
            return
        key = next((v for k, v in scope.get("headers", []) if k.lower() == b"authorization"), None)
        if key is not None and key.removeprefix(b"Bearer ").strip() not in self.keys:
            await _error(send, 401, "UNAUTHENTICATED", "unknown API key")
            return
        await self.app(scope, _replay(body), send)


async def _error(send: Callable, status: int, code: str, message: str) -> None:
    error = {"error": {"code": code, "message": message, "details": None}}
    await _respond(send, status, json.dumps(error).encode(), "application/json")


# -- serving --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(app: ASGIApp, timeout: float = 30.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port; yields its base URL."""
    import uvicorn

    # Bind here and hand uvicorn the socket: no window for another server to take the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"broken-server-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def build(defect: str | None = None, *, fixtures: Any = None, disguise: bool = False) -> Any:
    """The mock, with ``defect`` planted and/or disguised as a server that is not the mock."""
    from mockserver.app import create_app
    from mockserver.settings import Settings

    app: Any = create_app(Settings(), fixtures=fixtures)
    if defect is not None:
        app = DEFECTS[defect].wrap(app)
    if disguise:
        app = Disguise(app)
    return app
