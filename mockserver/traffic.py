"""The mock's front door for test tooling: faults, ``Prefer: code=``, the journal, the access log.

:class:`Traffic` is ASGI middleware in front of the app. For each request it finds the operation
and the workspace (from the API key, which it never keeps), applies a fault or a ``Prefer``
answer if one is due, times the request, records it in the workspace's journal and writes an
access line. Requests to the control API are logged but neither journaled nor faulted. A
successful ``POST /_mock/reset`` also drops the workspace's faults and journal.

:func:`front_door` puts it together with the optional CORS layer and the connection handle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import connection, cors, errors, logs, prefer, routes
from mockserver.domain.workspaces import workspace_for_key
from mockserver.faults import FaultBook
from mockserver.journal import MAX_BODY_BYTES, Journal, redact_query
from mockserver.service import MockService
from mockserver.settings import Settings

EXTENSION_KEY = "pixxel_mock_traffic"
_TRANSPORT = "pixxel_mock.transport"
KeyOf = Callable[[str], "dict[str, Any] | None"]


class Traffic:
    def __init__(
        self, app: ASGIApp, service: MockService, key_of: KeyOf, journal: Journal, faults: FaultBook
    ) -> None:
        self.app = app
        self.service = service
        self.key_of = key_of
        self.journal = journal
        self.faults = faults
        self.sleep = asyncio.sleep  # how injected latency waits

    def _workspace(self, headers: dict[bytes, bytes]) -> str | None:
        raw = headers.get(b"authorization")
        if raw is None:
            return None
        try:
            info = self.key_of(raw.decode("latin-1"))
        except errors.ApiError:
            return None  # a key the app refuses (too long): it answers the 401 itself
        return workspace_for_key(info["api_key"]).id if info else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        headers = dict(scope.get("headers") or [])
        route = routes.find(method, path)
        control = path.startswith(routes.CONTROL_PREFIX)
        workspace = self._workspace(headers)
        # Body chunks are kept as sent (no copy) while the whole stays within the journal's limit.
        request_body: list[bytes] = []
        response: dict[str, Any] = {"status": None, "type": None, "body": []}
        sizes = {"request": 0, "response": 0}
        fault_id = None

        async def observed_receive() -> Message:
            message = await receive()
            chunk = message.get("body", b"")
            sizes["request"] += len(chunk)
            if sizes["request"] <= MAX_BODY_BYTES:
                request_body.append(chunk)
            else:
                request_body.clear()
            return message

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        response["type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                sizes["response"] += len(chunk)
                if sizes["response"] <= MAX_BODY_BYTES:
                    response["body"].append(chunk)
                else:
                    response["body"].clear()
            await send(message)

        try:
            hit = None
            if workspace is not None and not control:
                hit = self.faults.decide(workspace, method, path, route)
            if hit is not None:
                fault_id = hit.fault_id
                if hit.delay_seconds:
                    await self.sleep(hit.delay_seconds)
                if hit.effect == "drop":
                    transport = scope.get(_TRANSPORT)
                    if transport is not None:
                        await connection.drop(transport)
                        return
                    # No transport to drop (an in-process test client): the nearest thing.
                    raise ConnectionResetError("connection dropped by an injected fault")
                if hit.effect == "error":
                    status, extra, body = hit.error_response()
                    await _send(observed_send, status, extra, orjson.dumps(body))
                    return
            # A forced answer needs what the operation needs: a key, unless it is public.
            forced = route if route is not None and not control else None
            if forced is not None and workspace is None and forced.operation.get("security") != []:
                forced = None
            code = (
                prefer.requested_code(headers.get(b"prefer", b"").decode("latin-1"))
                if forced is not None
                else None
            )
            if forced is not None and code is not None:
                try:
                    answer = prefer.answer(forced, code)
                except errors.ApiError as exc:
                    answer = (exc.status, {}, orjson.dumps(exc.body()))
                if answer is not None:
                    await _send(observed_send, *answer)
                    return
            await self.app(scope, observed_receive, observed_send)
        finally:
            latency_ms = (time.perf_counter() - started) * 1000.0
            self._after(
                scope,
                route,
                workspace,
                control,
                request_body,
                response,
                sizes,
                fault_id,
                latency_ms,
            )

    def _after(
        self,
        scope: Scope,
        route: routes.Route | None,
        workspace: str | None,
        control: bool,
        request_body: list[bytes],
        response: dict[str, Any],
        sizes: dict[str, int],
        fault_id: int | None,
        latency_ms: float,
    ) -> None:
        method, path = scope["method"], scope["path"]
        raw_query = scope.get("query_string", b"").decode("latin-1")
        status = response["status"]
        operation_id = route.operation_id if route else None
        if logs.access_enabled():
            query = redact_query(parse_qs(raw_query))
            query_text = "&".join(f"{k}={v}" for k, values in query.items() for v in values)
            client = scope.get("client")
            logs.access(
                client=f"{client[0]}:{client[1]}" if client else "-",
                method=method,
                target=path + (f"?{query_text}" if query_text else ""),
                status=status,
                latency_ms=latency_ms,
                operation_id=operation_id,
                workspace=workspace,
            )
        if workspace is None:
            return
        if control:
            if operation_id == "ResetWorkspace" and status == 204:
                self.faults.clear(workspace)
                self.journal.clear(workspace)
            return
        headers = dict(scope.get("headers") or [])
        request_type = headers.get(b"content-type", b"").decode("latin-1")
        now = self.service.state.clock(workspace).now(self.service.time_source())
        self.journal.record(
            workspace,
            {
                "time": now,
                "method": method,
                "path": path,
                "query": raw_query,
                "operation_id": operation_id,
                "status": status,
                "latency_ms": round(latency_ms, 3),
                "fault": fault_id,
                "request_bytes": sizes["request"],
                "response_bytes": sizes["response"],
            },
            (request_body, request_type),
            (response["body"], response["type"]),
        )


async def _send(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    if body and not any(name == b"content-type" for name, _ in raw):
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class _KeepTransport:
    """Outermost layer: hands the server's transport to :class:`Traffic` (for dropped
    connections) before any middleware wraps ``send``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = connection.transport_of(send)
            if transport is not None:
                scope[_TRANSPORT] = transport
        await self.app(scope, receive, send)


def front_door(
    app: ASGIApp, service: MockService, settings: Settings, key_of: KeyOf
) -> tuple[ASGIApp, Traffic]:
    """The app behind the traffic layer and, with ``cors_origins`` set, CORS in front of it all
    (so that injected errors carry CORS headers too)."""
    traffic = Traffic(app, service, key_of, Journal(), FaultBook(settings.seed))
    return _KeepTransport(cors.wrap(traffic, settings.cors_origins)), traffic
